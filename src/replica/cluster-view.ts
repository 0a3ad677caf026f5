/**
 * What a replica makes of one cluster snapshot: the spec in force and the failures a quorum
 * confirms under it (docs/DESIGN.md section 2 and safety rule 1), and what of that it logs.
 */
import { trace } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { ClusterSnapshot } from "../cluster/snapshot.js";
import { type FailureView, tallyVotes } from "../decide/quorum.js";
import { decideSpec, type SpecDecision } from "../decide/spec-in-force.js";
import type { LeaderInputs } from "../leader/reconcile-pass.js";
import { routerIpsOf } from "../route-spec/route-spec.js";
import { withSpan } from "../telemetry/with-span.js";
import { linksToVotes } from "./trace-links.js";

/** No spec in force: nothing can be confirmed. */
export const NO_FAILURES: FailureView = {
  confirmed: new Set(),
  questionable: new Set(),
  votesByRouter: new Map(),
  quorum: Number.POSITIVE_INFINITY,
};

/** The replica's reading of one snapshot. */
export interface ClusterView {
  readonly spec: SpecDecision;
  readonly failures: FailureView;
}

/** The settings the reading depends on. */
export interface ViewSettings {
  readonly maxRoutes: number;
  /** `quorum.expectedReplicas`. */
  readonly expectedReplicas: number;
}

/**
 * Reads `snapshot`: the spec in force (the stored one if valid, else the newer of `previous`'s and
 * the status record's last good spec), and the votes tallied for that spec's routers. Pure.
 */
export function viewOf(
  snapshot: ClusterSnapshot,
  previous: SpecDecision,
  settings: ViewSettings,
): ClusterView {
  const spec = decideSpec(snapshot.spec, [previous.inForce, snapshot.lastGoodSpec], {
    maxRoutes: settings.maxRoutes,
  });
  const failures = spec.inForce
    ? tallyVotes({
        members: [...snapshot.members.keys()],
        votes: snapshot.votes,
        routers: routerIpsOf(spec.inForce.spec),
        expectedMembers: settings.expectedReplicas,
      })
    : NO_FAILURES;
  return { spec, failures };
}

/** Logs a new spec in force and a newly rejected spec, once per revision each. */
export function logSpecDecision(logger: Logger, previous: SpecDecision, next: SpecDecision): void {
  if (next.inForce && next.inForce.revision !== previous.inForce?.revision) {
    const routes = Object.keys(next.inForce.spec).length;
    logger.info({ revision: next.inForce.revision, routes }, "spec in force");
  }
  if (next.error && next.error.revision !== previous.error?.revision) {
    logger.error(
      { revision: next.error.revision, keeping: next.inForce?.revision },
      `spec rejected: ${next.error.message}`,
    );
  }
}

/** What the leader's term is fed from one snapshot and the replica's reading of it. */
export function leaderInputsOf(
  snapshot: ClusterSnapshot,
  spec: SpecDecision,
  failures: FailureView,
): LeaderInputs {
  return {
    spec: spec.inForce,
    specError: spec.error,
    failure: failures,
    status: snapshot.status,
    managedCidrs: snapshot.managedCidrs,
    lastGoodSpec: snapshot.lastGoodSpec,
    ...(snapshot.pause ? { paused: snapshot.pause } : {}),
  };
}

/**
 * Runs `fn` (the replica following the snapshot: on the leader, feeding its term) inside a
 * `quorum.confirmed` span when `next` confirms a router `previous` did not, so that the leader's
 * reconcile pass for it is a child of the confirmation: one failover, one trace. Attributes: the
 * routers newly confirmed, their voters, the members and the quorum size; links: the voters'
 * `probe.view_changed` spans (trace-links.ts).
 */
export async function inQuorumSpan<T>(
  previous: FailureView,
  next: FailureView,
  snapshot: ClusterSnapshot,
  fn: () => Promise<T>,
): Promise<T> {
  const newly = [...next.confirmed].filter((ip) => !previous.confirmed.has(ip)).sort();
  if (newly.length === 0) return fn();
  const voters = [...new Set(newly.flatMap((ip) => next.votesByRouter.get(ip) ?? []))].sort();
  return withSpan(
    trace.getTracer("vpcrouter"),
    "quorum.confirmed",
    {
      "vpcrouter.routers": newly,
      "vpcrouter.voters": voters,
      "vpcrouter.members": snapshot.members.size,
      "vpcrouter.quorum": next.quorum,
      "vpcrouter.etcd_revision": snapshot.revision,
    },
    fn,
    linksToVotes(snapshot.votes, voters),
  );
}
