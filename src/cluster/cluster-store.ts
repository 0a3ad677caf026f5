/**
 * Every etcd read and write vpcrouter makes, behind one small class (the DCS of Patroni's design),
 * including the one term comparison that fences the leader's writes.
 */
import type { Etcd3 } from "etcd3";
import type { MemberRecord } from "../domain/member-record.js";
import type { LastGoodSpecRecord, ManagedCidrsRecord, StatusRecord } from "../domain/status-record.js";
import type { Vote } from "../domain/vote.js";
import type { KeyValue } from "./json-values.js";
import type { ClusterKeys } from "./keys.js";
import type { Session } from "./session.js";
import { buildSnapshot, type Candidate, type ClusterSnapshot } from "./snapshot.js";

/** etcd's wire form of a key-value, as etcd3 returns it. */
interface RawKeyValue {
  key: Buffer;
  value: Buffer;
  create_revision: string;
  mod_revision: string;
  lease: string;
}

/** The leader's records one fenced transaction may write (any of them). */
export interface LeaderRecordWrites {
  readonly status?: StatusRecord;
  readonly managed?: ManagedCidrsRecord;
  readonly lastGoodSpec?: LastGoodSpecRecord;
}

/** Thrown by {@link ClusterStore.registerMember} when another live lease holds our replica id. */
export class ReplicaIdTakenError extends Error {}

/**
 * Every etcd read and write vpcrouter makes, behind one small interface (the DCS of Patroni's
 * design). All writes that belong to a replica are bound to its session lease.
 * Errors are etcd3's (e.g. `GRPCUnavailableError` when etcd cannot be reached within the deadline).
 */
export class ClusterStore {
  constructor(
    private readonly client: Etcd3,
    readonly keys: ClusterKeys,
  ) {}

  /** Reads every key under the prefix in one range request: a consistent view at one revision. */
  async readSnapshot(): Promise<ClusterSnapshot> {
    const response = await this.client.getAll().prefix(this.keys.root).exec();
    const kvs = (response.kvs as RawKeyValue[]).map(toKeyValue);
    return buildSnapshot(this.keys, response.header.revision, kvs);
  }

  /**
   * Writes `<prefix>/members/<id>` bound to the session's lease, unless a key for this id already
   * exists under another lease (a live replica with the same id, or our previous incarnation whose
   * lease has not expired yet).
   * @throws ReplicaIdTakenError in that case.
   */
  async registerMember(session: Session, record: MemberRecord): Promise<void> {
    const key = this.keys.member(record.id);
    const value = JSON.stringify(record);
    // etcd transactions only AND their comparisons: "absent" and "ours" are two attempts.
    for (const [target, expected] of [
      ["Create", 0],
      ["Lease", session.leaseId],
    ] as const) {
      const result = await this.client
        .if(key, target, "==", expected)
        .then(this.client.put(key).value(value).lease(session.leaseId))
        .commit();
      if (result.succeeded) return;
    }
    throw new ReplicaIdTakenError(`replica id "${record.id}" is held by another live lease`);
  }

  /**
   * Enters the election: creates `<prefix>/election/<lease hex>` holding the replica id, bound to
   * the session's lease (a no-op when it exists). Leadership is then read from snapshots: the
   * candidate with the lowest create revision leads, and that revision is its term.
   * @returns this replica's candidate entry.
   */
  async campaign(session: Session, replicaId: string): Promise<Candidate> {
    const key = this.keys.election(session.leaseIdHex);
    const result = await this.client
      .if(key, "Create", "==", 0)
      .then(this.client.put(key).value(replicaId).lease(session.leaseId))
      .else(this.client.get(key))
      .commit();
    if (result.succeeded) {
      return { key, replicaId, createRevision: result.header.revision, lease: session.leaseId };
    }
    const existing = result.responses[0]?.response_range?.kvs?.[0] as RawKeyValue | undefined;
    if (!existing) throw new Error(`election key ${key} vanished during the campaign`);
    return {
      key,
      replicaId: existing.value.toString(),
      createRevision: existing.create_revision,
      lease: session.leaseId,
    };
  }

  /** Publishes this replica's failure view, bound to its lease. */
  async putVote(session: Session, replicaId: string, vote: Vote): Promise<void> {
    await this.client
      .put(this.keys.vote(replicaId))
      .value(JSON.stringify(vote))
      .lease(session.leaseId)
      .exec();
  }

  /**
   * The leader's term check: true only if its election key still exists with create revision
   * `term`, checked in one etcd transaction (docs/DESIGN.md, safety rule 2).
   */
  async holdsTerm(candidate: Candidate): Promise<boolean> {
    return (await this.onTerm(candidate)) !== undefined;
  }

  /**
   * Writes the leader's records that are given, in one transaction fenced on its term.
   * @returns false when the term is gone (nothing written)
   */
  async writeLeaderRecords(candidate: Candidate, writes: LeaderRecordWrites): Promise<boolean> {
    const { keys } = this;
    const puts = [
      ...(writes.status ? [{ key: keys.status, value: JSON.stringify(writes.status) }] : []),
      ...(writes.managed ? [{ key: keys.managed, value: JSON.stringify(writes.managed) }] : []),
      ...(writes.lastGoodSpec
        ? [{ key: keys.lastGoodSpec, value: JSON.stringify(writes.lastGoodSpec) }]
        : []),
    ];
    return (await this.onTerm(candidate, ...puts)) !== undefined;
  }

  /** Puts the route spec (already validated by the caller). @returns the new etcd revision. */
  async putSpec(raw: string): Promise<string> {
    const response = await this.client.put(this.keys.spec).value(raw).exec();
    return response.header.revision;
  }

  /**
   * Puts the route spec (already validated by the caller) only while `candidate` still leads with
   * its term, so a deposed leader's spec source never overwrites its successor's. Used by the
   * configfile and fixedconf modes, where the leader publishes its source's spec.
   * @returns the etcd revision of the write, or undefined when the term is gone (nothing written).
   */
  async putSpecIfLeader(candidate: Candidate, raw: string): Promise<string | undefined> {
    return this.onTerm(candidate, { key: this.keys.spec, value: raw });
  }

  /**
   * The one term comparison of vpcrouter: an etcd transaction that succeeds only while the election
   * key of `candidate` exists with its create revision (the term), and then puts `writes`, if any.
   * @returns the revision of the transaction when the term holds, undefined when it is gone
   */
  private async onTerm(
    candidate: Candidate,
    ...writes: { readonly key: string; readonly value: string }[]
  ): Promise<string | undefined> {
    const comparison = this.client.if(candidate.key, "Create", "==", candidate.createRevision);
    const puts = writes.map((write) => this.client.put(write.key).value(write.value));
    const result = await (puts.length > 0 ? comparison.then(...puts) : comparison).commit();
    return result.succeeded ? String(result.header.revision) : undefined;
  }

  /** Resigns: deletes the election key at once so that the next candidate leads without waiting. */
  async resign(candidate: Candidate): Promise<void> {
    await this.client.delete().key(candidate.key).exec();
  }
}

function toKeyValue(raw: RawKeyValue): KeyValue {
  return {
    key: raw.key.toString(),
    value: raw.value.toString(),
    createRevision: String(raw.create_revision),
    modRevision: String(raw.mod_revision),
    lease: String(raw.lease),
  };
}
