/**
 * The daemon's VPC port on the real EC2 API: one client, one policy (timeouts, retries, a breaker
 * per action), the route-table reader, the router resolver and the applier, bound to one VPC.
 */
import type { Logger } from "pino";
import type { VpcrouterConfig } from "../config/schema.js";
import type { VpcPort } from "../replica/vpc-port.js";
import { createEc2Client } from "./ec2-client.js";
import { createEc2Policy, type Ec2BreakerState, type Ec2Policy } from "./ec2-policy.js";
import { applyActions } from "./route-applier.js";
import { readRouteTables } from "./route-table-reader.js";
import { RouterResolver } from "./router-resolver.js";

/** The VPC port plus what /status and metrics need from the EC2 layer. */
export interface Ec2VpcPort extends VpcPort {
  /** The policy (subscribe to `onCall`, `onRetry`, `onBreakerStateChange` for metrics). */
  readonly policy: Ec2Policy;
  /** Breaker state per EC2 action called so far. */
  breakerStates(): Readonly<Record<string, Ec2BreakerState>>;
  /** Releases the client's sockets. */
  close(): void;
}

/**
 * Creates the EC2-backed VPC port. Region: `aws.region`, or the SDK chain when empty; endpoint and
 * credentials: the SDK chain (`AWS_ENDPOINT_URL_EC2`, `AWS_ACCESS_KEY_ID`, profile, IMDS …).
 * Logs retries and breaker changes at `warn` (breaker closing at `info`).
 * @param aws the `aws` section of the configuration (vpcId must be set)
 * @param log the daemon's logger
 */
export function createEc2VpcPort(aws: VpcrouterConfig["aws"], log: Logger): Ec2VpcPort {
  const client = createEc2Client(aws.region ? { region: aws.region } : {});
  const policy = createEc2Policy({
    callTimeoutMs: aws.callTimeoutMs,
    maxRetries: aws.maxRetries,
    initialBackoffMs: aws.initialBackoffMs,
    maxBackoffMs: aws.maxBackoffMs,
    breakerThreshold: aws.breakerThreshold,
    breakerHalfOpenAfterMs: aws.breakerHalfOpenAfterMs,
  });
  policy.onRetry((event) => log.warn(event, "EC2 call failed, retrying"));
  policy.onBreakerStateChange((action, state) => {
    if (state === "closed") log.info({ action, state }, "EC2 circuit breaker closed");
    else log.warn({ action, state }, "EC2 circuit breaker changed state");
  });
  const resolver = new RouterResolver(client, policy, aws.vpcId);

  return {
    policy,
    readRouteTables: () => readRouteTables(client, policy, aws.vpcId),
    resolveRouters: (ips) => resolver.resolve(ips),
    async apply(actions, guard) {
      const outcome = await applyActions(client, policy, actions, guard);
      for (const result of outcome.results) {
        // The ENI we resolved for this router is gone: look the IP up again next time.
        if (result.errorCode === "InvalidNetworkInterfaceID.NotFound" && result.action.kind !== "delete") {
          resolver.invalidate(result.action.routerIp);
        }
      }
      return outcome;
    },
    breakerStates: () => policy.breakerStates(),
    close: () => client.destroy(),
  };
}
