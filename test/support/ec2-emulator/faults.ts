/**
 * Fault injection for the emulator: injected errors for the next N calls of an action, EC2-like
 * token-bucket throttling (off by default), and latency per action (fixed or log-normal).
 * Source (bucket sizes): https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
 */
import { isMutatingAction } from "./actions.js";
import { Ec2Error } from "./ec2-error.js";

/** Answer the next `count` calls of `action` (all actions when absent or `*`) with this error. */
export interface InjectedFault {
  readonly action?: string;
  readonly count: number;
  /** HTTP status, e.g. 503 for `RequestLimitExceeded`, 500 for `InternalError`. */
  readonly status: number;
  readonly code: string;
  readonly message?: string;
}

/**
 * The latency of one action's calls: a fixed number of ms, or a log-normal distribution given by
 * its median and 99th percentile (ms), as API latencies are skewed to the right.
 */
export type LatencySetting = number | { readonly medianMs: number; readonly p99Ms: number };

/** z of the 99th percentile of the standard normal distribution. */
const Z_P99 = 2.326;

/**
 * One sample of a latency setting, ms.
 * @param random uniform in [0, 1), e.g. Math.random
 */
export function sampleLatency(setting: LatencySetting, random: () => number = Math.random): number {
  if (typeof setting === "number") return setting;
  const { medianMs, p99Ms } = setting;
  if (!(medianMs > 0) || !(p99Ms >= medianMs)) throw new Error(`bad latency ${JSON.stringify(setting)}`);
  const sigma = Math.log(p99Ms / medianMs) / Z_P99;
  // Box–Muller: one standard normal sample from two uniform ones.
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return medianMs * Math.exp(sigma * normal);
}

/** One token bucket: `burst` tokens at most, refilled at `refillPerSecond` tokens/s. */
export interface TokenBucketConfig {
  readonly burst: number;
  readonly refillPerSecond: number;
}

/** Separate buckets for mutating and non-mutating actions, as EC2 has. */
export interface ThrottleConfig {
  readonly mutating: TokenBucketConfig;
  readonly nonMutating: TokenBucketConfig;
}

/** EC2's default request-rate buckets: mutating 50 burst / 5 per s, non-mutating 100 burst / 20 per s. */
export const EC2_DEFAULT_THROTTLE: ThrottleConfig = {
  mutating: { burst: 50, refillPerSecond: 5 },
  nonMutating: { burst: 100, refillPerSecond: 20 },
};

/**
 * A change of fault settings. A field that is present replaces the current setting;
 * `throttle: true` means {@link EC2_DEFAULT_THROTTLE}, `false`/`null` turns throttling off.
 */
export interface FaultSettings {
  readonly inject?: readonly InjectedFault[];
  /** Extra latency per action name; the key `*` applies to every action without its own entry. */
  readonly latencyMs?: Readonly<Record<string, LatencySetting>>;
  /**
   * Delay (ms) per action between handling a call and sending its reply: the change is made, the
   * answer comes late (a client that gives up meanwhile cannot know it was applied).
   */
  readonly replyDelayMs?: Readonly<Record<string, number>>;
  readonly throttle?: ThrottleConfig | boolean | null;
}

/** The current settings, as reported by the control endpoint. */
export interface FaultReport {
  readonly inject: readonly InjectedFault[];
  readonly latencyMs: Readonly<Record<string, LatencySetting>>;
  readonly replyDelayMs: Readonly<Record<string, number>>;
  readonly throttle: ThrottleConfig | null;
}

/** The error EC2 returns when a request-rate bucket is empty (HTTP 503). */
export function requestLimitExceeded(): Ec2Error {
  return new Ec2Error(503, "RequestLimitExceeded", "Request limit exceeded.");
}

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly config: TokenBucketConfig,
    private readonly now: () => number,
  ) {
    this.tokens = config.burst;
    this.last = now();
  }
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(
      this.config.burst,
      this.tokens + ((now - this.last) / 1000) * this.config.refillPerSecond,
    );
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Mutable fault state of one emulator. */
export class Faults {
  private injections: Array<InjectedFault & { remaining: number }> = [];
  private latency: Record<string, LatencySetting> = {};
  private replyDelay: Record<string, number> = {};
  private throttle: ThrottleConfig | null = null;
  private buckets: { mutating: TokenBucket; nonMutating: TokenBucket } | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /** Applies a change (see {@link FaultSettings}). */
  set(settings: FaultSettings): void {
    if (settings.inject !== undefined) this.injections = [];
    for (const fault of settings.inject ?? []) this.inject(fault);
    if (settings.latencyMs !== undefined) {
      for (const setting of Object.values(settings.latencyMs)) sampleLatency(setting); // validates
      this.latency = { ...settings.latencyMs };
    }
    if (settings.replyDelayMs !== undefined) this.replyDelay = { ...settings.replyDelayMs };
    if (settings.throttle !== undefined) {
      this.throttle = settings.throttle === true ? EC2_DEFAULT_THROTTLE : settings.throttle || null;
      this.buckets = this.throttle
        ? {
            mutating: new TokenBucket(this.throttle.mutating, this.now),
            nonMutating: new TokenBucket(this.throttle.nonMutating, this.now),
          }
        : null;
    }
  }

  /** Adds one injected fault after those already queued. */
  inject(fault: InjectedFault): void {
    if (!Number.isInteger(fault.count) || fault.count < 0) throw new Error(`bad fault count ${fault.count}`);
    if (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599) {
      throw new Error(`bad fault status ${fault.status}`);
    }
    this.injections.push({ ...fault, remaining: fault.count });
  }

  /** Removes every injected fault, latency and throttling. */
  clear(): void {
    this.set({ inject: [], latencyMs: {}, replyDelayMs: {}, throttle: null });
  }

  /** Delay (ms) between handling one call of `action` and sending its reply. */
  replyDelayFor(action: string): number {
    return this.replyDelay[action] ?? this.replyDelay["*"] ?? 0;
  }

  /** Extra latency (ms) for one call of `action`: a fresh sample of its setting. */
  latencyFor(action: string): number {
    return sampleLatency(this.latency[action] ?? this.latency["*"] ?? 0);
  }

  /** The error to answer this call with, if any; consumes one injected fault or one bucket token. */
  check(action: string): Ec2Error | undefined {
    const fault = this.injections.find(
      (f) => f.remaining > 0 && (f.action === undefined || f.action === "*" || f.action === action),
    );
    if (fault) {
      fault.remaining -= 1;
      this.injections = this.injections.filter((f) => f.remaining > 0);
      return new Ec2Error(fault.status, fault.code, fault.message ?? `Injected fault ${fault.code}`);
    }
    if (this.buckets) {
      const bucket = isMutatingAction(action) ? this.buckets.mutating : this.buckets.nonMutating;
      if (!bucket.take()) return requestLimitExceeded();
    }
    return undefined;
  }

  /** The current settings (injections with their remaining counts). */
  report(): FaultReport {
    return {
      inject: this.injections.map(({ remaining, ...fault }) => ({ ...fault, count: remaining })),
      latencyMs: { ...this.latency },
      replyDelayMs: { ...this.replyDelay },
      throttle: this.throttle,
    };
  }
}
