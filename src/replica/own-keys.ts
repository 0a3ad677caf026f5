/**
 * Level-triggered repair of a replica's own keys (docs/DESIGN.md, safety rule 3): if an operator or
 * a bug deleted its member key, vote or election key while its lease lives, they are written again.
 */
import type { Logger } from "pino";
import type { ClusterStore } from "../cluster/cluster-store.js";
import { type ClusterSnapshot, compareRevisions } from "../cluster/snapshot.js";
import type { MemberRecord } from "../domain/member-record.js";
import type { Membership } from "./membership.js";
import type { VotePublisher } from "./vote-publisher.js";

/** What the repair works with: the replica's membership, its member record and its votes. */
export interface OwnKeysContext {
  readonly membership: Membership;
  readonly member: MemberRecord;
  /** The vote writer: whether it wrote under the current session, and a reset for a new write. */
  readonly votes: Pick<VotePublisher, "hasWritten" | "reset">;
  /** Publishes the replica's current view (after a reset, it is written again). */
  readonly publishVote: () => void;
  readonly store: ClusterStore;
  readonly logger: Logger;
}

/**
 * Repairs whatever of the replica's keys `snapshot` lacks, while the membership stays on the
 * session it had when the repair began (after each await it gives up if the session loop moved
 * on). A snapshot read before the replica joined says nothing about its keys and is ignored.
 * @throws the etcd error of a failed write (the next refresh tries again)
 */
export async function repairOwnKeys(snapshot: ClusterSnapshot, context: OwnKeysContext): Promise<void> {
  const { membership, member, votes, store, logger } = context;
  const { session, candidate } = membership;
  if (!session || !candidate || session.isLost || membership.isStopping) return;
  if (compareRevisions(snapshot.revision, candidate.createRevision) < 0) return;
  const stillCurrent = () =>
    membership.session === session && membership.candidate === candidate && !session.isLost;
  if (snapshot.members.get(member.id)?.lease !== session.leaseId) {
    logger.warn({ replica: member.id }, "member key missing; registering again");
    await store.registerMember(session, member);
    if (!stillCurrent()) return;
  }
  if (!snapshot.candidates.some((c) => c.key === candidate.key)) {
    logger.warn({ key: candidate.key }, "election key missing; campaigning again");
    const renewed = await store.campaign(session, member.id);
    if (!stillCurrent()) return;
    membership.renewCandidate(session, renewed);
  }
  if (!snapshot.votes.has(member.id) && votes.hasWritten) {
    votes.reset(session);
    context.publishVote();
  }
}
