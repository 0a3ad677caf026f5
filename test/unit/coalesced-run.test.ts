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

describe("CoalescedRun", () => {
  it("runs at once, and folds every request made during a run into exactly one more run", async () => {
    const { task, releaseNext, stats } = gatedTask();
    const run = new CoalescedRun(task, () => true);
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
    const run = new CoalescedRun(task, () => active);
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
    );
    await run.settled();
    run.request();
    await run.settled();
    run.request();
    await run.settled();
    assert.equal(runs, 2);
  });
});
