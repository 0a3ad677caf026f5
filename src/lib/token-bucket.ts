/**
 * A client-side token bucket (a request takes a token; tokens refill at a steady rate up to the
 * burst). Its refill rate adapts: halved when the server says it throttled us, restored step by step on
 * success (additive increase, multiplicative decrease). Time is the caller's monotonic clock.
 */

/** A bucket's size and refill. */
export interface TokenBucketConfig {
  /** Tokens the bucket holds at most: the burst (≥ 1). */
  readonly burst: number;
  /** Tokens added per second (> 0). */
  readonly refillPerSecond: number;
}

/** The slowest an adapted bucket refills, as a share of its configured rate. */
const MIN_RATE_SHARE = 0.1;
/** How much of the configured rate one success gives back after a throttle. */
const RECOVERY_SHARE = 0.05;

/** One bucket; not thread-safe, not needed in Node. */
export class TokenBucket {
  private tokens: number;
  private at: number;
  private rate: number;

  /**
   * @param now monotonic clock, ms
   * @throws RangeError for a burst under 1 or a rate that is not > 0
   */
  constructor(
    private readonly config: TokenBucketConfig,
    private readonly now: () => number,
  ) {
    if (!(config.burst >= 1)) throw new RangeError(`burst must be ≥ 1, got ${config.burst}`);
    if (!(config.refillPerSecond > 0)) {
      throw new RangeError(`refillPerSecond must be > 0, got ${config.refillPerSecond}`);
    }
    this.tokens = config.burst;
    this.rate = config.refillPerSecond;
    this.at = now();
  }

  /** Whole and partial tokens in the bucket now. */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /**
   * Takes one token if there is one.
   * @returns whether it was taken
   */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** How long until the bucket holds `count` tokens at the current rate, ms (0: it does now). */
  msUntil(count: number): number {
    this.refill();
    return this.tokens >= count ? 0 : ((count - this.tokens) / this.rate) * 1000;
  }

  /**
   * The server throttled a request (EC2's `RequestLimitExceeded`): its bucket is empty, so ours is
   * emptied too and refills at half the rate (never below a tenth of the configured one).
   */
  throttled(): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
    this.rate = Math.max(this.config.refillPerSecond * MIN_RATE_SHARE, this.rate / 2);
  }

  /** A request went through: the rate grows back towards the configured one. */
  succeeded(): void {
    if (this.rate >= this.config.refillPerSecond) return;
    this.refill();
    this.rate = Math.min(
      this.config.refillPerSecond,
      this.rate + this.config.refillPerSecond * RECOVERY_SHARE,
    );
  }

  /** The current refill rate, tokens per second (lower than configured after throttling). */
  get refillPerSecond(): number {
    return this.rate;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.config.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
  }
}
