/**
 * Turning off the source/destination check of router ENIs. EC2 drops traffic an ENI receives for,
 * or sends from, an address that is not its own unless the check is off, so a router with the check
 * on forwards nothing (vpc-router's README asked operators to do this by hand).
 * `ModifyNetworkInterfaceAttribute` with `SourceDestCheck.Value=false`, one call per ENI, through
 * the EC2 policy and under the leader's fencing guard, like route writes.
 * Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyNetworkInterfaceAttribute.html,
 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html (source/destination check)
 */
import { type EC2Client, ModifyNetworkInterfaceAttributeCommand } from "@aws-sdk/client-ec2";
import type { RouterEni } from "../domain/route-table.js";
import type { SourceDestCheckResult } from "../domain/vpc-port.js";
import { ec2ErrorCode, ec2ErrorMessage } from "./ec2-errors.js";
import type { Ec2Policy } from "./ec2-policy.js";
import { admitAttempt, attemptSignal, type MutationGuard } from "./mutation-guard.js";

/** Outcome of {@link disableSourceDestChecks}. ENIs after a guard refusal have no result. */
export interface SourceDestCheckOutcome {
  readonly results: SourceDestCheckResult[];
  readonly stoppedByGuard: boolean;
}

/** The guard refused an attempt; `afterCalls` tells whether this ENI already had a call sent. */
class GuardRefused extends Error {
  constructor(readonly afterCalls: number) {
    super("the leadership check refused the mutation");
  }
}

/** Router IPs grouped by ENI (two secondary IPs of one ENI need one call), first-seen order. */
function ipsByEni(routers: readonly RouterEni[]): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const router of routers) {
    const ips = grouped.get(router.networkInterfaceId) ?? [];
    if (!ips.includes(router.ip)) ips.push(router.ip);
    grouped.set(router.networkInterfaceId, ips);
  }
  return grouped;
}

async function disableOne(
  client: EC2Client,
  policy: Ec2Policy,
  networkInterfaceId: string,
  guard: MutationGuard,
): Promise<void> {
  let calls = 0;
  let budgetMs: number | undefined;
  const command = new ModifyNetworkInterfaceAttributeCommand({
    NetworkInterfaceId: networkInterfaceId,
    SourceDestCheck: { Value: false },
  });
  await policy.execute(
    "ModifyNetworkInterfaceAttribute",
    (policySignal) => client.send(command, { abortSignal: attemptSignal(policySignal, budgetMs) }),
    // Before every attempt, retries included; GuardRefused is not transient: no retry.
    async () => {
      const admission = await admitAttempt(guard);
      if (!admission.allowed) throw new GuardRefused(calls);
      calls += 1;
      budgetMs = admission.budgetMs;
    },
  );
}

/**
 * Disables the source/destination check on the ENI of every router given (whatever its current
 * value: the caller chooses the routers), in order, one ENI at a time. A failed ENI does not stop the
 * next ones; a guard refusal stops the batch. Never throws.
 * @param routers routers whose ENIs to change; several IPs of one ENI make one call
 * @param guard the leader's fencing check, asked before every attempt
 * @returns one result per attempted ENI, and whether the guard stopped the batch
 */
export async function disableSourceDestChecks(
  client: EC2Client,
  policy: Ec2Policy,
  routers: readonly RouterEni[],
  guard: MutationGuard,
): Promise<SourceDestCheckOutcome> {
  const results: SourceDestCheckResult[] = [];
  for (const [networkInterfaceId, routerIps] of ipsByEni(routers)) {
    const started = performance.now();
    try {
      await disableOne(client, policy, networkInterfaceId, guard);
      results.push({ networkInterfaceId, routerIps, ok: true, durationMs: performance.now() - started });
    } catch (error) {
      const durationMs = performance.now() - started;
      if (error instanceof GuardRefused) {
        if (error.afterCalls > 0) {
          const base = { networkInterfaceId, routerIps, ok: false, durationMs };
          results.push({ ...base, error: error.message, errorCode: "GuardRefused" });
        }
        return { results, stoppedByGuard: true };
      }
      results.push({
        networkInterfaceId,
        routerIps,
        ok: false,
        error: ec2ErrorMessage(error),
        errorCode: ec2ErrorCode(error),
        durationMs,
      });
    }
  }
  return { results, stoppedByGuard: false };
}
