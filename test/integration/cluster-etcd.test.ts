/**
 * The cluster layer against a real etcd: sessions, member registration, the election and its
 * fence, votes bound to leases.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Etcd3 } from "etcd3";
import pino from "pino";
import { ChangeFeed } from "../../src/cluster/change-feed.js";
import { ClusterStore, ReplicaIdTakenError } from "../../src/cluster/cluster-store.js";
import { clusterKeys } from "../../src/cluster/keys.js";
import { Session } from "../../src/cluster/session.js";
import type { MemberRecord } from "../../src/domain/member-record.js";
import type { RecordedPass } from "../../src/leader/next-status.js";
import { StatusRecorder } from "../../src/leader/status-recorder.js";
import { bigVpc } from "../support/big-vpc.js";
import { EtcdCluster } from "../support/etcd-cluster.js";
import { waitFor } from "../support/wait.js";

function member(id: string): MemberRecord {
  return {
    id,
    zone: `az-${id}`,
    version: "test",
    startedAt: new Date().toISOString(),
    apiAddr: "127.0.0.1:1",
  };
}

describe("cluster layer on real etcd", () => {
  let etcd: EtcdCluster;
  let client: Etcd3;
  let counter = 0;
  const sessions: Session[] = [];
  const freshStore = () => new ClusterStore(client, clusterKeys(`/cluster-test-${++counter}`));
  const open = async (ttl = 2) => {
    const session = await Session.open(client, ttl);
    sessions.push(session);
    return session;
  };

  before(async () => {
    etcd = await EtcdCluster.start({ members: 1 });
    client = new Etcd3({ hosts: etcd.endpoints.map((e) => `http://${e}`) });
  });

  after(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    client?.close();
    await etcd?.destroy();
  });

  it("elects the oldest candidate; the next one leads as soon as the first resigns", async () => {
    const store = freshStore();
    const [a, b] = [await open(), await open()];
    const candidateA = await store.campaign(a, "a");
    const candidateB = await store.campaign(b, "b");
    let snapshot = await store.readSnapshot();
    assert.equal(snapshot.leader?.replicaId, "a");
    assert.equal(snapshot.leader?.createRevision, candidateA.createRevision);
    assert.equal(await store.holdsTerm(candidateA), true);

    // Campaigning again is idempotent: same key, same term.
    assert.deepEqual(await store.campaign(a, "a"), candidateA);

    await store.resign(candidateA);
    assert.equal(await store.holdsTerm(candidateA), false, "the old term is fenced off");
    snapshot = await store.readSnapshot();
    assert.equal(snapshot.leader?.replicaId, "b");
    assert.equal(snapshot.leader?.createRevision, candidateB.createRevision);
  });

  it("loses the member key, votes and leadership with the lease", async () => {
    const store = freshStore();
    const session = await open();
    await store.registerMember(session, member("a"));
    const candidate = await store.campaign(session, "a");
    await store.putVote(session, "a", { failed: ["198.18.0.10"], specRevision: "1" });
    let snapshot = await store.readSnapshot();
    assert.deepEqual([...snapshot.members.keys()], ["a"]);
    assert.deepEqual(snapshot.votes.get("a")?.failed, ["198.18.0.10"]);

    await session.close();
    snapshot = await store.readSnapshot();
    assert.equal(snapshot.members.size, 0);
    assert.equal(snapshot.votes.size, 0);
    assert.equal(snapshot.leader, undefined);
    assert.equal(await store.holdsTerm(candidate), false);
  });

  it("refuses a replica id held by another live lease, and accepts it again once that lease is gone", async () => {
    const store = freshStore();
    const first = await open();
    const second = await open();
    await store.registerMember(first, member("a"));
    await store.registerMember(first, member("a")); // re-registering under the same lease is fine
    await assert.rejects(store.registerMember(second, member("a")), ReplicaIdTakenError);
    await first.close();
    await store.registerMember(second, member("a"));
    const snapshot = await store.readSnapshot();
    assert.equal(snapshot.members.get("a")?.lease, second.leaseId);
  });

  it("writes the status only while the writer holds its term", async () => {
    const store = freshStore();
    const session = await open();
    const candidate = await store.campaign(session, "a");
    const status = { leaderId: "a", term: candidate.createRevision };
    const managed = { cidrs: ["10.0.0.0/8"] };
    assert.equal(await store.writeLeaderRecords(candidate, { status, managed }), true);
    await store.resign(candidate);
    assert.equal(await store.writeLeaderRecords(candidate, { managed: { cidrs: [] } }), false);
    const snapshot = await store.readSnapshot();
    assert.deepEqual(snapshot.managedCidrs, ["10.0.0.0/8"]);
    assert.equal(snapshot.status?.term, candidate.createRevision);
  });

  it("keeps the managed CIDRs and the last good spec of 1,000 routes × 50 tables (etcd's 1.5 MiB request limit)", async () => {
    const store = freshStore();
    const session = await open();
    const candidate = await store.campaign(session, "a");
    const { cidrs, tables, actions } = bigVpc(1000, 50);
    const spec = {
      spec: Object.fromEntries(cidrs.map((cidr) => [cidr, ["198.18.0.10", "198.18.0.11"]])),
      revision: "3",
    };
    const recorder = new StatusRecorder(candidate, store, pino({ level: "silent" }));
    const pass: RecordedPass = {
      plan: { actions, warnings: [] },
      tables,
      results: actions.map((action) => ({ action, ok: true, durationMs: 1 })),
      stoppedByFence: false,
    };
    await recorder.record({ spec }, pass, new Date().toISOString());
    const snapshot = await store.readSnapshot();
    assert.equal(snapshot.managedCidrs?.length, 1000, "the managed CIDRs were saved");
    assert.equal(Object.keys(snapshot.lastGoodSpec?.spec ?? {}).length, 1000, "the last good spec was saved");
    assert.equal(snapshot.status?.omitted?.routeTables, 50, "the status left the tables out, and says so");
  });

  it("keeps its validity bound ahead while keep-alives are acknowledged, and calls itself lost when etcd is gone", async () => {
    const single = await EtcdCluster.start({ members: 1 });
    const own = new Etcd3({
      hosts: single.endpoints.map((e) => `http://${e}`),
      defaultCallOptions: () => ({ deadline: Date.now() + 1000 }),
    });
    try {
      const session = await Session.open(own, 2);
      // The bound as an instant on the monotonic clock: it moves ahead with each acknowledged keep-alive.
      const bound = () => performance.now() + session.remainingMs();
      const firstBound = bound();
      await waitFor(() => bound() > firstBound + 100, {
        timeoutMs: 5000,
        message: "keep-alive not acknowledged",
      });
      let lostAt = 0;
      session.once("lost", () => {
        lostAt = Date.now();
      });
      const killedAt = Date.now();
      await single.stopMember(0);
      await waitFor(() => lostAt > 0, { timeoutMs: 6000, message: "session never reported lost" });
      // The loss is reported no later than TTL after the last acknowledged keep-alive (not 2 × TTL).
      assert.ok(lostAt - killedAt <= 2000 + 500, `lost after ${lostAt - killedAt} ms`);
      assert.ok(session.isLost);
      await session.close();
    } finally {
      own.close();
      await single.destroy();
    }
  });

  it("keeps one watcher while etcd is down, however long, and watches again once it is back", async () => {
    const single = await EtcdCluster.start({ members: 1 });
    const own = new Etcd3({
      hosts: single.endpoints.map((e) => `http://${e}`),
      defaultCallOptions: () => ({ deadline: Date.now() + 500 }),
    });
    const feed = new ChangeFeed(own, "/feed-test/", 20, 50);
    // etcd3 keeps every watcher it was asked for in its watch manager until it is cancelled.
    const attached = () =>
      (own as unknown as { watchManager: { watchers: unknown[] } }).watchManager.watchers.length;
    try {
      await single.stopMember(0);
      let notWatching = 0;
      let changes = 0;
      feed.on("watching", (watching: boolean) => {
        if (!watching) notWatching++;
      });
      feed.on("change", () => changes++);
      feed.start();
      // Twenty timed-out waits for the watch (each used to create one more watcher).
      await waitFor(() => notWatching >= 20, { timeoutMs: 10_000, message: "the feed did not retry" });
      assert.equal(attached(), 1, "one watcher, however many attempts");
      await single.startMember(0);
      await waitFor(() => changes > 0, { timeoutMs: 15_000, message: "no watch after etcd came back" });
      const before = changes;
      await own.put("/feed-test/x").value("1").exec();
      await waitFor(() => changes > before, { timeoutMs: 5000, message: "a put was not seen" });
      assert.equal(attached(), 1);
    } finally {
      await feed.stop();
      own.close();
      await single.destroy();
    }
  });
});
