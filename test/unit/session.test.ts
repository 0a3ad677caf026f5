/**
 * The session's local bound on its lease (docs/DESIGN.md, safety rule 2), driven through a fake
 * etcd3 lease: keep-alive replies matched conservatively, and both clocks counted.
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import type { Etcd3 } from "etcd3";
import { Session } from "../../src/cluster/session.js";
import { waitFor } from "../support/wait.js";

const TTL_S = 5;

/** An etcd3 `Lease` stand-in whose keep-alive events the test emits. */
class FakeLease extends EventEmitter {
  /** One-off keep-alives asked for, each answered when the test resolves it. */
  readonly probes: { resolve: () => void; reject: (error: Error) => void }[] = [];
  async grant(): Promise<string> {
    return "1234";
  }
  async revoke(): Promise<void> {}
  keepaliveOnce(): Promise<unknown> {
    return new Promise((resolve, reject) => this.probes.push({ resolve: () => resolve({}), reject }));
  }
}

async function openSession() {
  const clocks = { mono: 1_000, wall: 1_700_000_000_000 };
  const lease = new FakeLease();
  const client = { lease: () => lease } as unknown as Etcd3;
  const session = await Session.open(client, TTL_S, {
    monotonic: () => clocks.mono,
    wall: () => clocks.wall,
  });
  const advance = (ms: number) => {
    clocks.mono += ms;
    clocks.wall += ms;
  };
  return { session, lease, clocks, advance };
}

describe("Session", () => {
  it("extends its bound from the send time of each acknowledged keep-alive", async () => {
    const { session, lease, advance } = await openSession();
    assert.equal(session.remainingMs(), 5000);
    advance(1500);
    lease.emit("keepaliveFired");
    advance(100);
    lease.emit("keepaliveSucceeded");
    assert.equal(session.remainingMs(), 5000 - 100, "from the send time, not the reply's arrival");
    await session.close();
  });

  it("matches a late reply on a failed stream to the request it answers, not to the new stream's", async () => {
    const { session, lease, advance } = await openSession();
    lease.emit("keepaliveFired"); // request 1, old stream, sent at t=0
    advance(500);
    lease.emit("keepaliveFailed"); // the old stream half-closes…
    advance(1200);
    lease.emit("keepaliveFired"); // request 2, new stream, sent at t=1.7 s
    advance(300);
    lease.emit("keepaliveSucceeded"); // …and request 1's late reply arrives at t=2 s
    assert.equal(session.remainingMs(), 5000 - 2000, "bound from request 1's send time (t=0)");
    lease.emit("keepaliveSucceeded"); // request 2's own reply
    assert.equal(session.remainingMs(), 5000 - 300);
    await session.close();
  });

  it("drops requests older than the TTL: replies never match a request whose bound has passed", async () => {
    const { session, lease, advance } = await openSession();
    lease.emit("keepaliveFired"); // never answered
    advance(6000);
    lease.emit("keepaliveFired"); // sent at t=6 s
    advance(100);
    lease.emit("keepaliveSucceeded");
    assert.equal(session.remainingMs(), 5000 - 100);
    await session.close();
  });

  it("counts the wall clock too: after a host suspend (monotonic clock stopped) the bound has passed", async () => {
    const { session, clocks } = await openSession();
    clocks.wall += 60_000; // suspended for a minute: the monotonic clock did not move
    assert.ok(session.remainingMs() < 0);
    assert.equal(session.isLost, false, "a clock step alone pauses writes; it does not end the session");
    await session.close();
  });

  it("a wall clock stepped back changes nothing: the monotonic clock still bounds it", async () => {
    const { session, clocks, advance } = await openSession();
    clocks.wall -= 3_600_000;
    advance(1000);
    assert.equal(session.remainingMs(), 4000);
    await session.close();
  });

  it("when the stream fails, sends a keep-alive on a stream of its own at once; its reply extends the bound", async () => {
    const { session, lease, advance } = await openSession();
    lease.emit("keepaliveFired");
    advance(1000);
    lease.emit("keepaliveFailed", new Error("14 UNAVAILABLE: Connection dropped"));
    assert.equal(lease.probes.length, 1, "a probe went out at once");
    advance(200);
    lease.probes[0]?.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(session.remainingMs(), 5000 - 200, "bound from the probe's send time");
    await session.close();
  });

  it("sends further probes while keep-alives stay unanswered, a few at a time, until one is answered", async () => {
    const { session, lease, clocks } = await openSession();
    const later = (ms: number) => {
      clocks.mono += ms;
      clocks.wall += ms;
    };
    lease.emit("keepaliveFired"); // the stream's keep-alive: never answered
    later(400);
    await waitFor(() => lease.probes.length === 1, {
      timeoutMs: 2000,
      message: "no probe for a stalled keep-alive",
    });
    const failed = () => lease.emit("keepaliveFailed", new Error("14 UNAVAILABLE"));
    failed(); // too soon after the first probe
    assert.equal(lease.probes.length, 1, "probes are spaced");
    later(400);
    failed();
    later(400);
    failed();
    assert.equal(lease.probes.length, 3);
    later(400);
    failed();
    assert.equal(lease.probes.length, 3, "at most three in flight");
    lease.probes[2]?.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(session.remainingMs(), 5000 - 400, "the third probe's reply");
    await session.close();
  });
});
