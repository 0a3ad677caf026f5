/**
 * Faults: partitions, with each replica in a zone (network namespace) of its own. A minority that
 * loses a router moves nothing and shows it questionable; a quorum that loses it moves the route; a
 * leader cut off from etcd (but not from EC2 or the routers) stops writing within its lease and
 * another replica takes over.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { recordScenario } from "../support/fault-report.js";
import type { ReplicaProcess } from "../support/replica-process.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";
import { Zones } from "../support/zones.js";

const TTL_SECONDS = 3;
const X = "10.55.16.0/24";

describe("partitions between zones", () => {
  let world: TestWorld;
  let zones: Zones;
  let r1: string;
  let r2: string;

  before(async () => {
    world = await TestWorld.create({
      tag: "fpart",
      subnet: 232,
      etcdMembers: 1,
      routers: 3,
      routeTables: 2,
      zones: 3,
    });
    zones = world.zones as Zones;
    [r1, r2] = world.routers.routerIps as [string, string];
    for (const id of ["rep-a", "rep-b", "rep-c"])
      await world.startReplica(id, `az-${id.slice(-1)}`, [
        "--election-ttl",
        String(TTL_SECONDS),
        "--route-recheck-interval",
        "5",
      ]);
    await world.putSpecAndWait({ [X]: [r1, r2] });
  });

  after(async () => {
    await world?.destroy();
  });

  const statusOf = async (replica: ReplicaProcess) => (await replica.status()) ?? {};
  const list = (value: unknown) => (Array.isArray(value) ? (value as string[]) : []);

  it("a minority that loses a router moves nothing and every replica shows it questionable", async () => {
    const cursor = world.ec2.logCursor();
    await zones.cut(0, r1);
    try {
      for (const replica of world.replicas) {
        await waitFor(async () => list((await statusOf(replica)).questionableRouters).includes(r1), {
          timeoutMs: 15_000,
          message: () => `${replica.id} does not show ${r1} questionable\n${world.tails()}`,
        });
      }
      // A full route recheck after that: the leader reconciled with the minority's view and moved nothing.
      const leader = await world.agreedLeader();
      const seenAt = new Date().toISOString();
      await waitFor(
        async () => {
          const last = (await statusOf(leader)).lastReconcile as { at?: string; reason?: string } | null;
          return last?.reason === "route recheck" && (last.at ?? "") > seenAt;
        },
        { timeoutMs: 15_000, message: "no route recheck after the partition" },
      );
      const falseFailovers = world.mutatingCalls(cursor);
      recordScenario({
        id: "partition-minority",
        title: "A minority of replicas loses its path to a router",
        injection: "an unreachable route to router R1 inside one replica's zone (3 replicas, 3 zones)",
        trials: 1,
        checks: ["no EC2 mutation, through a full route recheck", "every replica shows R1 questionable"],
        passed: falseFailovers.length === 0,
        figures: [{ name: "false failovers", value: falseFailovers.length, unit: "count" }],
      });
      assert.deepEqual(falseFailovers, [], "one replica's partial view moved a route");
      assert.ok(world.allTablesRoute(X, r1));
    } finally {
      await zones.restore(0, r1);
    }
    for (const replica of world.replicas) {
      await waitFor(async () => list((await statusOf(replica)).questionableRouters).length === 0, {
        timeoutMs: 15_000,
        message: `${replica.id} still shows a questionable router`,
      });
    }
  });

  it("a quorum that loses a router moves its routes, to the next router only", async () => {
    const cursor = world.ec2.logCursor();
    await zones.cut(0, r1);
    await zones.cut(1, r1);
    try {
      await waitFor(() => world.allTablesRoute(X, r2), {
        timeoutMs: 20_000,
        message: () => `the quorum's view did not move the route\n${world.tails()}`,
      });
      const eniR2 = world.eniOf(r2);
      assert.ok(world.mutatingCalls(cursor).every((call) => call.params.NetworkInterfaceId === eniR2));
    } finally {
      await zones.restore(0, r1);
      await zones.restore(1, r1);
    }
  });

  it("a leader cut off from etcd stops writing within its lease; another replica leads and fails over", async () => {
    const leader = await world.agreedLeader();
    const zoneOfLeader = world.replicas.indexOf(leader);
    const cutAt = Date.now();
    await zones.cut(zoneOfLeader, Zones.etcdHost(zones.subnet));
    try {
      let next: ReplicaProcess | undefined;
      await waitFor(
        async () => {
          next = await leaderAmong(world.replicas.filter((r) => r !== leader));
          return next !== undefined;
        },
        { timeoutMs: 20_000, message: () => `no new leader\n${world.tails()}` },
      );
      const takeoverMs = Date.now() - cutAt;
      // A failure now is handled by the new leader alone.
      const cursor = world.ec2.logCursor();
      await world.routers.linkDown(r2);
      await waitFor(() => world.allTablesRoute(X, r1), {
        timeoutMs: 20_000,
        message: () => `the new leader did not fail over\n${world.tails()}`,
      });
      const signers = new Set(world.mutatingCalls(cursor).map((call) => call.accessKeyId));
      const stale = world
        .mutatingCalls()
        .filter(
          (call) => call.accessKeyId === leader.id && Date.parse(call.time) > cutAt + TTL_SECONDS * 1000,
        );
      recordScenario({
        id: "partition-leader-from-etcd",
        title: "The leader is cut off from etcd, not from EC2 nor the routers",
        injection: "an unreachable route to etcd's address inside the leader's zone",
        trials: 1,
        checks: [
          "no mutation by the old leader later than one lease TTL after the cut",
          "another replica leads and fails the next router over alone",
        ],
        passed: stale.length === 0 && signers.size === 1 && !signers.has(leader.id),
        figures: [
          { name: "take-over after the cut", value: takeoverMs, unit: "ms" },
          { name: "stale mutations", value: stale.length, unit: "count" },
        ],
      });
      assert.deepEqual(stale, [], "the cut-off leader wrote after its lease");
      assert.deepEqual([...signers], [next?.id]);
    } finally {
      await zones.restore(zoneOfLeader, Zones.etcdHost(zones.subnet));
      await world.routers.linkUp(r2);
    }
    await waitFor(async () => (await statusOf(leader)).ready === true, {
      timeoutMs: 20_000,
      message: "the cut-off replica did not rejoin",
    });
  });
});

/** The replica among `replicas` that they all agree leads, if any. */
async function leaderAmong(replicas: readonly ReplicaProcess[]): Promise<ReplicaProcess | undefined> {
  const statuses = await Promise.all(replicas.map((r) => r.status()));
  const ids = new Set(statuses.map((s) => (s?.leader as { id?: string } | null)?.id));
  if (ids.size !== 1) return undefined;
  const [id] = ids;
  return replicas.find((r) => r.id === id);
}
