/**
 * The whole cluster state at one etcd revision, parsed from one range read; damaged values become
 * problems, never exceptions.
 */
import type { MemberRecord } from "../domain/member-record.js";
import type { StatusRecord } from "../domain/status-record.js";
import type { Vote } from "../domain/vote.js";
import { validateSpec } from "../route-spec/parse.js";
import type { ClusterKeys } from "./keys.js";

/** One key-value as read from etcd (revisions are int64 decimal strings). */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly createRevision: string;
  readonly modRevision: string;
  /** Lease id (decimal string), "0" when the key has no lease. */
  readonly lease: string;
}

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
  let status: StatusRecord | undefined;

  for (const kv of kvs) {
    if (kv.key === keys.spec) {
      spec = { raw: kv.value, revision: kv.modRevision };
    } else if (kv.key === keys.status) {
      status = sanitizeStatus(parseJson<StatusRecord>(kv, problems, isStatusRecord), problems);
    } else if (kv.key.startsWith(keys.membersPrefix)) {
      const member = parseJson<MemberRecord>(kv, problems, isMemberRecord);
      // A member key without a lease (written by hand) is no live replica: it must not raise the quorum.
      if (member && kv.lease === "0") problems.push(`${kv.key}: member key without a lease; ignored`);
      else if (member) members.set(kv.key.slice(keys.membersPrefix.length), { ...member, lease: kv.lease });
    } else if (kv.key.startsWith(keys.votesPrefix)) {
      const vote = parseJson<Vote>(kv, problems, isVote);
      if (vote) votes.set(kv.key.slice(keys.votesPrefix.length), { ...vote, lease: kv.lease });
    } else if (kv.key.startsWith(keys.electionPrefix)) {
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
    status,
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

/**
 * Drops a recorded last good spec that is not one (bad revision, or a spec that does not
 * validate): a damaged status record must never become the spec in force.
 */
function sanitizeStatus(status: StatusRecord | undefined, problems: string[]): StatusRecord | undefined {
  const lastGood: unknown = status?.lastGoodSpec;
  if (!status || lastGood === undefined) return status;
  if (isObject(lastGood) && typeof lastGood.revision === "string" && /^\d+$/.test(lastGood.revision)) {
    const validated = validateSpec(lastGood.spec, { maxRoutes: Number.MAX_SAFE_INTEGER });
    if (validated.ok)
      return { ...status, lastGoodSpec: { spec: validated.spec, revision: lastGood.revision } };
  }
  problems.push("status: lastGoodSpec is not a valid spec with a revision; ignored");
  const { lastGoodSpec: _dropped, ...rest } = status;
  return rest;
}

/** Orders two etcd revisions (int64 decimal strings) numerically. */
export function compareRevisions(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

function parseJson<T>(
  kv: KeyValue,
  problems: string[],
  guard: (value: unknown) => value is T,
): T | undefined {
  try {
    const value: unknown = JSON.parse(kv.value);
    if (guard(value)) return value;
    problems.push(`${kv.key}: unexpected shape`);
  } catch (error) {
    problems.push(`${kv.key}: ${(error as Error).message}`);
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
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

function isStatusRecord(value: unknown): value is StatusRecord {
  return (
    isObject(value) &&
    typeof value.leaderId === "string" &&
    typeof value.term === "string" &&
    Array.isArray(value.managedCidrs) &&
    value.managedCidrs.every((cidr) => typeof cidr === "string")
  );
}
