/**
 * The daemon's VPC port on the real EC2 API: one client, one policy (timeouts, retries, a breaker
 * per action), the route-table reader with the configured table selection, the router resolver,
 * the route applier and the source/destination check fixer, bound to one VPC.
 */
import type { Logger } from "pino";
import { type BatchOptions, failureOf } from "../domain/outcome.js";
import { parseRouteTableSelection } from "../domain/route-table-selection.js";
import type { VpcPort } from "../domain/vpc-port.js";
import { createEc2Client, type Ec2ClientOptions } from "./ec2-client.js";
import { EC2_ERROR } from "./ec2-errors.js";
import {
  createEc2Policy,
  type Ec2BreakerState,
  type Ec2Policy,
  type Ec2PolicyOptions,
} from "./ec2-policy.js";
import { Ec2RateLimiter } from "./ec2-rate-limits.js";
import { type InstanceCondition, readInstanceConditions } from "./instance-status-reader.js";
import { applyActions } from "./route-applier.js";
import { readRouteTables } from "./route-table-reader.js";
import { RouterResolver } from "./router-resolver.js";
import { routeTableFilters, selectRouteTables } from "./select-route-tables.js";
import { disableSourceDestChecks } from "./source-dest-check.js";

/** The VPC port plus what /status and metrics need from the EC2 layer. */
export interface Ec2VpcPort extends VpcPort {
  /** The policy (subscribe to `onCall`, `onRetry`, `onBreakerStateChange` for metrics). */
  readonly policy: Ec2Policy;
  /** Breaker state per EC2 action called so far. */
  breakerStates(): Readonly<Record<string, Ec2BreakerState>>;
  /**
   * EC2's state and status checks of the given instances (the ec2status health check).
   * @throws on an EC2 error after the policy's retries
   */
  instanceConditions(instanceIds: readonly string[]): Promise<ReadonlyMap<string, InstanceCondition>>;
  /** Releases the client's sockets. */
  close(): void;
}

/**
 * The settings the EC2 port needs (the configuration's `aws` section satisfies it): the VPC, the
 * table selection, and the policy's timeouts, retries and breaker (ms unless named otherwise).
 */
export interface Ec2VpcSettings extends Ec2PolicyOptions {
  /** AWS region; empty: the SDK's default chain. */
  readonly region: string;
  readonly vpcId: string;
  /** `all`, `subnets`, `tag:<key>=<value>` or `rtb-…` ids (see route-table-selection.ts). */
  readonly routeTables: string;
  /** EC2 calls of one batch in flight at most (route changes, source/destination fixes). */
  readonly maxConcurrentCalls: number;
  /** The client-side buckets, as EC2's (ec2-rate-limits.ts): tokens and tokens per second. */
  readonly mutatingBurst: number;
  readonly mutatingRefillPerSecond: number;
  readonly nonMutatingBurst: number;
  readonly nonMutatingRefillPerSecond: number;
}

/** Tuning of {@link createEc2VpcPort} that is not configuration. */
export interface Ec2VpcPortOptions {
  /** How long (ms) a resolved router IP is trusted before it is looked up again; default 60 000. */
  readonly routerCacheTtlMs?: number;
  /** EC2 endpoint URL; default from the SDK chain (`AWS_ENDPOINT_URL_EC2`, then AWS's). */
  readonly endpoint?: string;
  /** Credentials; default from the SDK chain. */
  readonly credentials?: Ec2ClientOptions["credentials"];
}

/**
 * Creates the EC2-backed VPC port. Region: `aws.region`, or the SDK chain when empty; endpoint and
 * credentials: the SDK chain (`AWS_ENDPOINT_URL_EC2`, `AWS_ACCESS_KEY_ID`, profile, IMDS …).
 * Route tables: those `aws.routeTables` selects. Logs retries and breaker changes at `warn`
 * (breaker closing at `info`).
 * @param aws the VPC and EC2 settings (the configuration's `aws` section; vpcId must be set)
 * @param log the daemon's logger
 * @throws Error when `aws.routeTables` is not a valid selection (the config's validation rejects it first)
 */
export function createEc2VpcPort(
  aws: Ec2VpcSettings,
  log: Logger,
  options: Ec2VpcPortOptions = {},
): Ec2VpcPort {
  const parsed = parseRouteTableSelection(aws.routeTables);
  if (!parsed.ok) throw new Error(`aws.routeTables: ${parsed.message}`);
  const selection = parsed.selection;
  const filters = routeTableFilters(selection);
  const client = createEc2Client({
    maxSockets: aws.maxConcurrentCalls,
    ...(aws.region ? { region: aws.region } : {}),
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
  });
  const rateLimiter = new Ec2RateLimiter({
    mutating: { burst: aws.mutatingBurst, refillPerSecond: aws.mutatingRefillPerSecond },
    nonMutating: { burst: aws.nonMutatingBurst, refillPerSecond: aws.nonMutatingRefillPerSecond },
  });
  const policy = createEc2Policy({ ...aws, rateLimiter });
  const concurrent = (batchOptions: BatchOptions | undefined): BatchOptions => ({
    ...batchOptions,
    concurrency: aws.maxConcurrentCalls,
  });
  policy.onRetry((event) => log.warn(event, "EC2 call failed, retrying"));
  policy.onBreakerStateChange((action, state) => {
    if (state === "closed") log.info({ action, state }, "EC2 circuit breaker closed");
    else log.warn({ action, state }, "EC2 circuit breaker changed state");
  });
  const resolver = new RouterResolver(
    client,
    policy,
    aws.vpcId,
    options.routerCacheTtlMs !== undefined ? { cacheTtlMs: options.routerCacheTtlMs } : {},
  );

  let warnedNoTables = false;
  return {
    policy,
    async readRouteTables(routers) {
      const tables = await readRouteTables(client, policy, aws.vpcId, { filters });
      // A wrong region or VPC id reads as an empty VPC: say so once, or nothing would ever happen silently.
      if (tables.length === 0 && !warnedNoTables) {
        warnedNoTables = true;
        log.warn(
          { vpcId: aws.vpcId, region: aws.region || "(SDK default)", routeTables: aws.routeTables },
          "no route table found: check the region, the VPC id and the route table selection",
        );
      } else if (tables.length > 0) {
        warnedNoTables = false;
      }
      return selectRouteTables(tables, selection, routers.values());
    },
    resolveRouters: (ips) => resolver.resolve(ips),
    async apply(actions, guard, batchOptions) {
      const outcome = await applyActions(client, policy, actions, guard, concurrent(batchOptions));
      for (const result of outcome.results) {
        // The ENI we resolved for this router is gone: look the IP up again next time.
        if (failureOf(result)?.code === EC2_ERROR.eniNotFound && result.action.kind !== "delete") {
          resolver.invalidate(result.action.routerIp);
        }
      }
      return outcome;
    },
    async disableSourceDestCheck(routers, guard, batchOptions) {
      const outcome = await disableSourceDestChecks(client, policy, routers, guard, concurrent(batchOptions));
      // Changed (or gone): the next resolve reads the ENI afresh, so the leader sees the new state.
      for (const result of outcome.results) {
        if (result.ok || failureOf(result)?.code === EC2_ERROR.eniNotFound) {
          for (const ip of result.routerIps) resolver.invalidate(ip);
        }
      }
      return outcome;
    },
    breakerStates: () => policy.breakerStates(),
    instanceConditions: (instanceIds) => readInstanceConditions(client, policy, instanceIds),
    close: () => client.destroy(),
  };
}
