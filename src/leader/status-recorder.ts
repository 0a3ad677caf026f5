/**
 * The reconcile pass's last step, and its intent before a change: writing the leader's records
 * (status, managed CIDRs, last good spec) under the term, only those that changed, and remembering
 * what this term wrote (newer than any snapshot's copy).
 */
import type { Logger } from "pino";
import type { ClusterStore, LeaderRecordWrites } from "../cluster/cluster-store.js";
import type { Candidate } from "../cluster/snapshot.js";
import { nextManagedCidrs } from "../decide/managed-cidrs.js";
import type { RouterEni } from "../domain/route-table.js";
import type { StatusRecord } from "../domain/status-record.js";
import type { RevisionedSpec, SpecError } from "../route-spec/route-spec.js";
import { boundStatusRecord } from "./bounded-status.js";
import { nextStatus, type RecordedPass } from "./next-status.js";

/** The etcd write the recorder needs (implemented by ClusterStore). */
export type StatusStore = Pick<ClusterStore, "writeLeaderRecords">;

/** The leader's records as a pass starts from them (this term's own writes, or the snapshot's). */
export interface LeaderRecordInputs {
  readonly spec?: RevisionedSpec;
  readonly specError?: SpecError;
  readonly status?: StatusRecord;
  readonly managedCidrs?: readonly string[];
  readonly lastGoodSpec?: RevisionedSpec;
}

/** What this term last wrote of each record. */
type Written = { -readonly [K in "status" | "managedCidrs" | "lastGoodSpec"]?: LeaderRecordInputs[K] };

/** Writes the leader's records of one term. */
export class StatusRecorder {
  private readonly written: Written = {};

  constructor(
    private readonly candidate: Candidate,
    private readonly store: StatusStore,
    private readonly logger: Logger,
  ) {}

  /** The records to start from: this term's last writes where there are any (a snapshot may not show them yet). */
  latest<T extends LeaderRecordInputs>(fromSnapshot: T): T {
    return { ...fromSnapshot, ...this.written };
  }

  /**
   * Before a pass creates or replaces routes: makes sure every CIDR it touches is recorded as
   * managed, so that a crash before the pass's last step cannot leave a route of ours unprunable.
   * @returns false when the record could not be written (the pass must not change anything)
   */
  async recordIntent(inputs: LeaderRecordInputs, cidrs: readonly string[]): Promise<boolean> {
    const managed = new Set(inputs.managedCidrs ?? []);
    if (cidrs.every((cidr) => managed.has(cidr))) return true;
    const cidrsNow = [...new Set([...managed, ...cidrs])].sort();
    return this.write({ managed: { cidrs: cidrsNow } }, { managedCidrs: cidrsNow });
  }

  /**
   * Writes the records that follow from a pass, fenced on the term in one etcd transaction, those
   * that differ from what the pass started from only. Never throws: a failed write is logged and
   * tried at the next pass.
   * @param pass the pass's plan, tables and changes; absent when it had no spec to plan with
   * @param at ISO 8601 time of the pass
   */
  async record(
    inputs: LeaderRecordInputs,
    pass: RecordedPass | undefined,
    at: string,
    routers?: readonly RouterEni[],
  ): Promise<void> {
    const previousManaged = inputs.managedCidrs ?? [];
    const managedCidrs = pass
      ? nextManagedCidrs(previousManaged, inputs.spec?.spec ?? {}, pass.tables)
      : [...previousManaged];
    const status = boundStatusRecord(
      nextStatus({
        previous: inputs.status,
        leaderId: this.candidate.replicaId,
        term: this.candidate.createRevision,
        specError: inputs.specError,
        ...(pass ? { pass } : {}),
        ...(routers ? { routers } : {}),
        at,
      }),
    );
    const writes: LeaderRecordWrites = {
      ...(same(status, inputs.status) ? {} : { status }),
      ...(same(managedCidrs, inputs.managedCidrs ?? []) ? {} : { managed: { cidrs: managedCidrs } }),
      ...(inputs.spec && !same(inputs.spec, inputs.lastGoodSpec) ? { lastGoodSpec: inputs.spec } : {}),
    };
    await this.write(writes, {
      status,
      managedCidrs,
      ...(inputs.spec ? { lastGoodSpec: inputs.spec } : {}),
    });
  }

  private async write(writes: LeaderRecordWrites, remembered: Written): Promise<boolean> {
    if (Object.keys(writes).length === 0) return true;
    const ok = await this.store.writeLeaderRecords(this.candidate, writes).catch((error: unknown) => {
      this.logger.warn(
        { err: error },
        "could not write the leader's records (status, managed CIDRs, last good spec)",
      );
      return false;
    });
    if (ok) Object.assign(this.written, remembered);
    return ok;
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
