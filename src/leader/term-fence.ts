/**
 * The leader's term fence (docs/DESIGN.md, safety rule 2): the etcd check that its election key
 * still holds its term, and the local lease deadline, through which every EC2 mutation passes.
 */
import type { ClusterStore } from "../cluster/cluster-store.js";
import type { Session } from "../cluster/session.js";
import type { Candidate } from "../cluster/snapshot.js";
import type { MutationGuard } from "../domain/mutation-guard.js";

/** The lease facts the local deadline needs (implemented by Session). */
export type LeaseClock = Pick<Session, "isLost" | "remainingMs">;

/** The etcd transaction the term check needs (implemented by ClusterStore). */
export type TermStore = Pick<ClusterStore, "holdsTerm">;

/** Stalls of the event loop (implemented by EventLoopWatch): how many so far, one in progress included. */
export interface LoopGaps {
  gapCount(): number;
}

const NO_GAPS: LoopGaps = { gapCount: () => 0 };

/**
 * Why the fence refused a batch, or `holds` when it may go ahead: `term gone` when etcd answered
 * that the election key no longer holds the term, `term unconfirmed` when etcd could not be asked.
 */
export type FenceVerdict = "holds" | "deadline passed" | "term gone" | "term unconfirmed";

/**
 * One term's fence. Two checks bound the stale-leader window, since etcd locks cannot fence an
 * external system by themselves (etcd's docs; Jepsen's etcd 3.4.3 analysis, 2020):
 *
 * - the **term check**: one etcd transaction comparing the election key's create revision with the
 *   term, before every batch of mutations ({@link confirm});
 * - the **local deadline**: the send time of the last acknowledged keep-alive + TTL −
 *   `safetyMarginMs`, counting the larger of monotonic and wall-clock time elapsed (see Session),
 *   asked before every single attempt ({@link guard}).
 *
 * After a stall of the event loop longer than the safety margin (`loop`), the term is checked in
 * etcd again before the next attempt, and no request leaves before that (the last check at send
 * time refuses while it is pending).
 *
 * {@link end} closes the fence for good and waits for the batch in flight, so that once it returns no
 * EC2 mutation of this term is in flight and none will start.
 */
export class TermFence {
  private ended = false;
  private inFlight: Promise<void> | undefined;
  /** The loop's gap count when the term was last confirmed in etcd. */
  private confirmedGaps: number;

  /**
   * The guard the EC2 layer asks before every attempt (retries and fallbacks included): the local
   * deadline, and after a stall of the loop the term in etcd again; at send time, synchronously,
   * the deadline and no stall since the last confirmation.
   */
  readonly guard: MutationGuard = {
    mayMutate: async () => {
      if (this.gapSinceConfirm()) return (await this.confirm()).verdict === "holds";
      return this.mayMutate();
    },
    remainingMs: () => this.remainingMs(),
    mayMutateNow: () => this.mayMutate() && !this.gapSinceConfirm(),
  };

  /**
   * @param candidate this replica's election key; its create revision is the term
   * @param safetyMarginMs mutations stop this long before the lease could have expired, ms
   */
  constructor(
    readonly candidate: Candidate,
    private readonly session: LeaseClock,
    private readonly store: TermStore,
    private readonly safetyMarginMs: number,
    private readonly loop: LoopGaps = NO_GAPS,
  ) {
    this.confirmedGaps = loop.gapCount();
  }

  /** The term: the create revision of this leader's election key. */
  get term(): string {
    return this.candidate.createRevision;
  }

  /** True once {@link end} was called: the term is over or ending. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Time left before the local deadline, ms (negative once passed). */
  remainingMs(): number {
    return this.session.remainingMs() - this.safetyMarginMs;
  }

  /** True while this leader may still mutate EC2: not ended, lease not lost, local deadline ahead. */
  mayMutate(): boolean {
    return !this.ended && !this.session.isLost && this.remainingMs() > 0;
  }

  /**
   * The batch fence: the local deadline, then the term check in one etcd transaction, then the
   * deadline again (the transaction may have taken long). Never throws.
   * @returns the verdict, and the etcd error when the term could not be checked
   */
  async confirm(): Promise<{ readonly verdict: FenceVerdict; readonly error?: unknown }> {
    if (!this.mayMutate()) return { verdict: "deadline passed" };
    const gapsBefore = this.loop.gapCount();
    let holds: boolean;
    try {
      holds = await this.store.holdsTerm(this.candidate);
    } catch (error) {
      return { verdict: "term unconfirmed", error };
    }
    if (!holds) return { verdict: "term gone" };
    if (!this.mayMutate()) return { verdict: "deadline passed" };
    this.confirmedGaps = Math.max(this.confirmedGaps, gapsBefore);
    return { verdict: "holds" };
  }

  /** True after a stall of the loop that the term has not been confirmed since. */
  private gapSinceConfirm(): boolean {
    return this.loop.gapCount() > this.confirmedGaps;
  }

  /**
   * Runs one batch of mutations and tracks it, so that {@link end} can wait for it.
   * @returns what `batch` returns
   */
  async mutate<T>(batch: (guard: MutationGuard) => Promise<T>): Promise<T> {
    const running = batch(this.guard);
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight = settled;
    try {
      return await running;
    } finally {
      if (this.inFlight === settled) this.inFlight = undefined;
    }
  }

  /** Closes the fence: no attempt starts after this; resolves once the batch in flight, if any, is done. */
  async end(): Promise<void> {
    this.ended = true;
    await this.inFlight;
  }
}
