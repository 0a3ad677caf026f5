/**
 * The one "at most one run in flight and one queued" mechanism of vpcrouter, used wherever
 * level-triggered work (re-read the cluster state, publish a vote, re-read a file, reconcile the
 * VPC) may be asked for faster than it completes; optionally retried with backoff.
 */
import { ExponentialBackoff, halfJitterGenerator, type IBackoff } from "cockatiel";

/** What a run reports: `"retry"` when its work is unfinished and should run again after a backoff. */
export type RunResult = "done" | "retry";

/**
 * Retrying unfinished runs: cockatiel's exponential backoff with half jitter, so the n-th delay lies
 * between half of and all of `initialDelayMs · 2^(n−1)` (capped): never a retry at once, and
 * replicas that fail together do not retry in step.
 */
export interface RetryOptions<R> {
  /** The first delay's upper bound, ms (it lies between half of this and this). */
  readonly initialDelayMs: number;
  /** Cap on one delay, ms. */
  readonly maxDelayMs: number;
  /** The reason the retry run is asked for with. */
  readonly reason: R;
}

/**
 * A task run on request so that runs never overlap and no request is lost. Requests that arrive
 * during a run coalesce into one more run, which gets the reason of the first of them. With
 * `retry`, a run that returns `"retry"` asks for another run after a backoff that grows with each
 * consecutive unfinished run and resets after a finished one.
 */
export class CoalescedRun<R = void> {
  private queued: { readonly reason: R } | undefined;
  /** True from the moment a loop starts: a request made by the task itself only queues a run. */
  private looping = false;
  private current: Promise<void> | undefined;
  private backoff: IBackoff<unknown> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly backoffFactory: ExponentialBackoff<unknown> | undefined;

  /**
   * @param task - the work; its reason is the one of the first request since the last run began.
   *   A throw or rejection ends that run only: it goes to `onError` and the queued run, if any, still
   *   starts (the next run is the retry).
   * @param active - false once the owner stops: no new run starts, queued ones are dropped.
   * @param onError - told of each failed run (typically logs it). It must not throw; if it does,
   *   that error is dropped, so a failing run never becomes an unhandled rejection.
   * @param retry - when given, `"retry"` results are retried after a backoff (see {@link RetryOptions}).
   */
  constructor(
    private readonly task: (reason: R) => Promise<unknown>,
    private readonly active: () => boolean,
    private readonly onError: (error: unknown) => void,
    private readonly retry?: RetryOptions<R>,
  ) {
    this.backoffFactory = retry
      ? new ExponentialBackoff({
          generator: halfJitterGenerator,
          initialDelay: retry.initialDelayMs,
          maxDelay: retry.maxDelayMs,
        })
      : undefined;
  }

  /** Asks for a run: starts one now, or queues one behind the run in flight. Ignored when inactive. */
  request(...[reason]: R extends void ? [] : [reason: R]): void {
    this.enqueue(reason as R);
  }

  /** Resolves when no run is in flight or queued (at once when idle). Never rejects. */
  settled(): Promise<void> {
    return this.current ?? Promise.resolve();
  }

  /** Cancels a scheduled retry (the owner is stopping); a run in flight is not interrupted. */
  cancelRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private enqueue(reason: R): void {
    if (!this.active()) return;
    this.queued ??= { reason };
    if (this.looping) return;
    this.looping = true;
    this.current = this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (this.queued !== undefined && this.active()) {
        const { reason } = this.queued;
        this.queued = undefined;
        let result: unknown;
        try {
          result = await this.runTask(reason);
        } catch (error) {
          this.report(error);
        }
        this.afterRun(result === "retry");
      }
    } finally {
      // Cleared in the same turn as the loop's last check, so no request can fall in between.
      this.looping = false;
      this.current = undefined;
    }
  }

  /** Starts the task at once, but turns a synchronous throw into a rejection the loop catches. */
  private async runTask(reason: R): Promise<unknown> {
    return this.task(reason);
  }

  /** Schedules the retry of an unfinished run, or resets the backoff after a finished one. */
  private afterRun(unfinished: boolean): void {
    const { retry, backoffFactory } = this;
    if (!retry || !backoffFactory) return;
    if (!unfinished) {
      this.backoff = undefined;
      return;
    }
    this.backoff = this.backoff ? this.backoff.next(undefined) : backoffFactory.next();
    clearTimeout(this.retryTimer);
    if (!this.active()) return;
    const { reason } = retry;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.enqueue(reason);
    }, this.backoff.duration);
    this.retryTimer.unref();
  }

  private report(error: unknown): void {
    try {
      this.onError(error);
    } catch {
      // Nowhere left to report to; keeping the loop alive matters more.
    }
  }
}
