import type { RouteAction } from "../domain/route-action.js";
import type { RouterEni, RouteTable } from "../domain/route-table.js";
import type { RevisionedSpec, SpecError } from "../route-spec/route-spec.js";

/** Value of `<prefix>/members/<replicaId>`: who a live replica is (bound to its lease). */
export interface MemberRecord {
  readonly id: string;
  readonly zone: string;
  readonly version: string;
  /** ISO 8601 time the replica process started. */
  readonly startedAt: string;
  /** `host:port` of the replica's HTTP API. */
  readonly apiAddr: string;
}

/** Outcome of one applied route change, as recorded in the status. */
export interface AppliedChange {
  readonly action: RouteAction;
  readonly ok: boolean;
  readonly error?: string;
}

/**
 * Value of `<prefix>/status`, written by the leader when something in it changes (never on a
 * steady-state tick). It outlives leaders: a new leader takes the managed CIDRs and the last good
 * spec from it.
 */
export interface StatusRecord {
  readonly leaderId: string;
  /** The leader's term: the create revision of its election key. */
  readonly term: string;
  /** The spec in force and the mod revision of the `spec` key it came from. */
  readonly lastGoodSpec?: RevisionedSpec;
  /** Why the current value of the `spec` key is not in force, if it is not. */
  readonly specError?: SpecError;
  /** CIDRs whose routes this cluster created or maintains (DESIGN.md rule 5). */
  readonly managedCidrs: readonly string[];
  /** The last non-empty plan. */
  readonly lastPlan?: { readonly at: string; readonly actions: readonly RouteAction[] };
  /** Why the latest plan left something alone (e.g. every router of a CIDR failed). */
  readonly planWarnings?: readonly string[];
  readonly lastApply?: {
    readonly at: string;
    readonly changes: readonly AppliedChange[];
    readonly stoppedByFence: boolean;
  };
  /** The VPC's route tables as last read by the leader (after its last apply). */
  readonly routeTables?: readonly RouteTable[];
  /**
   * The spec's router IPs as last resolved by the leader (ENI, instance, subnet, source/destination
   * check); IPs no ENI holds are absent.
   */
  readonly routers?: readonly RouterEni[];
}
