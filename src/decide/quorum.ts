/**
 * Quorum over the replicas' failure votes (docs/DESIGN.md, safety rule 1): a router of the spec
 * in force counts as failed only when a quorum of members vote it failed.
 */
import type { Vote } from "../domain/vote.js";

/**
 * Majority of `memberCount` live members: `floor(n/2) + 1` (1→1, 2→2, 3→2, 4→3, 5→3).
 *
 * @param memberCount - number of live members (fractions are rounded down).
 * @returns the majority, or `Infinity` when there are no members (nothing can be confirmed).
 */
export function majority(memberCount: number): number {
  const count = Math.floor(memberCount);
  if (!(count > 0)) return Number.POSITIVE_INFINITY;
  return Math.floor(count / 2) + 1;
}

/** The cluster's view of router failures after counting votes. */
export interface FailureView {
  /** Routers that at least `quorum` members vote failed. */
  readonly confirmed: ReadonlySet<string>;
  /** Routers that some, but fewer than `quorum`, members vote failed. */
  readonly questionable: ReadonlySet<string>;
  /** Router IP → sorted ids of the counted members voting it failed (only routers with a vote). */
  readonly votesByRouter: ReadonlyMap<string, readonly string[]>;
  /** Votes needed to confirm a failure (`Infinity` with no live member). */
  readonly quorum: number;
}

/** Input of {@link tallyVotes}. */
export interface TallyInput {
  /** Ids of the live members (keys under `<prefix>/members/`). */
  readonly members: readonly string[];
  /** Replica id → its vote (keys under `<prefix>/votes/`). */
  readonly votes: ReadonlyMap<string, Vote>;
  /**
   * The router IPs of the spec in force. A vote counts for these only, whatever spec revision it
   * was formed under: a router seen failed stays failed across a spec change that keeps it, until
   * a quorum says otherwise.
   */
  readonly routers: Iterable<string>;
  /**
   * How many replicas the cluster is meant to have (setting `quorum.expectedReplicas`): the
   * quorum is a majority of the larger of this and the live members, so a partition that leaves
   * fewer replicas connected to etcd cannot confirm a failure on its own view. Default 1.
   */
  readonly expectedMembers?: number;
  /** Votes needed to confirm a failure; defaults to that majority, clamped to 1..its member count. */
  readonly quorum?: number;
}

/**
 * Counts failure votes. Only votes of live members count, and only for routers of the spec in
 * force: a vote left by a departed member says nothing about the present.
 *
 * @returns confirmed and questionable routers, who voted for each, and the quorum applied. With no
 *   live member nothing is confirmed. Never throws (malformed votes are skipped).
 */
export function tallyVotes(input: TallyInput): FailureView {
  const members = new Set(input.members);
  const routers = new Set(input.routers);
  const needed = effectiveQuorum(members.size, input.expectedMembers ?? 1, input.quorum);
  const voters = new Map<string, string[]>();
  for (const [replicaId, vote] of input.votes) {
    if (!members.has(replicaId) || !isVote(vote)) continue;
    for (const router of new Set(vote.failed)) {
      if (typeof router !== "string" || !routers.has(router)) continue;
      const list = voters.get(router) ?? [];
      list.push(replicaId);
      voters.set(router, list);
    }
  }
  const confirmed = new Set<string>();
  const questionable = new Set<string>();
  const votesByRouter = new Map<string, readonly string[]>();
  for (const [router, list] of voters) {
    votesByRouter.set(router, [...list].sort());
    if (list.length >= needed) confirmed.add(router);
    else questionable.add(router);
  }
  return { confirmed, questionable, votesByRouter, quorum: needed };
}

/**
 * The quorum in force: the override clamped to 1..n, else the majority of n, where n is the larger
 * of the live and the expected member counts; Infinity with no live member.
 */
function effectiveQuorum(liveCount: number, expectedCount: number, override: number | undefined): number {
  if (liveCount === 0) return Number.POSITIVE_INFINITY;
  const count = Math.max(liveCount, Math.floor(expectedCount) || 0);
  if (override === undefined || Number.isNaN(override)) return majority(count);
  return Math.min(count, Math.max(1, Math.ceil(override)));
}

function isVote(vote: Vote): boolean {
  return typeof vote === "object" && vote !== null && Array.isArray(vote.failed);
}
