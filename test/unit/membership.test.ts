/**
 * A replica's membership (session loop): joining, and leaving on stop without joining again while
 * leadership is still being handed over.
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import pino from "pino";
import type { ClusterStore } from "../../src/cluster/cluster-store.js";
import type { Session } from "../../src/cluster/session.js";
import type { Candidate } from "../../src/cluster/snapshot.js";
import { Membership } from "../../src/replica/membership.js";
import { waitFor } from "../support/wait.js";

const member = {
  id: "a",
  zone: "z",
  version: "0",
  startedAt: "2026-01-01T00:00:00Z",
  apiAddr: "127.0.0.1:1",
};

/** A session that is never lost; `closed` says whether its lease was revoked. */
class FakeSession extends EventEmitter {
  readonly leaseId = "1";
  readonly leaseIdHex = "1";
  readonly isLost = false;
  closed = false;
  async close(): Promise<void> {
    this.closed = true;
  }
}

function setUp() {
  const session = new FakeSession();
  let releaseRegister: () => void = () => undefined;
  const registering = new Promise<void>((resolve) => {
    releaseRegister = resolve;
  });
  const calls: string[] = [];
  const store = {
    registerMember: async () => {
      calls.push("register");
      await registering;
    },
    campaign: async (): Promise<Candidate> => {
      calls.push("campaign");
      return { key: "/t/election/1", replicaId: "a", createRevision: "5", lease: "1" };
    },
  } as unknown as ClusterStore;
  const events: string[] = [];
  const membership = new Membership({
    openSession: async () => session as unknown as Session,
    store,
    member,
    ttlSeconds: 5,
    retryMs: 10,
    logger: pino({ level: "silent" }),
    hooks: {
      joined: () => events.push("joined"),
      leaving: async (stopping) => {
        events.push(`leaving(${stopping})`);
      },
      left: () => events.push("left"),
    },
  });
  return { session, membership, calls, events, releaseRegister };
}

describe("Membership", () => {
  it("joins: registers the member key, campaigns, and says so", async () => {
    const { membership, calls, events, releaseRegister } = setUp();
    membership.start();
    releaseRegister();
    await waitFor(() => events.includes("joined"), { timeoutMs: 2000, message: "never joined" });
    assert.deepEqual(calls, ["register", "campaign"]);
    assert.equal(membership.candidate?.createRevision, "5");
    await membership.stop();
    assert.deepEqual(events, ["joined", "leaving(true)", "left"]);
  });

  it("once stopping begins, a registration in flight goes no further: no campaign, no join", async () => {
    const { session, membership, calls, events, releaseRegister } = setUp();
    membership.start();
    await waitFor(() => calls.includes("register"), { timeoutMs: 2000, message: "never registered" });
    membership.beginStop(); // the replica is ending its leadership; the lease must stay until then
    releaseRegister();
    await waitFor(() => events.includes("left"), { timeoutMs: 2000, message: "the loop did not leave" });
    assert.deepEqual(calls, ["register"], "no campaign once stopping");
    assert.equal(events.includes("joined"), false);
    assert.deepEqual(events, ["leaving(true)", "left"]);
    await membership.stop();
    assert.equal(session.closed, true, "the lease is revoked on the way out");
  });
});
