/**
 * Fault: an etcd rolling restart (each of 3 members killed and restarted in turn, each kept down
 * for a lease TTL, 3 rounds) with 3 replicas and nothing else happening: the vpcrouter leader rides
 * through it on the other members and keeps its term; no route changes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { holdFault } from "../support/fault-clock.js";
import { recordScenario, trialsOf } from "../support/fault-report.js";
import { TestWorld } from "../support/test-world.js";

const TTL_SECONDS = 3;
const ROUNDS = trialsOf(1, 3);
const X = "10.55.16.0/24";

describe("an etcd rolling restart", () => {
  let world: TestWorld;

  before(async () => {
    world = await TestWorld.create({ tag: "froll", subnet: 231, etcdMembers: 3, routers: 2, routeTables: 2 });
    const [r1, r2] = world.routers.routerIps as [string, string];
    for (const id of ["rep-a", "rep-b", "rep-c"])
      await world.startReplica(id, `az-${id.slice(-1)}`, [
        "--election-ttl",
        String(TTL_SECONDS),
        ...(process.env.VPCROUTER_FAULT_DEBUG ? ["--log-level", "debug"] : []),
      ]);
    await world.putSpecAndWait({ [X]: [r1, r2] });
  });

  after(async () => {
    await world?.destroy();
  });

  it(`keeps one vpcrouter leader term through ${ROUNDS} round(s) of member restarts, and changes no route`, async () => {
    await world.agreedLeader();
    const terms = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const replica of world.replicas) {
          const term = ((await replica.status().catch(() => undefined))?.leader as { term?: string } | null)
            ?.term;
          if (term !== undefined) terms.add(term);
        }
        await holdFault(50); // the sampling period of the observer, not a wait for an outcome
      }
    })();
    const cursor = world.ec2.logCursor();
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (let member = 0; member < 3; member++) {
          await world.etcd.stopMember(member);
          await holdFault(TTL_SECONDS * 1000);
          await world.etcd.startMember(member);
        }
      }
    } finally {
      watching = false;
      await watcher;
    }
    const moves = world.mutatingCalls(cursor);
    recordScenario({
      id: "etcd-rolling-restart",
      title: "A rolling restart of etcd (3 members, each killed and restarted in turn)",
      injection: `SIGKILL of each etcd member in turn, kept down one lease TTL (${TTL_SECONDS} s), restarted; ${ROUNDS} round(s)`,
      trials: ROUNDS,
      checks: ["one vpcrouter leader term throughout", "no route change"],
      passed: terms.size === 1 && moves.length === 0,
      figures: [
        { name: "vpcrouter leader terms seen", value: terms.size, unit: "count" },
        { name: "route changes", value: moves.length, unit: "count" },
      ],
    });
    assert.equal(terms.size, 1, `leader terms seen: ${[...terms].join(", ")}\n${world.tails()}`);
    assert.deepEqual(world.mutatingCalls(cursor), [], "no route changed");
  });
});
