/**
 * A consecutive-failure circuit breaker on the monotonic clock, usable wherever cockatiel wants a
 * policy (`wrap`, etcd3's `faultHandling.host`): cockatiel 3.2's own breaker times `halfOpenAfter`
 * with `Date.now()`, so a wall-clock step back kept it open for the length of the step.
 */
import {
  BrokenCircuitError,
  CircuitState,
  EventEmitter,
  type IDefaultPolicyContext,
  type IFailureEvent,
  type IPolicy,
  type ISuccessEvent,
} from "cockatiel";

/** Settings of a {@link MonotonicCircuitBreaker}. */
export interface MonotonicBreakerOptions {
  /** Which errors count as failures; others pass through, neither counted nor resetting the count. */
  readonly isFailure: (error: unknown) => boolean;
  /** Consecutive failures that open the breaker (≥ 1). */
  readonly threshold: number;
  /** How long an open breaker refuses calls before it lets one trial call through, ms. */
  readonly halfOpenAfterMs: number;
  /** Monotonic clock, ms (default `performance.now`). */
  readonly now?: () => number;
}

type InnerState =
  | { readonly value: CircuitState.Closed; readonly failures: number }
  | { readonly value: CircuitState.Open; readonly openedAt: number }
  | { readonly value: CircuitState.HalfOpen; readonly trial: Promise<unknown> };

/**
 * Closed: calls run; `threshold` failures in a row open it. Open: calls are refused with cockatiel's
 * `BrokenCircuitError` (so etcd3 tries its next host) until `halfOpenAfterMs` have passed on the
 * monotonic clock. Half-open: one trial call runs, others wait for it; its success (or an error that
 * is no failure) closes the breaker, its failure opens it again. Same semantics as cockatiel's
 * `circuitBreaker(handleWhen(isFailure), { halfOpenAfter, breaker: new ConsecutiveBreaker(threshold) })`.
 */
export class MonotonicCircuitBreaker implements IPolicy<IDefaultPolicyContext> {
  declare readonly _altReturn: never;
  private inner: InnerState = { value: CircuitState.Closed, failures: 0 };
  private readonly successEmitter = new EventEmitter<ISuccessEvent>();
  private readonly failureEmitter = new EventEmitter<IFailureEvent>();
  private readonly stateEmitter = new EventEmitter<CircuitState>();
  private readonly now: () => number;

  /** Fires after a call succeeded. */
  readonly onSuccess = this.successEmitter.addListener;
  /** Fires after a call failed (`handled`: it counted as a failure). */
  readonly onFailure = this.failureEmitter.addListener;
  /** Fires on every change of state. */
  readonly onStateChange = this.stateEmitter.addListener;

  /** @throws RangeError for a threshold below 1 or a negative or non-finite `halfOpenAfterMs` */
  constructor(private readonly options: MonotonicBreakerOptions) {
    if (!(Number.isInteger(options.threshold) && options.threshold >= 1))
      throw new RangeError("threshold must be an integer >= 1");
    if (!(Number.isFinite(options.halfOpenAfterMs) && options.halfOpenAfterMs >= 0))
      throw new RangeError("halfOpenAfterMs must be >= 0");
    this.now = options.now ?? (() => performance.now());
  }

  /** The state now (an open breaker whose wait is over still says open until the next call). */
  get state(): CircuitState {
    return this.inner.value;
  }

  /**
   * Runs `fn` unless the breaker is open.
   * @throws BrokenCircuitError when open; otherwise what `fn` throws
   */
  async execute<T>(
    fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T,
    signal?: AbortSignal,
  ): Promise<T> {
    const context = { signal: signal ?? new AbortController().signal };
    const state = this.inner;
    if (state.value === CircuitState.HalfOpen) {
      await state.trial.catch(() => undefined);
      return this.execute(fn, signal);
    }
    if (state.value === CircuitState.Open) {
      if (this.now() - state.openedAt < this.options.halfOpenAfterMs) throw new BrokenCircuitError();
      const trial = this.run(fn, context, true);
      this.setState({ value: CircuitState.HalfOpen, trial });
      return trial;
    }
    return this.run(fn, context, false);
  }

  private async run<T>(
    fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T,
    context: IDefaultPolicyContext,
    trial: boolean,
  ): Promise<T> {
    const started = this.now();
    try {
      const value = await fn(context);
      this.successEmitter.emit({ duration: this.now() - started });
      if (trial) this.setState({ value: CircuitState.Closed, failures: 0 });
      else if (this.inner.value === CircuitState.Closed)
        this.inner = { value: CircuitState.Closed, failures: 0 };
      return value;
    } catch (error) {
      const handled = this.options.isFailure(error);
      this.failureEmitter.emit({
        duration: this.now() - started,
        handled,
        reason: { error: error as Error },
      });
      if (!handled) {
        // Not a failure of the service: a trial that ends so closes the breaker, as cockatiel's does.
        if (trial) this.setState({ value: CircuitState.Closed, failures: 0 });
      } else if (trial) {
        this.setState({ value: CircuitState.Open, openedAt: this.now() });
      } else if (this.inner.value === CircuitState.Closed) {
        const failures = this.inner.failures + 1;
        if (failures >= this.options.threshold)
          this.setState({ value: CircuitState.Open, openedAt: this.now() });
        else this.inner = { value: CircuitState.Closed, failures };
      }
      throw error;
    }
  }

  private setState(next: InnerState): void {
    const changed = next.value !== this.inner.value;
    this.inner = next;
    if (changed) this.stateEmitter.emit(next.value);
  }
}
