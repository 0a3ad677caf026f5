/**
 * A task run on request so that runs never overlap and no request is lost: at most one run in
 * flight and one queued. Requests that arrive during a run coalesce into one more run. Used where
 * level-triggered work (re-read the cluster state, re-read a file, re-evaluate a decision) may be
 * asked for faster than it completes.
 */
export class CoalescedRun {
  private again = false;
  private current: Promise<void> | undefined;

  /**
   * @param task - the work; it must not throw (handle and log its own errors): a throw ends the
   *   queued runs and rejects {@link settled}.
   * @param active - false once the owner stops: no new run starts, queued ones are dropped.
   */
  constructor(
    private readonly task: () => Promise<void>,
    private readonly active: () => boolean,
  ) {}

  /** Asks for a run: starts one now, or queues one behind the run in flight. Ignored when inactive. */
  request(): void {
    if (!this.active()) return;
    this.again = true;
    this.current ??= this.loop();
  }

  /** Resolves when no run is in flight or queued (at once when idle). */
  settled(): Promise<void> {
    return this.current ?? Promise.resolve();
  }

  private async loop(): Promise<void> {
    try {
      while (this.again && this.active()) {
        this.again = false;
        await this.task();
      }
    } finally {
      // Cleared in the same turn as the loop's last check, so no request can fall in between.
      this.current = undefined;
    }
  }
}
