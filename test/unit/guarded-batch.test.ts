/**
 * A batch of guarded changes applied concurrently: never more in flight than the cap, started in
 * order, outcomes in order, a fence refusal or a pre-emption ends it, and with the client-side
 * buckets a waiting failover overtakes waiting creates.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Ec2CallTimeoutError, Ec2CircuitOpenError } from "../../src/vpc/ec2-errors.js";
import { createEc2Policy, type Ec2PolicyOptions } from "../../src/vpc/ec2-policy.js";
import { Ec2RateLimiter } from "../../src/vpc/ec2-rate-limits.js";
import { runGuardedBatch } from "../../src/vpc/guarded-call.js";

const POLICY: Ec2PolicyOptions = {
  callTimeoutMs: 5_000,
  maxRetries: 0,
  initialBackoffMs: 1,
  maxBackoffMs: 1,
  breakerThreshold: 100,
  breakerHalfOpenAfterMs: 1_000,
};
const ALWAYS = { mayMutate: () => true };

/** Runs a batch of `items` whose change takes `callMs`, recording starts, ends and the most in flight. */
async function batch(
  items: readonly number[],
  options: {
    concurrency?: number;
    callMs?: number;
    guard?: { mayMutate: () => boolean };
    preempt?: () => boolean;
  } = {},
) {
  const policy = createEc2Policy(POLICY);
  const started: number[] = [];
  let inFlight = 0;
  let most = 0;
  const outcome = await runGuardedBatch(
    items,
    policy,
    options.guard ?? ALWAYS,
    async (item, sender) => {
      await sender.send("ReplaceRoute", async () => {
        started.push(item);
        inFlight++;
        most = Math.max(most, inFlight);
        await sleep(options.callMs ?? 20);
        inFlight--;
        if (item === 13) throw new Error("boom");
      });
    },
    (item, result) => ({ ...result, item }),
    {
      ...(options.preempt ? { preempt: options.preempt } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    },
  );
  return { outcome, started, most };
}

describe("runGuardedBatch", () => {
  it("applies one at a time by default", async () => {
    const { outcome, most, started } = await batch([1, 2, 3]);
    assert.equal(most, 1);
    assert.deepEqual(started, [1, 2, 3]);
    assert.deepEqual(
      outcome.results.map((r) => r.item),
      [1, 2, 3],
    );
  });

  it("keeps at most `concurrency` in flight, starts them in order and reports in order", async () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const started = performance.now();
    const { outcome, most, started: order } = await batch(items, { concurrency: 5, callMs: 30 });
    const tookMs = performance.now() - started;
    assert.equal(most, 5);
    assert.deepEqual(order, items);
    assert.deepEqual(
      outcome.results.map((r) => r.item),
      items,
    );
    assert.equal(outcome.results.find((r) => r.item === 13)?.ok, false, "a failed item is reported");
    assert.equal(outcome.results.filter((r) => r.ok).length, 19, "and does not stop the others");
    assert.ok(tookMs < 20 * 30, `20 changes of 30 ms took ${tookMs} ms: not concurrent`);
  });

  it("starts nothing after the fence refuses", async () => {
    let allowed = 4;
    const guard = { mayMutate: () => allowed-- > 0 };
    const { outcome, started } = await batch(
      Array.from({ length: 10 }, (_, i) => i),
      { concurrency: 2, guard },
    );
    assert.equal(outcome.stoppedByFence, true);
    assert.equal(started.length, 4);
    assert.deepEqual(
      outcome.results.map((r) => r.item),
      [0, 1, 2, 3],
    );
  });

  it("ends early when pre-empted", async () => {
    let asked = 0;
    const { outcome } = await batch(
      Array.from({ length: 10 }, (_, i) => i),
      { concurrency: 2, preempt: () => ++asked > 3 },
    );
    assert.equal(outcome.preempted, true);
    assert.equal(outcome.results.length, 3);
  });

  it("under the client-side bucket, a failover waiting for a token goes before waiting creates", async () => {
    const limiter = new Ec2RateLimiter({
      mutating: { burst: 2, refillPerSecond: 20 },
      nonMutating: { burst: 100, refillPerSecond: 100 },
    });
    const policy = createEc2Policy({ ...POLICY, rateLimiter: limiter });
    const sent: string[] = [];
    const items = ["create-a", "create-b", "create-c", "create-d", "create-e", "failover"];
    const run = (names: readonly string[]) =>
      runGuardedBatch(
        names,
        policy,
        ALWAYS,
        (name, sender) =>
          sender.send("CreateRoute", async () => {
            sent.push(name);
          }),
        (name, result) => ({ ...result, name }),
        { concurrency: 10 },
        (name) => (name === "failover" ? 0 : 1),
      );
    const outcome = await run(items);
    assert.equal(outcome.results.length, 6);
    // Two go with the burst; of the four that waited, the failover got the first token.
    assert.equal(sent.indexOf("failover"), 2, sent.join(", "));
  });

  it("an open breaker refuses at once, without waiting for (or spending) a token", async () => {
    const limiter = new Ec2RateLimiter({
      mutating: { burst: 1, refillPerSecond: 1 },
      nonMutating: { burst: 100, refillPerSecond: 100 },
    });
    const policy = createEc2Policy({
      ...POLICY,
      breakerThreshold: 1,
      breakerHalfOpenAfterMs: 60_000,
      rateLimiter: limiter,
    });
    // The one token goes to a call that times out: the breaker opens.
    await assert.rejects(
      policy.execute("ReplaceRoute", async () => {
        throw new Ec2CallTimeoutError("ReplaceRoute", 1);
      }),
    );
    const started = performance.now();
    await assert.rejects(
      policy.execute("ReplaceRoute", async () => "sent"),
      Ec2CircuitOpenError,
    );
    const waitedMs = performance.now() - started;
    assert.ok(waitedMs < 500, `refused after ${waitedMs.toFixed(0)} ms: it waited for the next token (1 s)`);
  });

  it("never cancels a change between its attempts: a retry waiting for a token is sent after a pre-emption", async () => {
    const limiter = new Ec2RateLimiter({
      mutating: { burst: 1, refillPerSecond: 10 },
      nonMutating: { burst: 100, refillPerSecond: 100 },
    });
    const policy = createEc2Policy({ ...POLICY, maxRetries: 1, rateLimiter: limiter });
    let attempts = 0;
    let preempted = false;
    const outcome = await runGuardedBatch(
      ["replace"],
      policy,
      ALWAYS,
      (_item, sender) =>
        sender.send("ReplaceRoute", async () => {
          attempts++;
          if (attempts === 1) {
            // The first attempt may have reached EC2; a newer failure now pre-empts the batch.
            preempted = true;
            throw new Ec2CallTimeoutError("ReplaceRoute", 1);
          }
        }),
      (item, result) => ({ ...result, item }),
      { preempt: () => preempted, concurrency: 2 },
    );
    assert.equal(attempts, 2, "the retry was cancelled while it waited for its token");
    assert.equal(outcome.results[0]?.ok, true);
  });
});
