/** Stalls of the event loop, as the leader's fence sees them. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventLoopWatch } from "../../src/lib/event-loop-watch.js";
import { waitFor } from "../support/wait.js";

function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until); // a stall: no timer runs meanwhile
}

describe("EventLoopWatch", () => {
  it("sees a stall at once, before its own timer has run, and counts it once", async () => {
    const watch = new EventLoopWatch(100, 10);
    watch.start();
    try {
      assert.equal(watch.gapCount(), 0);
      block(250);
      assert.equal(watch.gapCount(), 1, "in progress: seen synchronously");
      assert.ok(watch.stalledNowMs() >= 100);
      await waitFor(() => watch.stalledNowMs() === 0, { timeoutMs: 2000, message: "the watch never ticked" });
      assert.equal(watch.gapCount(), 1, "the tick that ended it counts the same gap");
    } finally {
      watch.stop();
    }
  });

  it("does not count a late tick under the threshold", async () => {
    const watch = new EventLoopWatch(500, 10);
    watch.start();
    try {
      block(100);
      await waitFor(() => watch.stalledNowMs() === 0, { timeoutMs: 2000 });
      assert.equal(watch.gapCount(), 0);
    } finally {
      watch.stop();
    }
  });
});
