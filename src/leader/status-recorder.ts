/**
 * The reconcile pass's last step: writing `<prefix>/status` under the term, only when the record
 * changed, and remembering what this term wrote (newer than any snapshot's copy).
 */
import type { Logger } from "pino";
import type { ClusterStore } from "../cluster/cluster-store.js";
import type { Candidate } from "../cluster/snapshot.js";
import { nextManagedCidrs } from "../decide/managed-cidrs.js";
import type { RouterEni } from "../domain/route-table.js";
import type { StatusRecord } from "../domain/status-record.js";
import type { RevisionedSpec, SpecError } from "../route-spec/route-spec.js";
import { nextStatus, type RecordedPass } from "./next-status.js";

/** The etcd write the recorder needs (implemented by ClusterStore). */
export type StatusStore = Pick<ClusterStore, "writeStatus">;

/** What the pass knew of the cluster when it started. */
export interface RecordInputs {
  readonly spec?: RevisionedSpec;
  readonly specError?: SpecError;
  /** The status record the pass started from (this term's own last write, or the snapshot's). */
  readonly status?: StatusRecord;
}

/** Writes the status record of one term. */
export class StatusRecorder {
  private written: StatusRecord | undefined;

  constructor(
    private readonly candidate: Candidate,
    private readonly store: StatusStore,
    private readonly logger: Logger,
  ) {}

  /**
   * The record to start from: this term's last write if any (a snapshot may not show it yet),
   * else `fromSnapshot`.
   */
  latest(fromSnapshot: StatusRecord | undefined): StatusRecord | undefined {
    return this.written ?? fromSnapshot;
  }

  /**
   * Writes the record that follows from a pass, fenced on the term in one etcd transaction, unless it
   * equals the one it started from. Never throws: a failed write is logged and tried at the next pass.
   * @param pass the pass's plan, tables and changes; absent when it had no spec to plan with
   * @param at ISO 8601 time of the pass
   */
  async record(
    inputs: RecordInputs,
    pass: RecordedPass | undefined,
    at: string,
    routers?: readonly RouterEni[],
  ): Promise<void> {
    const previousManaged = inputs.status?.managedCidrs ?? [];
    const managedCidrs = pass
      ? nextManagedCidrs(previousManaged, inputs.spec?.spec ?? {}, pass.tables)
      : previousManaged;
    const status = nextStatus({
      previous: inputs.status,
      leaderId: this.candidate.replicaId,
      term: this.candidate.createRevision,
      spec: inputs.spec,
      specError: inputs.specError,
      managedCidrs,
      ...(pass ? { pass } : {}),
      ...(routers ? { routers } : {}),
      at,
    });
    if (JSON.stringify(status) === JSON.stringify(inputs.status)) return;
    const written = await this.store.writeStatus(this.candidate, status).catch((error: unknown) => {
      this.logger.warn({ err: error }, "could not write the status record");
      return false;
    });
    if (written) this.written = status;
  }
}
