/**
 * What happened to one EC2 call or change: the one outcome shape of vpcrouter's EC2 layer, shared by
 * route changes and source/destination fixes, read by the leader, the status record and metrics.
 */
import type { RouteAction } from "./route-action.js";

/**
 * How the leader should treat a failure:
 * - `transient`: any other failure, which may succeed when the leader tries again (throttling, 5xx,
 *   a timeout, an open breaker, a route table not yet as the plan assumed); the EC2 policy's own
 *   retries are narrower (src/vpc/ec2-errors.ts `isRetryableEc2Error`);
 * - `permanent`: retrying soon cannot cure it until someone changes something (a missing IAM
 *   permission, an ENI that is gone);
 * - `fenced`: not sent, or stopped, because the leader's term fence refused the mutation;
 * - `unknown`: the request may have reached EC2, but no answer came (a timeout, an abort, a
 *   connection lost after sending): EC2 may have applied it, so the leader reads it back.
 */
export type FailureKind = "transient" | "permanent" | "fenced" | "unknown";

/** Why a call or change failed. */
export interface Failure {
  /**
   * The EC2 error code (`RouteAlreadyExists`), our policy's (`Ec2CallTimeout`, `CircuitOpen`), a
   * socket code (`ECONNREFUSED`), or `GuardRefused` for a fence refusal.
   */
  readonly code: string;
  readonly message: string;
  readonly kind: FailureKind;
}

/** What happened to one call or change; `durationMs` covers every call made for it, retries included, ms. */
export type Outcome =
  | { readonly ok: true; readonly durationMs: number }
  | { readonly ok: false; readonly failure: Failure; readonly durationMs: number };

/**
 * The outcome of one route change sent to EC2. `confirmedByRead`: EC2 did not answer, but the
 * route tables read afterwards show the change made.
 */
export type RouteChangeOutcome = Outcome & { readonly action: RouteAction; readonly confirmedByRead?: true };

/** The outcome of disabling the source/destination check of one router ENI. */
export type SourceDestFixOutcome = Outcome & {
  readonly networkInterfaceId: string;
  /** The spec's router IPs this ENI holds. */
  readonly routerIps: readonly string[];
};

/**
 * The outcome of a batch of guarded mutations, in order. Items after a fence refusal were not
 * attempted and have no outcome; `stoppedByFence` says the fence ended the batch.
 */
export interface BatchOutcome<T extends Outcome> {
  readonly results: readonly T[];
  readonly stoppedByFence: boolean;
  /** True when the batch ended early for newer work (see {@link BatchOptions.preempt}). */
  readonly preempted?: boolean;
}

/** How a batch of mutations may end early without any refusal. */
export interface BatchOptions {
  /**
   * Asked before each item (not between the attempts of one): true ends the batch there, e.g. when
   * a newly confirmed failure must be failed over before the rest of a long batch.
   */
  readonly preempt?: () => boolean;
  /** Items in flight at most (default 1: one after another); set by the VPC port from `aws.maxConcurrentCalls`. */
  readonly concurrency?: number;
}

/** An empty batch: nothing attempted, nothing refused. */
export const NOTHING_DONE: BatchOutcome<never> = { results: [], stoppedByFence: false };

/** The failure of an outcome, if there is an outcome and it failed (for logs, records and tests). */
export function failureOf(outcome: Outcome | undefined): Failure | undefined {
  return outcome === undefined || outcome.ok ? undefined : outcome.failure;
}
