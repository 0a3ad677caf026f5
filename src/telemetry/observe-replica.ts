/**
 * Feeds a replica's state into the metrics: gauges from every state the replica emits, counters and
 * histograms from the leader's reconcile reports. (Probe and EC2 call metrics are recorded where
 * they happen, wired in src/daemon.ts.)
 */
import type { LeadershipEvents } from "../leader/leadership.js";
import type { ReconcileReport } from "../leader/reconcile-pass.js";
import type { ReplicaState } from "../replica/replica-state.js";
import type { Instruments, ReconcileOutcome } from "./instruments.js";

/** What the observer reads of a replica's state. */
export interface ObservedState {
  readonly role: ReplicaState["role"];
  readonly snapshot?: { readonly leader?: { readonly createRevision: string } };
  readonly spec: { readonly error?: unknown };
  readonly failures: { readonly confirmed: ReadonlySet<string>; readonly quorum: number };
}

/** A running observer. */
export interface ReplicaObserver {
  /** Pass to the replica (`ReplicaDeps.leadershipEvents`): counts reconciles and route changes. */
  readonly leadershipEvents: LeadershipEvents;
  /** Records one state the replica emitted (subscribe with `replica.onState`). */
  observe(state: ObservedState): void;
}

/** Options of {@link observeReplica}. */
export interface ObserveOptions {
  /** Clock, epoch ms (default `Date.now`). */
  now?: () => number;
}

/**
 * Creates an observer writing to `instruments`.
 *
 * `vpcrouter_failover_seconds` is measured, per failed router, from the first state in which it is
 * quorum-confirmed failed to the end of the first reconcile that moved a route away from it
 * (docs/DESIGN.md, safety rule 1: confirmation is what may move a route). A confirmed router that
 * carried no route records nothing, and is never charged to another router's failover.
 */
export function observeReplica(instruments: Instruments, options: ObserveOptions = {}): ReplicaObserver {
  const now = options.now ?? Date.now;
  /** Confirmed-failed routers whose failover has not been observed yet → first seen confirmed, ms. */
  const awaitingFailover = new Map<string, number>();
  const confirmedBefore = new Set<string>();

  const observe = (state: ObservedState): void => {
    instruments.isLeader.record(state.role === "leader" ? 1 : 0);
    const term = state.snapshot?.leader?.createRevision;
    if (term !== undefined && /^\d+$/.test(term)) instruments.leaderTerm.record(Number(term));
    instruments.specValid.record(state.spec.error === undefined ? 1 : 0);
    const confirmed = state.failures.confirmed;
    instruments.routersFailed.record(confirmed.size);
    if (Number.isFinite(state.failures.quorum)) instruments.quorumSize.record(state.failures.quorum);
    for (const ip of confirmed) {
      if (!confirmedBefore.has(ip)) awaitingFailover.set(ip, now());
    }
    for (const ip of confirmedBefore) {
      if (!confirmed.has(ip)) awaitingFailover.delete(ip);
    }
    confirmedBefore.clear();
    for (const ip of confirmed) confirmedBefore.add(ip);
  };

  const onReconciled = (report: ReconcileReport): void => {
    instruments.reconciles.add(1, { outcome: outcomeOf(report) });
    instruments.reconcileDuration.record(report.durationMs / 1000);
    const movedAway = new Set<string>();
    for (const result of report.results) {
      if (!result.ok) continue;
      const { action } = result;
      instruments.routeChanges.add(1, { kind: action.kind, failover: action.failover });
      if (action.kind !== "delete" && action.failedRouterIp !== undefined)
        movedAway.add(action.failedRouterIp);
    }
    const end = now();
    for (const ip of movedAway) {
      const confirmedAt = awaitingFailover.get(ip);
      if (confirmedAt === undefined) continue;
      instruments.failoverSeconds.record(Math.max(0, end - confirmedAt) / 1000);
      awaitingFailover.delete(ip);
    }
  };

  return { leadershipEvents: { onReconciled }, observe };
}

function outcomeOf(report: ReconcileReport): ReconcileOutcome {
  if (report.error !== undefined) return "failed";
  if (report.stoppedByFence) return "fenced";
  if (report.results.some((result) => !result.ok)) return "failed";
  return report.results.length > 0 ? "applied" : "noop";
}
