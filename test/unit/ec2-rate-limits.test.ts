/**
 * The client-side EC2 buckets: the token bucket's arithmetic (a property: no window of time lets
 * more calls through than the burst plus the refill), its adaptation to throttling, and the
 * limiter's order (priority, then first come) and cancellation.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { TokenBucket } from "../../src/lib/token-bucket.js";
import { CallCancelled, categoryOf, Ec2RateLimiter } from "../../src/vpc/ec2-rate-limits.js";

describe("TokenBucket", () => {
  it("lets the burst through at once, then one token per 1/rate s", () => {
    let now = 0;
    const bucket = new TokenBucket({ burst: 3, refillPerSecond: 5 }, () => now);
    assert.deepEqual(
      [bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()],
      [true, true, true, false],
    );
    assert.equal(bucket.msUntil(1), 200);
    now = 199;
    assert.equal(bucket.tryTake(), false);
    now = 200;
    assert.equal(bucket.tryTake(), true);
    now = 10_000;
    assert.equal(bucket.available(), 3, "never more than the burst");
  });

  it("never lets more through in a window than burst + rate × window (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 200 }),
        (burst, rate, gaps) => {
          let now = 0;
          const bucket = new TokenBucket({ burst, refillPerSecond: rate }, () => now);
          const taken: number[] = [];
          for (const gap of gaps) {
            now += gap;
            if (bucket.tryTake()) taken.push(now);
          }
          for (let i = 0; i < taken.length; i++) {
            for (let j = i; j < taken.length; j++) {
              const window = (taken[j] as number) - (taken[i] as number);
              assert.ok(j - i + 1 <= burst + (window / 1000) * rate + 1e-9);
            }
          }
        },
      ),
    );
  });

  it("halves its rate when throttled (not below a tenth) and recovers it on success", () => {
    let now = 0;
    const bucket = new TokenBucket({ burst: 50, refillPerSecond: 20 }, () => now);
    bucket.throttled();
    assert.equal(bucket.available(), 0, "EC2's bucket is empty: ours is emptied too");
    assert.equal(bucket.refillPerSecond, 10);
    for (let i = 0; i < 10; i++) bucket.throttled();
    assert.equal(bucket.refillPerSecond, 2);
    for (let i = 0; i < 100; i++) bucket.succeeded();
    assert.equal(bucket.refillPerSecond, 20);
    now = 1000;
    assert.equal(bucket.available(), 20);
  });

  it("refuses a bucket that could never hand out a token", () => {
    assert.throws(() => new TokenBucket({ burst: 0, refillPerSecond: 1 }, () => 0), RangeError);
    assert.throws(() => new TokenBucket({ burst: 1, refillPerSecond: 0 }, () => 0), RangeError);
  });
});

describe("Ec2RateLimiter", () => {
  it("puts Describe*, Get*, List*, Search* in the non-mutating bucket, everything else in the mutating one", () => {
    assert.equal(categoryOf("DescribeRouteTables"), "nonMutating");
    assert.equal(categoryOf("DescribeInstanceStatus"), "nonMutating");
    assert.equal(categoryOf("ReplaceRoute"), "mutating");
    assert.equal(categoryOf("ModifyNetworkInterfaceAttribute"), "mutating");
  });

  it("serves waiting calls by priority, then in the order they asked", async () => {
    const limiter = new Ec2RateLimiter({
      mutating: { burst: 1, refillPerSecond: 50 },
      nonMutating: { burst: 1, refillPerSecond: 50 },
    });
    await limiter.acquire("CreateRoute"); // empties the bucket
    const order: string[] = [];
    const call = (name: string, priority: number) =>
      limiter.acquire("CreateRoute", { priority }).then(() => order.push(name));
    await Promise.all([call("delete", 2), call("create-1", 1), call("failover", 0), call("create-2", 1)]);
    assert.deepEqual(order, ["failover", "create-1", "create-2", "delete"]);
  });

  it("keeps the categories apart: reads do not wait behind mutations", async () => {
    const limiter = new Ec2RateLimiter({
      mutating: { burst: 1, refillPerSecond: 1 },
      nonMutating: { burst: 5, refillPerSecond: 1 },
    });
    await limiter.acquire("ReplaceRoute");
    const waited = await limiter.acquire("DescribeRouteTables");
    assert.equal(waited < 50, true, `waited ${waited} ms`);
  });

  it("gives up a wait once the call is cancelled, without taking a token", async () => {
    const limiter = new Ec2RateLimiter({
      mutating: { burst: 1, refillPerSecond: 1 },
      nonMutating: { burst: 1, refillPerSecond: 1 },
    });
    await limiter.acquire("ReplaceRoute");
    let cancelled = false;
    const waiting = limiter.acquire("ReplaceRoute", { cancelled: () => cancelled });
    cancelled = true;
    await assert.rejects(waiting, CallCancelled);
  });
});
