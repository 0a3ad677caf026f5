import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CoalescedRun } from "../../src/lib/coalesced-run.js";

/** A task whose runs end only when the test releases them. */
function gatedTask() {
  const releases: (() => void)[] = [];
  let runs = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const task = async () => {
    runs++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise<void>((resolve) => releases.push(resolve));
    inFlight--;
  };
  const releaseNext = async () => {
    for (let turn = 0; turn < 10 && releases.length === 0; turn++) await Promise.resolve();
    releases.shift()?.();
  };
  return { task, releaseNext, stats: () => ({ runs, maxInFlight }) };
}

/** For tasks that never fail: a reported error fails the test. */
function failOnError(error: unknown): void {
  assert.fail(`unexpected task error: ${String(error)}`);
}

describe("CoalescedRun", () => {
  it("runs at once, and folds every request made during a run into exactly one more run", async () => {
    const { task, releaseNext, stats } = gatedTask();
    const run = new CoalescedRun(task, () => true, failOnError);
    run.request();
    run.request();
    run.request();
    assert.equal(stats().runs, 1);
    await releaseNext();
    await releaseNext();
    await run.settled();
    assert.deepEqual(stats(), { runs: 2, maxInFlight: 1 });
  });

  it("starts nothing once inactive, and drops a queued run when the owner stops", async () => {
    let active = true;
    const { task, releaseNext, stats } = gatedTask();
    const run = new CoalescedRun(task, () => active, failOnError);
    run.request();
    run.request();
    active = false;
    await releaseNext();
    await run.settled();
    run.request();
    await run.settled();
    assert.equal(stats().runs, 1);
  });

  it("settles at once when idle and runs again after settling", async () => {
    let runs = 0;
    const run = new CoalescedRun(
      async () => {
        runs++;
      },
      () => true,
      failOnError,
    );
    await run.settled();
    run.request();
    await run.settled();
    run.request();
    await run.settled();
    assert.equal(runs, 2);
  });

  it("hands a failed run's error to onError and still runs the request queued behind it", async () => {
    const errors: unknown[] = [];
    let runs = 0;
    let release: () => void = () => undefined;
    const run = new CoalescedRun(
      async () => {
        runs++;
        if (runs === 1) {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          throw new Error("first run failed");
        }
      },
      () => true,
      (error) => errors.push(error),
    );
    run.request();
    run.request(); // queued behind the failing run
    release();
    await run.settled();
    assert.equal(runs, 2);
    assert.deepEqual(
      errors.map((error) => (error instanceof Error ? error.message : error)),
      ["first run failed"],
    );
    // The helper is still usable after a failure.
    run.request();
    await run.settled();
    assert.equal(runs, 3);
  });

  it("catches a task that throws synchronously, and survives an onError that throws", async () => {
    let runs = 0;
    let reported = 0;
    const run = new CoalescedRun(
      () => {
        runs++;
        throw new Error("not even a promise");
      },
      () => true,
      () => {
        reported++;
        throw new Error("the logger failed too");
      },
    );
    run.request();
    await run.settled(); // resolves: neither error escapes as a rejection
    run.request();
    await run.settled();
    assert.deepEqual({ runs, reported }, { runs: 2, reported: 2 });
  });
});

describe("CoalescedRun, re-entrant requests", () => {
  it("a task that asks for another run before its first await gets it after itself, not beside it", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let runs = 0;
    const run: CoalescedRun = new CoalescedRun(
      async () => {
        runs++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (runs === 1) run.request();
        await Promise.resolve();
        inFlight--;
      },
      () => true,
      () => undefined,
    );
    run.request();
    await run.settled();
    // settled() may resolve before the queued run has been registered: wait for it too.
    await run.settled();
    assert.deepEqual({ runs, maxInFlight }, { runs: 2, maxInFlight: 1 });
  });
});

describe("CoalescedRun, reasons and retries", () => {
  it("gives a run the reason of the first request since the previous run began", async () => {
    const reasons: string[] = [];
    let release: () => void = () => undefined;
    const run = new CoalescedRun<string>(
      async (reason) => {
        reasons.push(reason);
        if (reasons.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      () => true,
      failOnError,
    );
    run.request("elected");
    run.request("spec changed"); // queued: the first request behind the run in flight
    run.request("failures changed"); // folded into the queued run
    release();
    await run.settled();
    await run.settled();
    assert.deepEqual(reasons, ["elected", "spec changed"]);
  });

  it("retries an unfinished run after a backoff with the retry reason, until it finishes", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const reasons: string[] = [];
    let unfinished = 3;
    const run = new CoalescedRun<string>(
      async (reason) => {
        reasons.push(reason);
        return unfinished-- > 0 ? "retry" : "done";
      },
      () => true,
      failOnError,
      { initialDelayMs: 5, maxDelayMs: 20, reason: "retry after failure" },
    );
    run.request("elected");
    for (let turn = 0; turn < 10; turn++) {
      await run.settled();
      t.mock.timers.tick(20); // at least the largest backoff
    }
    assert.deepEqual(reasons, [
      "elected",
      "retry after failure",
      "retry after failure",
      "retry after failure",
    ]);
  });

  it("schedules no retry once inactive, and cancelRetry drops a scheduled one", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    let active = true;
    let runs = 0;
    const run = new CoalescedRun<string>(
      async () => {
        runs++;
        return "retry";
      },
      () => active,
      failOnError,
      { initialDelayMs: 30, maxDelayMs: 30, reason: "retry" },
    );
    run.request("first");
    await run.settled();
    run.cancelRetry();
    t.mock.timers.tick(1000);
    await run.settled();
    assert.equal(runs, 1, "the cancelled retry did not run");
    run.request("second");
    await run.settled();
    active = false;
    t.mock.timers.tick(1000);
    await run.settled();
    assert.equal(runs, 2, "no retry runs once the owner is inactive");
    active = true;
    run.request("third");
    await run.settled();
    t.mock.timers.tick(30);
    await run.settled();
    assert.equal(runs, 4, "and a retry does run while it is active (the test can fail)");
  });
});
