/**
 * Publishes this replica's failure view to `<prefix>/votes/<id>` only when it changes
 * (docs/DESIGN.md: steady state writes nothing but keep-alives).
 */
import type { Logger } from "pino";
import type { ClusterStore } from "../cluster/cluster-store.js";
import type { Session } from "../cluster/session.js";
import { CoalescedRun } from "../lib/coalesced-run.js";
import { activeTraceparent } from "./trace-links.js";

/**
 * The vote writer of one replica. Writes are serialised (one in flight, one queued), so the key
 * always ends with the latest view; a failed write is retried on the next publish or resync.
 */
export class VotePublisher {
  private session: Session | undefined;
  /** The view last written under the current session ("" = nothing written yet). */
  private written = "";
  private wanted = "";
  private wantedVote: { failed: string[]; specRevision: string; traceparent?: string } | undefined;
  private readonly writes = new CoalescedRun(
    () => this.writeLatest(),
    () => true,
    (error) => this.logger.warn({ err: error }, "could not publish vote"),
  );

  constructor(
    private readonly store: ClusterStore,
    private readonly replicaId: string,
    private readonly logger: Logger,
  ) {}

  /** True when a vote was written under the current session. */
  get hasWritten(): boolean {
    return this.written !== "";
  }

  /** Binds to a new session (or none): the new lease has no vote yet. */
  reset(session: Session | undefined): void {
    this.session = session;
    this.written = "";
  }

  /**
   * Asks for `failed` (sorted router IPs) under `specRevision` to be the published view. An empty
   * view needs no key as long as none was written under this session. The active trace context,
   * if any, rides along as the vote's `traceparent`.
   */
  publish(failed: readonly string[], specRevision: string): void {
    const view = { failed: [...failed], specRevision };
    const viewText = JSON.stringify(view);
    // The trace context is carried along but is not part of the view: it never causes a write. A
    // later publish of the same view (a refresh, outside any span) keeps the context that formed it.
    const previous = this.wantedVote;
    const sameView =
      previous !== undefined &&
      JSON.stringify({ failed: previous.failed, specRevision: previous.specRevision }) === viewText;
    const traceparent = activeTraceparent() ?? (sameView ? previous.traceparent : undefined);
    this.wantedVote = traceparent === undefined ? view : { ...view, traceparent };
    this.wanted = failed.length === 0 && this.written === "" ? "" : viewText;
    this.writes.request();
  }

  /** Writes the wanted view if it is not the one written under the current session. */
  private async writeLatest(): Promise<void> {
    const { session, wantedVote } = this;
    if (!session || session.isLost || !wantedVote || this.wanted === this.written) return;
    const target = this.wanted;
    const vote = { ...wantedVote, at: new Date().toISOString() };
    await this.store.putVote(session, this.replicaId, vote);
    if (this.session === session) this.written = target;
    this.logger.info({ failed: vote.failed, specRevision: vote.specRevision }, "vote published");
  }
}
