/**
 * The one immutable value a replica emits after every refresh, role change and reconcile pass
 * (like Patroni's `Cluster`): the status API, vpc-router's views, telemetry and the spec publisher
 * read it as pushed, never by reaching into the replica.
 */
import type { ClusterSnapshot } from "../cluster/snapshot.js";
import type { FailureView } from "../decide/quorum.js";
import type { SpecDecision } from "../decide/spec-in-force.js";
import type { MemberRecord } from "../domain/member-record.js";
import type { ReconcileReport } from "../leader/reconcile-pass.js";

/** The role of a replica as its status API reports it. */
export type Role = "leader" | "follower" | "connecting";

/** A replica at one moment. Never mutated: a change is a new value. */
export interface ReplicaState {
  readonly member: MemberRecord;
  readonly role: Role;
  /** True when the replica has joined the cluster (session, member key, candidacy) and read its state. */
  readonly ready: boolean;
  /** The latest cluster snapshot, if one was read. */
  readonly snapshot?: ClusterSnapshot;
  /** When that snapshot was read, epoch ms. */
  readonly readAt?: number;
  /** The spec in force, and why the stored one is not, if it is not. */
  readonly spec: SpecDecision;
  /** Quorum-confirmed and questionable routers under the spec in force. */
  readonly failures: FailureView;
  /** While this replica leads: its term and its last reconcile pass. */
  readonly leading?: { readonly term: string; readonly lastReconcile?: ReconcileReport };
}
