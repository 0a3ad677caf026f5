/**
 * Reads EC2's view of instances for the ec2status health check: state and the system and instance
 * status checks, with `DescribeInstanceStatus` (`IncludeAllInstances`, so stopped instances are
 * reported too), at most 100 ids per call, following `NextToken`, under the EC2 policy (timeout,
 * retries, breaker, the client-side token bucket for non-mutating calls).
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceStatus.html
 */
import { DescribeInstanceStatusCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { Ec2Policy } from "./ec2-policy.js";

/** What EC2 says of one instance. */
export interface InstanceCondition {
  /** `pending`, `running`, `shutting-down`, `terminated`, `stopping` or `stopped`. */
  readonly state: string;
  /** System status check: `ok`, `impaired`, `initializing`, `insufficient-data` or `not-applicable`. */
  readonly systemStatus: string;
  /** Instance status check, same values. */
  readonly instanceStatus: string;
}

/** "Constraints: Maximum 100 explicitly specified instance IDs." (DescribeInstanceStatus, InstanceId.N). */
const MAX_IDS_PER_CALL = 100;

/**
 * @param instanceIds the instances to read (duplicates are read once)
 * @returns instance id → condition; an instance EC2 did not report is absent
 * @throws whatever the policy throws (an EC2 error after retries, an open breaker, a timeout)
 */
export async function readInstanceConditions(
  client: EC2Client,
  policy: Ec2Policy,
  instanceIds: readonly string[],
): Promise<ReadonlyMap<string, InstanceCondition>> {
  const ids = [...new Set(instanceIds)];
  const conditions = new Map<string, InstanceCondition>();
  for (let start = 0; start < ids.length; start += MAX_IDS_PER_CALL) {
    const chunk = ids.slice(start, start + MAX_IDS_PER_CALL);
    let nextToken: string | undefined;
    do {
      const command = new DescribeInstanceStatusCommand({
        InstanceIds: chunk,
        IncludeAllInstances: true,
        ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
      });
      const reply = await policy.execute("DescribeInstanceStatus", (signal) =>
        client.send(command, { abortSignal: signal }),
      );
      for (const status of reply.InstanceStatuses ?? []) {
        if (!status.InstanceId) continue;
        conditions.set(status.InstanceId, {
          state: status.InstanceState?.Name ?? "unknown",
          systemStatus: status.SystemStatus?.Status ?? "unknown",
          instanceStatus: status.InstanceStatus?.Status ?? "unknown",
        });
      }
      nextToken = reply.NextToken || undefined;
    } while (nextToken !== undefined);
  }
  return conditions;
}
