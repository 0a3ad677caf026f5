/**
 * A task run on request so that runs never overlap and no request is lost: at most one run in
 * flight and one queued. Requests that arrive during a run coalesce into one more run. Used where
 * level-triggered work (re-read the cluster state, re-read a file, re-evaluate a decision) may be
 * asked for faster than it completes.
 */
export class CoalescedRun {
  private again = false;
  /** True from the moment a loop starts: a request made by the task itself only queues a run. */
  private looping = false;
  private current: Promise<void> | undefined;

  /**
   * @param task - the work. A throw or rejection ends that run only: it goes to `onError` and the
   *   queued run, if any, still starts (the next run is the retry).
   * @param active - false once the owner stops: no new run starts, queued ones are dropped.
   * @param onError - told of each failed run (typically logs it). It must not throw; if it does,
   *   that error is dropped, so a failing run never becomes an unhandled rejection.
   */
  constructor(
    private readonly task: () => Promise<void>,
    private readonly active: () => boolean,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Asks for a run: starts one now, or queues one behind the run in flight. Ignored when inactive. */
  request(): void {
    if (!this.active()) return;
    this.again = true;
    if (this.looping) return;
    this.looping = true;
    this.current = this.loop();
  }

  /** Resolves when no run is in flight or queued (at once when idle). Never rejects. */
  settled(): Promise<void> {
    return this.current ?? Promise.resolve();
  }

  private async loop(): Promise<void> {
    try {
      while (this.again && this.active()) {
        this.again = false;
        try {
          await this.runTask();
        } catch (error) {
          this.report(error);
        }
      }
    } finally {
      // Cleared in the same turn as the loop's last check, so no request can fall in between.
      this.looping = false;
      this.current = undefined;
    }
  }

  /** Starts the task at once, but turns a synchronous throw into a rejection the loop catches. */
  private async runTask(): Promise<void> {
    await this.task();
  }

  private report(error: unknown): void {
    try {
      this.onError(error);
    } catch {
      // Nowhere left to report to; keeping the loop alive matters more.
    }
  }
}
