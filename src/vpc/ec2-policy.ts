/**
 * The resilience policy around every EC2 call (docs/DESIGN.md, safety rule 7), built from cockatiel 3.2:
 *
 *   retry (exponential backoff with decorrelated jitter, transient errors only, `maxRetries` retries)
 *     └ circuit breaker, one per EC2 action (`breakerThreshold` retryable failures in a row; timed on
 *       the monotonic clock, src/lib/monotonic-breaker.ts)
 *         └ timeout per call (cooperative: aborts the SDK call through its abortSignal)
 *
 * The breaker sits inside the retry so that each attempt counts, and an open breaker stops the
 * retries at once (its error is not retried). Client errors (4xx) neither count nor reset it.
 * Sources: cockatiel README (https://github.com/connor4312/cockatiel), LIBRARY-NOTES.md
 * ("maxAttempts counts retries", "budget the two layers").
 */
import { SpanStatusCode, trace } from "@opentelemetry/api";
import {
  BrokenCircuitError,
  CircuitState,
  ExponentialBackoff,
  handleWhen,
  type IPolicy,
  IsolatedCircuitError,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from "cockatiel";
import { MonotonicCircuitBreaker } from "../lib/monotonic-breaker.js";
import {
  Ec2CallTimeoutError,
  Ec2CircuitOpenError,
  ec2ErrorCode,
  isRetryableEc2Error,
  isThrottlingError,
} from "./ec2-errors.js";
import type { Ec2RateLimiter, TokenRequest } from "./ec2-rate-limits.js";

/** Tuning of the EC2 policy. All durations in milliseconds. */
export interface Ec2PolicyOptions {
  /** Timeout of one HTTP call to EC2 (ms). */
  readonly callTimeoutMs: number;
  /** Retries after the first attempt (0 = no retry). */
  readonly maxRetries: number;
  /** First backoff delay (ms); later delays grow exponentially with jitter. */
  readonly initialBackoffMs: number;
  /** Cap on one backoff delay (ms). */
  readonly maxBackoffMs: number;
  /** Consecutive transient failures of one action that open its breaker. */
  readonly breakerThreshold: number;
  /** How long (ms) an open breaker refuses calls before letting one test call through (half-open). */
  readonly breakerHalfOpenAfterMs: number;
  /**
   * Paces every attempt through EC2's request-rate buckets (ec2-rate-limits.ts); absent: no pacing.
   * The token is taken before `beforeAttempt`, so the fence is asked after any wait for it.
   */
  readonly rateLimiter?: Ec2RateLimiter;
}

/** State of one action's circuit breaker. */
export type Ec2BreakerState = "closed" | "open" | "half-open" | "isolated";

/** A retry about to happen. */
export interface Ec2RetryEvent {
  readonly action: string;
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly errorCode: string;
}

/** Outcome of one EC2 call attempt as seen through the policy (`breaker_open`: refused, not sent). */
export type Ec2CallOutcome = "ok" | "error" | "throttled" | "timeout" | "breaker_open";

/** One EC2 call attempt (each retry is its own attempt), for metrics. */
export interface Ec2CallEvent {
  readonly action: string;
  readonly outcome: Ec2CallOutcome;
  /** Time the attempt took (ms); 0 when the breaker refused it. */
  readonly durationMs: number;
  readonly errorCode?: string;
}

/** Listener registration handle. */
export interface Disposable {
  dispose(): void;
}

/** Runs EC2 calls under the policy; one breaker per action. */
export interface Ec2Policy {
  /**
   * Runs `fn` (one EC2 call; pass `signal` to the SDK as `abortSignal`) with timeout, retry and the
   * action's breaker.
   * @param action EC2 action name, e.g. `ReplaceRoute` (selects the breaker)
   * @param beforeAttempt runs before every attempt, retries included, outside the breaker and the
   *   call metrics: throwing from it ends the call (not retried, not counted as an EC2 failure)
   * @param tokens how the call waits for its EC2 token (priority, cancellation), when rate-limited
   * @returns what `fn` returns
   * @throws the last error of `fn` when it is not transient or retries are exhausted;
   *   `Ec2CallTimeoutError` when the last attempt timed out; `Ec2CircuitOpenError` when the breaker is
   *   open; `CallCancelled` when `tokens.cancelled` ended its wait for a token
   */
  execute<T>(
    action: string,
    fn: (signal: AbortSignal) => Promise<T>,
    beforeAttempt?: () => Promise<void>,
    tokens?: TokenRequest,
  ): Promise<T>;
  /** Breaker state per action that has been called at least once. */
  breakerStates(): Readonly<Record<string, Ec2BreakerState>>;
  /** Calls `listener` whenever an action's breaker changes state. */
  onBreakerStateChange(listener: (action: string, state: Ec2BreakerState) => void): Disposable;
  /** Calls `listener` before each retry. */
  onRetry(listener: (event: Ec2RetryEvent) => void): Disposable;
  /** Calls `listener` after each call attempt, and for each call an open breaker refused. */
  onCall(listener: (event: Ec2CallEvent) => void): Disposable;
}

const STATE_NAMES: Readonly<Record<CircuitState, Ec2BreakerState>> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half-open",
  [CircuitState.Isolated]: "isolated",
};

function checkOptions(options: Ec2PolicyOptions): void {
  const positive = ["callTimeoutMs", "breakerThreshold"] as const;
  const nonNegative = ["maxRetries", "initialBackoffMs", "maxBackoffMs", "breakerHalfOpenAfterMs"] as const;
  for (const name of positive) {
    if (!(Number.isFinite(options[name]) && options[name] > 0)) throw new RangeError(`${name} must be > 0`);
  }
  for (const name of nonNegative) {
    if (!(Number.isFinite(options[name]) && options[name] >= 0)) throw new RangeError(`${name} must be >= 0`);
  }
}

/**
 * Creates the EC2 policy.
 * @throws RangeError for a non-positive timeout/threshold or a negative retry/backoff setting
 */
export function createEc2Policy(options: Ec2PolicyOptions): Ec2Policy {
  checkOptions(options);
  const stateListeners = new Set<(action: string, state: Ec2BreakerState) => void>();
  const retryListeners = new Set<(event: Ec2RetryEvent) => void>();
  const callListeners = new Set<(event: Ec2CallEvent) => void>();
  const emitCall = (event: Ec2CallEvent) => {
    for (const listener of callListeners) listener(event);
  };
  /** Per action: the retry loop, and one attempt (breaker + timeout) inside it. */
  type ActionPolicies = { retry: IPolicy; attempt: IPolicy; state: () => Ec2BreakerState };
  const perAction = new Map<string, ActionPolicies>();

  function policyFor(action: string): ActionPolicies {
    const existing = perAction.get(action);
    if (existing) return existing;
    const transient = handleWhen(isRetryableEc2Error);
    const retryPolicy = retry(transient, {
      maxAttempts: options.maxRetries,
      backoff: new ExponentialBackoff({
        initialDelay: options.initialBackoffMs,
        maxDelay: options.maxBackoffMs,
      }),
    });
    retryPolicy.onRetry((event) => {
      const errorCode = "error" in event ? ec2ErrorCode(event.error) : "Unknown";
      for (const listener of retryListeners) {
        listener({ action, attempt: event.attempt, delayMs: event.delay, errorCode });
      }
    });
    // On the monotonic clock: cockatiel's own breaker times halfOpenAfter with Date.now().
    const breaker = new MonotonicCircuitBreaker({
      isFailure: isRetryableEc2Error,
      threshold: options.breakerThreshold,
      halfOpenAfterMs: options.breakerHalfOpenAfterMs,
    });
    breaker.onStateChange((state) => {
      for (const listener of stateListeners) listener(action, STATE_NAMES[state]);
    });
    const timeoutPolicy = timeout(options.callTimeoutMs, TimeoutStrategy.Cooperative);
    const entry = {
      retry: retryPolicy,
      attempt: wrap(breaker, timeoutPolicy),
      state: () => STATE_NAMES[breaker.state],
    };
    perAction.set(action, entry);
    return entry;
  }

  return {
    async execute<T>(
      action: string,
      fn: (signal: AbortSignal) => Promise<T>,
      beforeAttempt?: () => Promise<void>,
      tokens?: TokenRequest,
    ): Promise<T> {
      const { retry: retryLoop, attempt, state } = policyFor(action);
      // One span per call, retries included (OpenTelemetry RPC conventions: rpc.system aws-api).
      return tracer.startActiveSpan(
        `EC2/${action}`,
        { attributes: spanAttributesOf(action) },
        async (span) => {
          let attempts = 0;
          let throttled = 0;
          try {
            return await retryLoop.execute(async () => {
              attempts++;
              // An open breaker refuses at once: no token is spent (or waited for) on a refusal.
              const refusing = state() === "open" || state() === "isolated";
              if (!refusing) await options.rateLimiter?.acquire(action, tokens);
              // Outside the breaker: a refusal here must neither count as a failure nor, in half-open
              // state, as the successful trial call that closes the breaker.
              await beforeAttempt?.();
              return attempt.execute(async ({ signal }) => {
                const started = performance.now();
                try {
                  const result = await fn(signal);
                  options.rateLimiter?.succeeded(action);
                  emitCall({ action, outcome: "ok", durationMs: performance.now() - started });
                  return result;
                } catch (error) {
                  // Refused by the leader's fence before it left the process: no EC2 call at all.
                  if (isNotSent(error)) throw error;
                  // Nothing else aborts this signal while fn runs: an aborted signal means our timeout fired.
                  const failure = signal.aborted
                    ? new Ec2CallTimeoutError(action, options.callTimeoutMs, { cause: error })
                    : error;
                  if (isThrottlingError(failure)) {
                    throttled++;
                    options.rateLimiter?.throttled(action);
                  }
                  emitCall({
                    action,
                    outcome: signal.aborted ? "timeout" : isThrottlingError(failure) ? "throttled" : "error",
                    durationMs: performance.now() - started,
                    errorCode: ec2ErrorCode(failure),
                  });
                  throw failure;
                }
              });
            });
          } catch (error) {
            const thrown =
              error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError
                ? new Ec2CircuitOpenError(action, { cause: error })
                : error;
            if (thrown !== error)
              emitCall({ action, outcome: "breaker_open", durationMs: 0, errorCode: "CircuitOpen" });
            span.setStatus({
              code: SpanStatusCode.ERROR,
              message: thrown instanceof Error ? thrown.message : String(thrown),
            });
            span.setAttribute("aws.ec2.error_code", ec2ErrorCode(thrown));
            throw thrown;
          } finally {
            span.setAttributes({ "vpcrouter.ec2.attempts": attempts, "vpcrouter.ec2.throttled": throttled });
            span.end();
          }
        },
      );
    },
    breakerStates() {
      return Object.fromEntries([...perAction].map(([action, entry]) => [action, entry.state()]));
    },
    onBreakerStateChange(listener) {
      stateListeners.add(listener);
      return { dispose: () => stateListeners.delete(listener) };
    },
    onRetry(listener) {
      retryListeners.add(listener);
      return { dispose: () => retryListeners.delete(listener) };
    },
    onCall(listener) {
      callListeners.add(listener);
      return { dispose: () => callListeners.delete(listener) };
    },
  };
}

const tracer = trace.getTracer("vpcrouter");

function spanAttributesOf(action: string) {
  return { "rpc.system": "aws-api", "rpc.service": "EC2", "rpc.method": action };
}

/** True for an error marked `notSent`: the request never left the process. */
function isNotSent(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { notSent?: unknown }).notSent === true;
}
