/**
 * Noticing stalls of this process's event loop (a GC pause, SIGSTOP, VM steal): a timer that
 * should tick every few ms, and how late it is. The leader re-checks its term after a stall.
 */

/** Watches the event loop for gaps longer than a threshold. */
export class EventLoopWatch {
  private lastTick: number;
  private gaps = 0;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param thresholdMs a tick later than this beyond its interval counts as a gap, ms
   * @param intervalMs how often the watch ticks, ms
   * @param now monotonic clock, ms (default `performance.now`)
   */
  constructor(
    private readonly thresholdMs: number,
    private readonly intervalMs = 50,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastTick = now();
  }

  /** Starts ticking (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    this.lastTick = this.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * How many gaps were seen so far: ticks that came more than the threshold late, counting the one
   * in progress (no tick for longer than that right now), e.g. when asked right after a stall, before
   * the timer has had a chance to run.
   */
  gapCount(): number {
    return this.gaps + (this.stalledNowMs() > this.thresholdMs ? 1 : 0);
  }

  /** How long beyond its interval the next tick is overdue, ms (0 when not). */
  stalledNowMs(): number {
    return Math.max(0, this.now() - this.lastTick - this.intervalMs);
  }

  private tick(): void {
    if (this.stalledNowMs() > this.thresholdMs) this.gaps += 1;
    this.lastTick = this.now();
  }
}
