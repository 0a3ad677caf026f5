/**
 * Quorum (docs/DESIGN.md, safety rule 1): one replica's partial view never moves a route. Here one of three
 * replicas probes a TCP port nothing listens on, so it sees every router failed; the two others
 * see them healthy.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const A = "10.55.16.0/24";

describe("a vote from only one replica", () => {
  let world: TestWorld;
  let r1: string;
  let r2: string;

  before(async () => {
    world = await TestWorld.create({ tag: "part", subnet: 214, etcdMembers: 1, routers: 2, routeTables: 2 });
    [r1, r2] = world.routers.routerIps as [string, string];
    // A full route recheck every 5 s: the leader reconciles with the partial view in mind.
    const recheck = ["--route-recheck-interval", "5"];
    await world.startReplica("part-a", "az-a", recheck);
    await world.startReplica("part-b", "az-b", recheck);
    await world.startReplica("part-c", "az-c", [...recheck, "--health", "tcp", "--tcp-check-port", "9"]);
    await world.putSpecAndWait({ [A]: [r1, r2] });
  });

  after(async () => {
    await world?.destroy();
  });

  it("never moves a route: the routers are only questionable", async () => {
    const partial = world.replicas[2];
    await waitFor(
      async () => {
        const votes = (await partial?.status())?.votes as Record<string, { failed: string[] }> | undefined;
        return votes?.["part-c"]?.failed.length === 2;
      },
      { timeoutMs: 15_000, message: () => `part-c never voted\n${world.tails()}` },
    );
    const leader = await world.leader();
    assert.ok(leader, "replicas agree on a leader");
    // The leader has seen the single vote and reconciled with it in mind.
    await waitFor(
      async () => {
        const status = await leader.status();
        const questionable = status?.questionableRouters as string[];
        return questionable.length === 2 && (status?.failedRouters as string[] | undefined)?.length === 0;
      },
      { timeoutMs: 10_000, message: "leader does not report the routers questionable" },
    );
    // A questionable router changes no decision, so it asks for no reconcile of its own: wait for
    // a full recheck that started after the leader saw the vote.
    const sawVoteAt = new Date().toISOString();
    await waitFor(
      async () => {
        const last = (await leader.status())?.lastReconcile as { reason: string; at: string } | null;
        return last?.reason === "route recheck" && last.at > sawVoteAt;
      },
      { timeoutMs: 15_000, message: "no route recheck after the vote" },
    );
    assert.deepEqual(
      world.mutatingCalls().map((c) => c.action),
      ["CreateRoute", "CreateRoute"],
      "only the initial routes were ever written",
    );
    assert.ok(world.allTablesRoute(A, r1));
  });
});
