/**
 * Turning off the source/destination check of router ENIs. EC2 drops traffic an ENI receives for,
 * or sends from, an address that is not its own unless the check is off, so a router with the check
 * on forwards nothing (vpc-router's README asked operators to do this by hand).
 * `ModifyNetworkInterfaceAttribute` with `SourceDestCheck.Value=false`, one call per ENI, through
 * the EC2 policy and under the leader's term fence, like route writes.
 * Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyNetworkInterfaceAttribute.html,
 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html (source/destination check)
 */
import { type EC2Client, ModifyNetworkInterfaceAttributeCommand } from "@aws-sdk/client-ec2";
import type { MutationGuard } from "../domain/mutation-guard.js";
import type { BatchOptions, BatchOutcome, SourceDestFixOutcome } from "../domain/outcome.js";
import type { RouterEni } from "../domain/route-table.js";
import type { Ec2Policy } from "./ec2-policy.js";
import { fenceAtSend } from "./fence-at-send.js";
import { runGuardedBatch } from "./guarded-call.js";

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

/**
 * Disables the source/destination check on the ENI of every router given (whatever its current
 * value: the caller chooses the routers), in order, one ENI at a time. A failed ENI does not stop the
 * next ones; a fence refusal stops the batch. Never throws.
 * @param routers routers whose ENIs to change; several IPs of one ENI make one call
 * @param guard the leader's term fence, asked before every attempt
 * @returns one outcome per attempted ENI, and whether the fence stopped the batch
 */
export function disableSourceDestChecks(
  client: EC2Client,
  policy: Ec2Policy,
  routers: readonly RouterEni[],
  guard: MutationGuard,
  options: BatchOptions = {},
): Promise<BatchOutcome<SourceDestFixOutcome>> {
  return runGuardedBatch(
    ipsByEni(routers),
    policy,
    guard,
    async ([networkInterfaceId], sender) => {
      const command = new ModifyNetworkInterfaceAttributeCommand({
        NetworkInterfaceId: networkInterfaceId,
        SourceDestCheck: { Value: false },
      });
      await sender.send("ModifyNetworkInterfaceAttribute", (abortSignal, mayMutateNow) =>
        client.send(fenceAtSend(command, mayMutateNow), { abortSignal }),
      );
    },
    ([networkInterfaceId, routerIps], outcome) => ({ ...outcome, networkInterfaceId, routerIps }),
    options,
  );
}
