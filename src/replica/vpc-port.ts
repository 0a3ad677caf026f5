import type { RouteAction } from "../decide/route-action.js";
import type { RouterEni, RouteTable } from "../vpc/model.js";

/** Outcome of one route change sent to EC2. */
export interface ChangeResult {
  readonly action: RouteAction;
  readonly ok: boolean;
  readonly error?: string;
  readonly errorCode?: string;
  readonly durationMs: number;
}

/**
 * What the leader needs from the VPC, bound to one VPC id. The daemon implements it with the EC2
 * API (src/vpc); unit tests may use a fake.
 */
export interface VpcPort {
  /** Every route table of the VPC, as read now. */
  readRouteTables(): Promise<RouteTable[]>;
  /** Router IP → its ENI; IPs that no ENI of the VPC holds are absent. */
  resolveRouters(ips: readonly string[]): Promise<ReadonlyMap<string, RouterEni>>;
  /**
   * Applies `actions` in order, asking `guard.mayMutate()` before each attempt (retries included)
   * and stopping when it says no; no attempt outlives `guard.remainingMs()`. Never throws: failures
   * are in the results.
   */
  apply(
    actions: readonly RouteAction[],
    guard: { mayMutate(): boolean | Promise<boolean>; remainingMs?(): number },
  ): Promise<{ readonly results: readonly ChangeResult[]; readonly stoppedByGuard: boolean }>;
}
