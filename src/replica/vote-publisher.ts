import type { Logger } from "pino";
import type { ClusterStore } from "../cluster/cluster-store.js";
import type { Session } from "../cluster/session.js";

/**
 * Publishes this replica's failure view to `<prefix>/votes/<id>` only when it changes
 * (DESIGN.md: steady state writes nothing but keep-alives). Writes are serialised, so the key
 * always ends with the latest view; a failed write is retried on the next publish or resync.
 */
export class VotePublisher {
  private session: Session | undefined;
  /** The view last written under the current session ("" = nothing written yet). */
  private written = "";
  private wanted = "";
  private wantedVote: { failed: string[]; specRevision: string } | undefined;
  private writing = false;

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
   * view needs no key as long as none was written under this session.
   */
  publish(failed: readonly string[], specRevision: string): void {
    this.wantedVote = { failed: [...failed], specRevision };
    this.wanted = failed.length === 0 && this.written === "" ? "" : JSON.stringify(this.wantedVote);
    void this.flush();
  }

  private async flush(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.session && !this.session.isLost && this.wanted !== this.written && this.wantedVote) {
        const target = this.wanted;
        const session = this.session;
        const vote = { ...this.wantedVote, at: new Date().toISOString() };
        try {
          await this.store.putVote(session, this.replicaId, vote);
          if (this.session === session) this.written = target;
          this.logger.info({ failed: vote.failed, specRevision: vote.specRevision }, "vote published");
        } catch (error) {
          this.logger.warn({ err: error }, "could not publish vote");
          return;
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
