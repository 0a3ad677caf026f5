/**
 * The port through which the leader sees and changes the VPC, bound to one VPC id. The daemon
 * implements it on the EC2 API (src/vpc/ec2-vpc-port.ts); unit tests may use a fake.
 */
import type { MutationGuard } from "./mutation-guard.js";
import type { BatchOptions, BatchOutcome, RouteChangeOutcome, SourceDestFixOutcome } from "./outcome.js";
import type { RouteAction } from "./route-action.js";
import type { RouterEni, RouteTable } from "./route-table.js";

/**
 * What the leader needs from the VPC. Reads reject on EC2 errors (the leader reports and retries);
 * mutations never throw: failures are in their outcomes.
 */
export interface VpcPort {
  /**
   * The route tables to manage (setting `aws.routeTables`: all tables of the VPC, those of the
   * routers' subnets, a tag, or ids), as read now.
   * @param routers the spec's routers as just resolved: the `subnets` selection needs their subnets
   */
  readRouteTables(routers: ReadonlyMap<string, RouterEni>): Promise<RouteTable[]>;
  /** Router IP → its ENI (with subnet and source/destination check); IPs that no ENI of the VPC holds are absent. */
  resolveRouters(ips: readonly string[]): Promise<ReadonlyMap<string, RouterEni>>;
  /**
   * Applies `actions` in order, asking `guard.mayMutate()` before each attempt (retries included)
   * and stopping when it says no; no attempt outlives `guard.remainingMs()`; `options.preempt` may
   * end the batch between two actions. Never throws.
   */
  apply(
    actions: readonly RouteAction[],
    guard: MutationGuard,
    options?: BatchOptions,
  ): Promise<BatchOutcome<RouteChangeOutcome>>;
  /**
   * Turns the source/destination check off on the ENIs of `routers` (one call per ENI), under the
   * same guard as {@link apply}; a router IP whose ENI changed is looked up afresh next time. Never
   * throws.
   */
  disableSourceDestCheck(
    routers: readonly RouterEni[],
    guard: MutationGuard,
    options?: BatchOptions,
  ): Promise<BatchOutcome<SourceDestFixOutcome>>;
}
