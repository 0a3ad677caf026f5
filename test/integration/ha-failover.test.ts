/**
 * Three replicas on a 3-member etcd, three routers, three route tables: quorum-confirmed
 * failover by the leader alone, leader loss by SIGKILL (take-over after the lease TTL) and by
 * SIGTERM (immediate hand-over).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ReplicaProcess } from "../support/replica-process.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const TTL_SECONDS = 4;
const A = "10.55.16.0/24";
const B = "10.66.17.0/24";

describe("three replicas", () => {
  let world: TestWorld;
  let r1: string;
  let r2: string;
  let r3: string;

  before(async () => {
    world = await TestWorld.create({ tag: "ha", subnet: 212, etcdMembers: 3, routers: 3, routeTables: 3 });
    [r1, r2, r3] = world.routers.routerIps as [string, string, string];
    for (const [id, zone] of [
      ["rep-a", "az-a"],
      ["rep-b", "az-b"],
      ["rep-c", "az-c"],
    ]) {
      await world.startReplica(id as string, zone as string, ["--election-ttl", String(TTL_SECONDS)]);
    }
    await world.putSpecAndWait({ [A]: [r1, r2, r3], [B]: [r1, r3] });
  });

  after(async () => {
    await world?.destroy();
  });

  it("moves every route off a failed router in every table, one ReplaceRoute each, made by the leader only", async () => {
    const leader = await world.agreedLeader();
    const failoverCount = async () => {
      const text = await (await fetch(`${leader.apiUrl}/metrics`)).text();
      const count = /^vpcrouter_failover_duration_seconds_count (\d+)$/m.exec(text)?.[1];
      const sum = /^vpcrouter_failover_duration_seconds_sum ([\d.e+-]+)$/m.exec(text)?.[1];
      return { count: Number(count ?? 0), sum: Number(sum ?? 0), text };
    };
    const before = await failoverCount();
    const cursor = world.ec2.logCursor();
    await world.routers.linkDown(r1);
    await waitFor(() => world.allTablesRoute(A, r2) && world.allTablesRoute(B, r3), {
      timeoutMs: 20_000,
      message: () => `failover did not happen\n${world.tails()}`,
    });
    const replaces = world.mutatingCalls(cursor);
    assert.equal(
      replaces.length,
      6,
      `one ReplaceRoute per (CIDR, table): ${JSON.stringify(replaces.map((c) => c.action))}`,
    );
    assert.ok(replaces.every((c) => c.action === "ReplaceRoute"));
    const signers = new Set(world.mutatingCalls().map((c) => c.accessKeyId));
    assert.deepEqual([...signers], [leader.id], "no replica but the leader made a mutating call");
    // The leader's metrics: one failover more (one failed router), with a plausible duration. It is
    // recorded when the pass ends (after its verifying read), a moment after the routes moved.
    let after = before;
    await waitFor(
      async () => {
        after = await failoverCount();
        return after.count > before.count;
      },
      { timeoutMs: 10_000, message: "vpcrouter_failover_duration_seconds not recorded" },
    );
    assert.equal(after.count, before.count + 1, `failover count: ${after.count}`);
    const seconds = after.sum - before.sum;
    assert.ok(seconds > 0 && seconds < 10, `failover duration ${seconds} s`);
    // The leader's own probes: the other two replicas may have made the quorum before it saw the
    // failure itself (fast re-checks make detection a race between the zones).
    const routerDown = new RegExp(`^vpcrouter_router_up\\{router="${r1.replaceAll(".", "\\.")}"\\} 0$`, "m");
    await waitFor(async () => routerDown.test((await failoverCount()).text), {
      timeoutMs: 10_000,
      message: "the leader's vpcrouter_router_up never showed the router down",
    });
    // The load balancer checks: GET /leader answers 200 on the leader alone, /replica on the others.
    for (const replica of world.replicas) {
      const isLeader = replica.id === leader.id;
      assert.equal((await fetch(`${replica.apiUrl}/leader`)).status, isLeader ? 200 : 503, replica.id);
      assert.equal((await fetch(`${replica.apiUrl}/replica`)).status, isLeader ? 503 : 200, replica.id);
    }

    // Every replica sees the quorum-confirmed failure, and the quorum it applies: 2 of 3.
    for (const replica of world.replicas) {
      assert.equal((await replica.status())?.quorum, 2, `${replica.id} shows the quorum size`);
      await waitFor(
        async () => ((await replica.status())?.failedRouters as string[] | undefined)?.includes(r1) ?? false,
        {
          timeoutMs: 10_000,
          message: `${replica.id} does not report ${r1} failed`,
        },
      );
    }
  });

  it("does not fail back when the router recovers", async () => {
    const cursor = world.ec2.logCursor();
    const leader = await world.agreedLeader();
    const reconciledAt = async () =>
      ((await leader.status())?.lastReconcile as { at: string } | null)?.at ?? "";
    const before = await reconciledAt();
    await world.routers.linkUp(r1);
    await waitFor(
      async () => ((await leader.status())?.failedRouters as string[] | undefined)?.length === 0,
      {
        timeoutMs: 20_000,
        message: "recovered router still reported failed",
      },
    );
    // The leader has reconciled after the recovery (failures changed) and moved nothing.
    await waitFor(
      async () => {
        const last = (await leader.status())?.lastReconcile as { reason: string; at: string } | null;
        return last !== null && last.at > before && last.reason === "failures changed";
      },
      { timeoutMs: 10_000, message: "no reconcile after recovery" },
    );
    assert.equal(world.mutatingCalls(cursor).length, 0);
    assert.ok(world.allTablesRoute(A, r2) && world.allTablesRoute(B, r3));
  });

  it("after the leader is killed with SIGKILL, another replica leads within TTL + margin and handles the next failure", async (t) => {
    const old = await world.agreedLeader();
    const killedAt = Date.now();
    await old.kill("SIGKILL");
    let next: ReplicaProcess | undefined;
    await waitFor(
      async () => {
        next = await world.leader();
        return next !== undefined && next.id !== old.id;
      },
      { timeoutMs: TTL_SECONDS * 1000 + 10_000, message: () => `no new leader\n${world.tails()}` },
    );
    const takeoverMs = Date.now() - killedAt;
    t.diagnostic(`SIGKILL take-over: ${takeoverMs} ms (TTL ${TTL_SECONDS} s)`);
    assert.ok(takeoverMs <= TTL_SECONDS * 1000 + 3000, `take-over took ${takeoverMs} ms`);

    const cursor = world.ec2.logCursor();
    await world.routers.linkDown(r2);
    await waitFor(() => world.allTablesRoute(A, r1) || world.allTablesRoute(A, r3), {
      timeoutMs: 20_000,
      message: () => `second failover did not happen\n${world.tails()}`,
    });
    const signers = new Set(world.mutatingCalls(cursor).map((c) => c.accessKeyId));
    assert.deepEqual([...signers], [next?.id]);
  });

  it("after SIGTERM the leader resigns at once: the hand-over does not wait for the TTL", async (t) => {
    const old = await world.agreedLeader();
    const stoppedAt = Date.now();
    await old.kill("SIGTERM");
    assert.equal(old.code, 0, "graceful stop exits 0");
    let next: ReplicaProcess | undefined;
    await waitFor(
      async () => {
        next = await world.leader();
        return next !== undefined && next.id !== old.id;
      },
      { timeoutMs: TTL_SECONDS * 1000, message: () => `no hand-over within the TTL\n${world.tails()}` },
    );
    const handoverMs = Date.now() - stoppedAt;
    t.diagnostic(`SIGTERM hand-over: ${handoverMs} ms (TTL ${TTL_SECONDS} s)`);
    assert.ok(handoverMs < (TTL_SECONDS * 1000) / 2, `hand-over took ${handoverMs} ms`);
  });
});
