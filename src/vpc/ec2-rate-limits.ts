/**
 * vpcrouter's side of EC2's request-rate throttling: one token bucket per EC2 action category,
 * sized like EC2's own (mutating actions 50 burst, 5/s refill; non-mutating 100 burst, 20/s), so
 * that a burst of route changes is paced by us instead of refused by EC2. Waiting calls get their
 * tokens by priority (failovers first), then in the order they asked.
 * Source: https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
 */
import { setTimeout as sleep } from "node:timers/promises";
import { TokenBucket, type TokenBucketConfig } from "../lib/token-bucket.js";

/** EC2's bucket categories vpcrouter's calls fall in. */
export type Ec2ActionCategory = "mutating" | "nonMutating";

/** The bucket of each category. */
export interface Ec2RateLimits {
  readonly mutating: TokenBucketConfig;
  readonly nonMutating: TokenBucketConfig;
}

/** EC2's default request-rate buckets (an account can have them raised). */
export const EC2_DEFAULT_RATE_LIMITS: Ec2RateLimits = {
  mutating: { burst: 50, refillPerSecond: 5 },
  nonMutating: { burst: 100, refillPerSecond: 20 },
};

/** How one call waits for its token. */
export interface TokenRequest {
  /** Lower goes first: 0 failovers, 1 other creates and replaces, 2 deletes (default 1). */
  readonly priority?: number;
  /** Asked while waiting: true gives up the wait ({@link CallCancelled}). */
  readonly cancelled?: () => boolean;
}

/** A call gave up waiting for its token (its batch was pre-empted); it was never sent. */
export class CallCancelled extends Error {
  /** Never sent: the EC2 policy neither retries it nor counts it as an EC2 call. */
  readonly notSent = true;
  constructor(action: string) {
    super(`${action} was not sent: its batch gave way to newer work while it waited for an EC2 token`);
    this.name = "CallCancelled";
  }
}

/** A waiting call sleeps at most this long between looks at the bucket and at `cancelled`, ms. */
const MAX_WAIT_STEP_MS = 50;

/** `Describe*`, `Get*`, `List*` and `Search*` actions are non-mutating; every other one mutates. */
export function categoryOf(action: string): Ec2ActionCategory {
  return /^(Describe|Get|List|Search)/.test(action) ? "nonMutating" : "mutating";
}

interface Waiter {
  readonly priority: number;
  readonly sequence: number;
}

/** One category: its bucket and the calls waiting for it, best first. */
class Lane {
  readonly waiting: Waiter[] = [];
  constructor(readonly bucket: TokenBucket) {}

  enqueue(waiter: Waiter): void {
    const at = this.waiting.findIndex(
      (other) =>
        other.priority > waiter.priority ||
        (other.priority === waiter.priority && other.sequence > waiter.sequence),
    );
    this.waiting.splice(at < 0 ? this.waiting.length : at, 0, waiter);
  }

  remove(waiter: Waiter): void {
    this.waiting.splice(this.waiting.indexOf(waiter), 1);
  }
}

/** Paces EC2 calls through the category buckets. */
export class Ec2RateLimiter {
  private readonly lanes: Record<Ec2ActionCategory, Lane>;
  private sequence = 0;

  /** @param now monotonic clock, ms */
  constructor(limits: Ec2RateLimits, now: () => number = () => performance.now()) {
    this.lanes = {
      mutating: new Lane(new TokenBucket(limits.mutating, now)),
      nonMutating: new Lane(new TokenBucket(limits.nonMutating, now)),
    };
  }

  /**
   * Waits for a token of `action`'s category: a call may take one when the bucket holds enough for
   * every better-placed call still waiting, and its own.
   * @returns the time waited, ms
   * @throws CallCancelled when `request.cancelled` turned true while it waited
   */
  async acquire(action: string, request: TokenRequest = {}): Promise<number> {
    const lane = this.lanes[categoryOf(action)];
    const waiter = { priority: request.priority ?? 1, sequence: this.sequence++ };
    lane.enqueue(waiter);
    const started = performance.now();
    try {
      for (;;) {
        const place = lane.waiting.indexOf(waiter);
        if (lane.bucket.available() >= place + 1 && lane.bucket.tryTake()) return performance.now() - started;
        if (request.cancelled?.() === true) throw new CallCancelled(action);
        await sleep(Math.min(MAX_WAIT_STEP_MS, Math.max(1, lane.bucket.msUntil(place + 1))));
      }
    } finally {
      lane.remove(waiter);
    }
  }

  /** EC2 throttled a call of `action`: its category's bucket empties and refills slower. */
  throttled(action: string): void {
    this.lanes[categoryOf(action)].bucket.throttled();
  }

  /** A call of `action` went through: its category's rate recovers. */
  succeeded(action: string): void {
    this.lanes[categoryOf(action)].bucket.succeeded();
  }
}
