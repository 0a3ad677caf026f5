/**
 * Quorum over the replicas' failure votes (docs/DESIGN.md, safety rule 1): a router counts
 * as failed only when a quorum of live members vote it failed for the current spec revision.
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
}

/** Input of {@link tallyVotes}. */
export interface TallyInput {
  /** Ids of the live members (keys under `<prefix>/members/`). */
  readonly members: readonly string[];
  /** Replica id → its vote (keys under `<prefix>/votes/`). */
  readonly votes: ReadonlyMap<string, Vote>;
  /** The current spec revision; votes for any other revision are stale. */
  readonly specRevision: string;
  /** Votes needed to confirm a failure; defaults to `majority(members)`, clamped to 1..members. */
  readonly quorum?: number;
}

/**
 * Counts failure votes. Only votes of current members for the current spec revision count: a vote
 * left by a departed member, or formed under an old spec, says nothing about the present.
 *
 * @returns confirmed and questionable routers and who voted for each. With no members nothing is
 *   confirmed. Never throws (malformed votes are skipped).
 */
export function tallyVotes(input: TallyInput): FailureView {
  const members = new Set(input.members);
  const needed = effectiveQuorum(members.size, input.quorum);
  const voters = new Map<string, string[]>();
  for (const [replicaId, vote] of input.votes) {
    if (!members.has(replicaId) || !isCurrentVote(vote, input.specRevision)) continue;
    for (const router of new Set(vote.failed)) {
      if (typeof router !== "string") continue;
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
  return { confirmed, questionable, votesByRouter };
}

/** The quorum in force: the override clamped to 1..memberCount, else the majority; Infinity with no members. */
function effectiveQuorum(memberCount: number, override: number | undefined): number {
  if (memberCount === 0) return Number.POSITIVE_INFINITY;
  if (override === undefined || Number.isNaN(override)) return majority(memberCount);
  return Math.min(memberCount, Math.max(1, Math.ceil(override)));
}

function isCurrentVote(vote: Vote, specRevision: string): boolean {
  return (
    typeof vote === "object" &&
    vote !== null &&
    Array.isArray(vote.failed) &&
    vote.specRevision === specRevision
  );
}
