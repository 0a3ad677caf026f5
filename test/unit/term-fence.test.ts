/**
 * The leader's term fence (docs/DESIGN.md, safety rule 2): the etcd term check before a batch, the
 * local lease deadline before every attempt, and end() waiting for the batch in flight.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Candidate } from "../../src/cluster/snapshot.js";
import { TermFence } from "../../src/leader/term-fence.js";

const candidate: Candidate = { key: "/t/election/1", replicaId: "a", createRevision: "7", lease: "1" };

/** A fence on a clock the test moves; the lease is valid until `validUntil` on that clock. */
function setUp(opts: { holdsTerm?: (advance: (ms: number) => void) => boolean; validUntil?: number } = {}) {
  let now = 10_000;
  const advance = (ms: number) => {
    now += ms;
  };
  const session = { isLost: false, remainingMs: () => (opts.validUntil ?? 20_000) - now };
  let checks = 0;
  const store = {
    holdsTerm: async (c: Candidate) => {
      checks++;
      assert.equal(c, candidate, "the check compares this term's election key");
      return opts.holdsTerm?.(advance) ?? true;
    },
  };
  const fence = new TermFence(candidate, session, store, 1000);
  return {
    fence,
    session,
    checks: () => checks,
    advance,
  };
}

describe("TermFence", () => {
  it("names its term after the election key's create revision", () => {
    assert.equal(setUp().fence.term, "7");
  });

  it("allows mutations until the lease deadline minus the safety margin, on the session's clock", async () => {
    const { fence, advance } = setUp({ validUntil: 20_000 });
    assert.equal(fence.mayMutate(), true);
    assert.equal(fence.remainingMs(), 9000);
    advance(8999);
    assert.equal(fence.mayMutate(), true);
    advance(1);
    assert.equal(fence.mayMutate(), false, "19 000 = 20 000 − 1 000 margin: the deadline");
    assert.equal(await fence.guard.mayMutate(), false);
    assert.equal(fence.guard.mayMutateNow?.(), false);
    assert.equal(fence.guard.remainingMs?.(), 0);
  });

  it("refuses everything once the session is lost", () => {
    const { fence, session } = setUp();
    session.isLost = true;
    assert.equal(fence.mayMutate(), false);
  });

  it("confirms a batch only when etcd says the term holds, and checks the deadline around the transaction", async () => {
    const verdict = async (world: ReturnType<typeof setUp>) => (await world.fence.confirm()).verdict;
    assert.equal(await verdict(setUp()), "holds");
    assert.equal(await verdict(setUp({ holdsTerm: () => false })), "term gone");
    const failing = setUp({
      holdsTerm: () => {
        throw new Error("etcd unavailable");
      },
    });
    const unconfirmed = await failing.fence.confirm();
    assert.equal(
      unconfirmed.verdict,
      "term unconfirmed",
      "an etcd error is no proof of the term, nor of its loss",
    );
    assert.match(String(unconfirmed.error), /etcd unavailable/);
    const late = setUp({ validUntil: 10_500 });
    assert.equal(await verdict(late), "deadline passed");
    assert.equal(late.checks(), 0, "no etcd call once the deadline has passed");
    const slow = setUp({
      holdsTerm: (advance) => {
        advance(9500); // the transaction took longer than the time that was left
        return true;
      },
    });
    assert.equal(await verdict(slow), "deadline passed");
  });

  it("end() refuses every later attempt and waits for the batch in flight", async () => {
    const { fence } = setUp();
    let release: () => void = () => undefined;
    let sawGuard = true;
    const batch = fence.mutate(async (guard) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      sawGuard = guard.mayMutate() === true;
      return "applied";
    });
    let ended = false;
    const ending = fence.end().then(() => {
      ended = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ended, false, "end() waits for the batch in flight");
    assert.equal(fence.isEnded, true);
    release();
    assert.equal(await batch, "applied");
    await ending;
    assert.equal(sawGuard, false, "the guard refused once the term was ending");
    assert.equal(fence.mayMutate(), false);
  });

  it("after a stall of the event loop, checks the term in etcd again before the next attempt", async () => {
    let gaps = 0;
    let checks = 0;
    const now = 10_000;
    const fence = new TermFence(
      candidate,
      { isLost: false, remainingMs: () => 20_000 - now },
      {
        holdsTerm: async () => {
          checks++;
          return true;
        },
      },
      1000,
      { gapCount: () => gaps },
    );
    assert.equal(await fence.guard.mayMutate(), true);
    assert.equal(checks, 0, "no stall: the local deadline suffices");
    gaps = 1; // the process was stopped for a while
    assert.equal(fence.guard.mayMutateNow?.(), false, "nothing leaves before the term is confirmed again");
    assert.equal(await fence.guard.mayMutate(), true);
    assert.equal(checks, 1, "the term was checked in etcd");
    assert.equal(fence.guard.mayMutateNow?.(), true);
  });

  it("refuses after a stall when etcd says the term is gone", async () => {
    let gaps = 0;
    let holds = true;
    const fence = new TermFence(
      candidate,
      { isLost: false, remainingMs: () => 10_000 },
      { holdsTerm: async () => holds },
      1000,
      { gapCount: () => gaps },
    );
    gaps = 1;
    holds = false; // during the stall, the term went to another replica
    assert.equal(await fence.guard.mayMutate(), false);
    assert.equal(fence.guard.mayMutateNow?.(), false);
  });
});
