import type { MutationGuard } from "../vpc/mutation-guard.js";
import type { RouteAction } from "./route-action.js";
import type { RouterEni, RouteTable } from "./route-table.js";

/** Outcome of one route change sent to EC2. */
export interface ChangeResult {
  readonly action: RouteAction;
  readonly ok: boolean;
  readonly error?: string;
  readonly errorCode?: string;
  readonly durationMs: number;
}

/** Outcome of disabling the source/destination check of one router ENI. */
export interface SourceDestCheckResult {
  readonly networkInterfaceId: string;
  /** The spec's router IPs this ENI holds. */
  readonly routerIps: readonly string[];
  readonly ok: boolean;
  readonly error?: string;
  readonly errorCode?: string;
  /** Time every call for this ENI took, retries included, ms. */
  readonly durationMs: number;
}

/**
 * What the leader needs from the VPC, bound to one VPC id. The daemon implements it with the EC2
 * API (src/vpc); unit tests may use a fake. Reads reject on EC2 errors (the leader reports and
 * retries); mutations never throw: failures are in their results.
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
   * and stopping when it says no; no attempt outlives `guard.remainingMs()`. Never throws: failures
   * are in the results.
   */
  apply(
    actions: readonly RouteAction[],
    guard: MutationGuard,
  ): Promise<{ readonly results: readonly ChangeResult[]; readonly stoppedByGuard: boolean }>;
  /**
   * Turns the source/destination check off on the ENIs of `routers` (one call per ENI), under the
   * same guard as {@link apply}; a router IP whose ENI changed is looked up afresh next time. Never
   * throws: failures are in the results.
   */
  disableSourceDestCheck(
    routers: readonly RouterEni[],
    guard: MutationGuard,
  ): Promise<{ readonly results: readonly SourceDestCheckResult[]; readonly stoppedByGuard: boolean }>;
}
