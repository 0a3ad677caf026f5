/**
 * The whole cluster state at one etcd revision, parsed from one range read; damaged values become
 * problems, never exceptions.
 */
import type { MemberRecord } from "../domain/member-record.js";
import type { PauseRecord, SwitchoverRequest } from "../domain/operator-records.js";
import type { StatusRecord } from "../domain/status-record.js";
import type { Vote } from "../domain/vote.js";
import type { RevisionedSpec } from "../route-spec/route-spec.js";
import { isObject, type KeyValue, parseJson } from "./json-values.js";
import type { ClusterKeys } from "./keys.js";
import { parseLeaderRecords } from "./leader-records.js";

/** A candidate in the election: its key and the replica id it holds. */
export interface Candidate {
  readonly key: string;
  readonly replicaId: string;
  /** The create revision of the key: the leader's term when this candidate leads. */
  readonly createRevision: string;
  readonly lease: string;
}

/**
 * The whole cluster state at one etcd revision, read with one range request over the prefix.
 * Values that do not parse are reported in `problems` and left out; nothing here throws.
 */
export interface ClusterSnapshot {
  readonly revision: string;
  readonly spec?: { readonly raw: string; readonly revision: string };
  readonly members: ReadonlyMap<string, MemberRecord & { readonly lease: string }>;
  readonly votes: ReadonlyMap<string, Vote>;
  /** Candidates ordered by create revision: the first one is the leader. */
  readonly candidates: readonly Candidate[];
  readonly leader?: Candidate;
  readonly status?: StatusRecord;
  /** The CIDRs this cluster manages, as the leader last recorded them. */
  readonly managedCidrs?: readonly string[];
  /** The last good spec, as the leader last recorded it (validated again when read). */
  readonly lastGoodSpec?: RevisionedSpec;
  /**
   * The maintenance pause, when `<prefix>/pause` exists. Any value pauses: a damaged record stops
   * writes as surely as a good one (it is shown as `by: "?"` and reported in `problems`).
   */
  readonly pause?: PauseRecord;
  /** The pending switchover request and the mod revision that identifies it. */
  readonly switchover?: SwitchoverRequest & { readonly revision: string };
  readonly problems: readonly string[];
}

/**
 * Builds a {@link ClusterSnapshot} from the key-values under `keys.root` at `revision`.
 * The leader is the candidate with the lowest create revision, as in etcd's
 * `client/v3/concurrency` election (https://etcd.io/docs/v3.4/dev-guide/api_concurrency_reference_v3/).
 */
export function buildSnapshot(
  keys: ClusterKeys,
  revision: string,
  kvs: readonly KeyValue[],
): ClusterSnapshot {
  const members = new Map<string, MemberRecord & { lease: string }>();
  const votes = new Map<string, Vote & { lease: string }>();
  const candidates: Candidate[] = [];
  const problems: string[] = [];
  let spec: ClusterSnapshot["spec"];
  let pause: PauseRecord | undefined;
  let switchover: ClusterSnapshot["switchover"];
  const leaderValues: { status?: KeyValue; managed?: KeyValue; lastGoodSpec?: KeyValue } = {};

  for (const kv of kvs) {
    if (kv.key === keys.spec) {
      spec = { raw: kv.value, revision: kv.modRevision };
    } else if (kv.key === keys.status) {
      leaderValues.status = kv;
    } else if (kv.key === keys.managed) {
      leaderValues.managed = kv;
    } else if (kv.key === keys.lastGoodSpec) {
      leaderValues.lastGoodSpec = kv;
    } else if (kv.key === keys.pause) {
      pause = parseJson<PauseRecord>(kv, problems, isPauseRecord) ?? { by: "?", at: "?" };
    } else if (kv.key === keys.switchover) {
      const request = parseJson<SwitchoverRequest>(kv, problems, isSwitchoverRequest);
      if (request) switchover = { ...request, revision: kv.modRevision };
    } else if (kv.key.startsWith(keys.membersPrefix)) {
      const member = parseJson<MemberRecord>(kv, problems, isMemberRecord);
      // A member key without a lease (written by hand) is no live replica: it must not raise the quorum.
      if (member && kv.lease === "0") problems.push(`${kv.key}: member key without a lease; ignored`);
      else if (member) members.set(kv.key.slice(keys.membersPrefix.length), { ...member, lease: kv.lease });
    } else if (kv.key.startsWith(keys.votesPrefix)) {
      const vote = parseJson<Vote>(kv, problems, isVote);
      if (vote) votes.set(kv.key.slice(keys.votesPrefix.length), { ...vote, lease: kv.lease });
    } else if (kv.key.startsWith(keys.electionPrefix)) {
      // Like a member key, an election key without a lease (written by hand) is no candidate: being
      // the oldest, it would keep every replica from leading for ever.
      if (kv.lease === "0") {
        problems.push(`${kv.key}: election key without a lease; ignored`);
        continue;
      }
      candidates.push({
        key: kv.key,
        replicaId: kv.value,
        createRevision: kv.createRevision,
        lease: kv.lease,
      });
    }
  }
  candidates.sort((a, b) => compareRevisions(a.createRevision, b.createRevision));
  return {
    revision,
    spec,
    members,
    votes: liveVotes(members, votes),
    candidates,
    leader: candidates[0],
    ...parseLeaderRecords(leaderValues, problems),
    ...(pause ? { pause } : {}),
    ...(switchover ? { switchover } : {}),
    problems,
  };
}

/**
 * Votes count only while bound to the same live lease as their replica's member key: a vote
 * written by hand, or left by a previous incarnation, is not a replica's view.
 */
function liveVotes(
  members: ReadonlyMap<string, { readonly lease: string }>,
  votes: ReadonlyMap<string, Vote & { readonly lease: string }>,
): Map<string, Vote> {
  const live = new Map<string, Vote>();
  for (const [id, { lease, ...vote }] of votes) {
    if (lease !== "0" && members.get(id)?.lease === lease) live.set(id, vote);
  }
  return live;
}

/** Orders two etcd revisions (int64 decimal strings) numerically. */
export function compareRevisions(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

function isMemberRecord(value: unknown): value is MemberRecord {
  return isObject(value) && typeof value.id === "string" && typeof value.zone === "string";
}

function isVote(value: unknown): value is Vote {
  return (
    isObject(value) &&
    Array.isArray(value.failed) &&
    value.failed.every((ip) => typeof ip === "string") &&
    typeof value.specRevision === "string"
  );
}

function isPauseRecord(value: unknown): value is PauseRecord {
  return isObject(value) && typeof value.by === "string" && typeof value.at === "string";
}

function isSwitchoverRequest(value: unknown): value is SwitchoverRequest {
  return (
    isObject(value) &&
    typeof value.from === "string" &&
    typeof value.at === "string" &&
    (value.to === undefined || typeof value.to === "string")
  );
}
