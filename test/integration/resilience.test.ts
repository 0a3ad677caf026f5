/**
 * The daemon under trouble: EC2 throttling during a failover, a route deleted by hand in the
 * console (level-triggered repair), and a frozen etcd (the leader stops writing within its lease).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const A = "10.55.16.0/24";
const TTL_SECONDS = 3;

describe("resilience", () => {
  let world: TestWorld;
  let r1: string;
  let r2: string;

  before(async () => {
    world = await TestWorld.create({ tag: "res", subnet: 215, etcdMembers: 1, routers: 2, routeTables: 2 });
    [r1, r2] = world.routers.routerIps as [string, string];
    const args = ["--route-recheck-interval", "5", "--election-ttl", String(TTL_SECONDS)];
    await world.startReplica("res-a", "az-a", args);
    await world.startReplica("res-b", "az-b", args);
    await world.putSpecAndWait({ [A]: [r1, r2] });
  });

  after(async () => {
    await world?.destroy();
  });

  it("completes a failover through EC2 throttling (RequestLimitExceeded, HTTP 503), retrying with backoff", async () => {
    const cursor = world.ec2.logCursor();
    world.ec2.throttleNext(3, "ReplaceRoute");
    await world.routers.linkDown(r1);
    try {
      await waitFor(() => world.allTablesRoute(A, r2), {
        timeoutMs: 30_000,
        message: () => `no failover\n${world.tails()}`,
      });
    } finally {
      await world.routers.linkUp(r1);
    }
    const replaces = world.mutatingCalls(cursor).map((c) => [c.action, c.status, c.errorCode]);
    assert.deepEqual(replaces.slice(0, 3), Array(3).fill(["ReplaceRoute", 503, "RequestLimitExceeded"]));
    assert.equal(replaces.filter(([, status]) => status === 200).length, 2, "one success per table");
  });

  it("recreates a route deleted by hand at the next route recheck", async () => {
    const table = world.ec2.routeTables()[1]?.routeTableId ?? "";
    world.ec2.mutate({ op: "delete-route", routeTableId: table, destinationCidrBlock: A });
    assert.equal(world.targets(A).get(table), undefined);
    await waitFor(() => world.allTablesRoute(A, r2), {
      timeoutMs: 15_000,
      message: () => `route not repaired\n${world.tails()}`,
    });
  });

  it("with etcd frozen, the leader gives up within its lease TTL and writes nothing; after the thaw it converges", async (t) => {
    const leader = await world.leader();
    assert.ok(leader, "a leader");
    const endedBefore = leader.logged("leadership ended").length;
    const cursor = world.ec2.logCursor();
    const frozenAt = Date.now();
    world.etcd.freeze(true);
    try {
      // An operator edit that the leader would repair, were it still allowed to write.
      const table = world.ec2.routeTables()[0]?.routeTableId ?? "";
      world.ec2.mutate({ op: "delete-route", routeTableId: table, destinationCidrBlock: A });
      await waitFor(() => leader.logged("leadership ended").length > endedBefore, {
        timeoutMs: TTL_SECONDS * 1000 + 5000,
        message: () => `leader never stepped down\n${leader.tail()}`,
      });
      const stepDownMs = Date.now() - frozenAt;
      t.diagnostic(`leader stepped down ${stepDownMs} ms after etcd froze (TTL ${TTL_SECONDS} s)`);
      assert.ok(stepDownMs <= TTL_SECONDS * 1000 + 1000, `stepped down after ${stepDownMs} ms`);
      assert.deepEqual(world.mutatingCalls(cursor), [], "no EC2 write while etcd was frozen");
    } finally {
      world.etcd.freeze(false);
    }
    await waitFor(() => world.allTablesRoute(A, r2), {
      timeoutMs: 30_000,
      message: () => `did not converge after the thaw\n${world.tails()}`,
    });
    const writers = new Set(world.mutatingCalls(cursor).map((c) => c.accessKeyId));
    assert.equal(writers.size, 1, "one leader repaired the route");
  });
});
