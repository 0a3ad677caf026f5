/**
 * Faults of the routers themselves: one flapping faster than fall/rise (no failover, no ping-pong),
 * and every router of a CIDR down (the route keeps its target: never blackhole).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { holdFault } from "../support/fault-clock.js";
import { recordScenario } from "../support/fault-report.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const X = "10.59.16.0/24";
const SUBNET = 236;
const run = promisify(execFile);

describe("router faults", () => {
  let world: TestWorld;
  let r1: string;
  let r2: string;

  before(async () => {
    world = await TestWorld.create({
      tag: "frouter",
      subnet: 236,
      etcdMembers: 1,
      routers: 2,
      routeTables: 2,
    });
    [r1, r2] = world.routers.routerIps as [string, string];
    // Probes every 200 ms, fall 5, rise 3: a silence of 150 ms misses at most 2 probes, and fall 5
    // leaves room for a loaded machine's late `ip` commands and timers.
    for (const id of ["rep-a", "rep-b", "rep-c"])
      await world.startReplica(id, `az-${id.slice(-1)}`, ["--fall", "5"]);
    await world.putSpecAndWait({ [X]: [r1, r2] });
  });

  after(async () => {
    await world?.destroy();
  });

  it("a router flapping faster than fall/rise moves nothing", async () => {
    const cursor = world.ec2.logCursor();
    // The router stops answering for 150 ms (at most 2 missed probes of 200 ms; fall is 5), then
    // answers for 450 ms, for 8 s: its replies to the replicas (on the bridge address) are dropped
    // by a blackhole route inside its namespace. (Taking the link down instead also disturbs
    // neighbour discovery for a second after each flap, which is another fault.)
    const netns = world.routers.netnsOf(r1);
    const bridge = `198.18.${SUBNET}.1/32`;
    for (let flap = 0; flap < 13; flap++) {
      await run("ip", ["-n", netns, "route", "add", "blackhole", bridge]);
      await holdFault(150);
      await run("ip", ["-n", netns, "route", "del", "blackhole", bridge]);
      await holdFault(450);
    }
    const moves = world.mutatingCalls(cursor);
    recordScenario({
      id: "router-flapping",
      title: "A router flapping faster than fall/rise",
      injection:
        "router R1 silent (its replies dropped) 150 ms, answering 450 ms, 13 times (probes every 200 ms, fall 5, rise 3)",
      trials: 1,
      checks: ["no route change (no failover, no ping-pong)"],
      passed: moves.length === 0,
      figures: [{ name: "route changes", value: moves.length, unit: "count" }],
    });
    assert.deepEqual(moves, [], `a flapping router moved a route\n${world.tails()}`);
  });

  it("with every router of a CIDR down the route keeps its target, and the status says why", async () => {
    const before = world.targets(X);
    const [inUse, standby] = world.allTablesRoute(X, r1) ? [r1, r2] : [r2, r1];
    // The standby fails first (no move: nothing uses it), then the router in use: none is left.
    await world.routers.linkDown(standby);
    try {
      const leader = await world.agreedLeader();
      await waitFor(
        async () =>
          ((await leader.status())?.failedRouters as string[] | undefined)?.includes(standby) ?? false,
        {
          timeoutMs: 20_000,
          message: "the standby's failure was not confirmed",
        },
      );
      const cursor = world.ec2.logCursor();
      await world.routers.linkDown(inUse);
      await waitFor(
        async () =>
          ((await leader.status())?.planWarnings as string[] | undefined)?.some((w) =>
            w.includes("every router"),
          ) ?? false,
        { timeoutMs: 20_000, message: () => `no warning about every router failing\n${world.tails()}` },
      );
      const moves = world.mutatingCalls(cursor);
      recordScenario({
        id: "every-router-down",
        title: "Every router of a CIDR down",
        injection: "the standby router's link down, then the link of the router in use",
        trials: 1,
        checks: ["the route keeps its target (never blackhole)", "the leader's status warns"],
        passed: moves.length === 0,
        figures: [{ name: "route changes", value: moves.length, unit: "count" }],
      });
      assert.deepEqual(moves, []);
      assert.deepEqual(world.targets(X), before, "every route kept its target");
    } finally {
      await world.routers.linkUp(inUse);
      await world.routers.linkUp(standby);
    }
  });
});
