/**
 * Fault: the leader is frozen (SIGSTOP) beyond its lease TTL at a random moment of a failover
 * batch, then thawed. The old leader sends no EC2 mutation after the freeze ends (its deadline
 * passed: the fence is checked again right before any request leaves), another replica completes
 * the failover, and no route is ever pointed at the failed router.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PACED_BATCH, startFailover } from "../support/failover-batch.js";
import { holdFault } from "../support/fault-clock.js";
import { recordScenario, spread, trialsOf } from "../support/fault-report.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const TTL_SECONDS = 3;
const CIDRS = Array.from({ length: 10 }, (_, i) => `10.56.${i}.0/24`);
const TRIALS = trialsOf(2, 100);

describe("a leader frozen beyond its lease in the middle of a failover", () => {
  let world: TestWorld;
  let routers: [string, string];

  before(async () => {
    world = await TestWorld.create({
      tag: "ffreeze",
      subnet: 233,
      etcdMembers: 1,
      routers: 2,
      routeTables: 3,
    });
    routers = world.routers.routerIps as [string, string];
    for (const id of ["rep-a", "rep-b", "rep-c"])
      await world.startReplica(id, `az-${id.slice(-1)}`, ["--election-ttl", String(TTL_SECONDS)], {
        env: PACED_BATCH,
      });
    await world.putSpecAndWait(Object.fromEntries(CIDRS.map((cidr) => [cidr, routers])));
    // 30 ReplaceRoutes of 40 ms each, paced at 25 per second: a batch of about 1.2 s to freeze the leader in.
    world.ec2.setFaults({ latencyMs: { ReplaceRoute: 40 } });
  });

  after(async () => {
    await world?.destroy();
  });

  it(`sends nothing after the freeze ends, over ${TRIALS} trial(s), and completes the failover through another leader`, async () => {
    const gaps: number[] = [];
    let staleMutations = 0;
    let toFailedRouter = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      // Each trial fails the router the routes point at now; the other one takes them.
      const { leader, from, to, cursor } = await startFailover(world, CIDRS[0] ?? "", routers);
      await holdFault(Math.floor(Math.random() * 1200)); // a random moment of the batch
      const frozenAt = Date.now();
      leader.freeze(true);
      await holdFault(TTL_SECONDS * 1000 + 1000); // beyond the lease TTL
      const thawedAt = Date.now();
      leader.freeze(false);
      await waitFor(() => CIDRS.every((cidr) => world.allTablesRoute(cidr, to)), {
        timeoutMs: 30_000,
        message: () => `the failover did not complete\n${world.tails()}`,
      });
      const calls = world.mutatingCalls(cursor);
      const firstByOther = calls.find((call) => call.accessKeyId !== leader.id);
      if (firstByOther) gaps.push(Date.parse(firstByOther.time) - frozenAt);
      staleMutations += calls.filter(
        (call) => call.accessKeyId === leader.id && Date.parse(call.time) >= thawedAt,
      ).length;
      toFailedRouter += calls.filter((call) => call.params.NetworkInterfaceId === world.eniOf(from)).length;
      await world.routers.linkUp(from);
      await waitFor(async () => (await leader.status())?.ready === true, {
        timeoutMs: 20_000,
        message: `${leader.id} did not come back after the thaw`,
      });
    }
    const gap = spread(gaps);
    recordScenario({
      id: "leader-freeze",
      title: "The leader frozen (SIGSTOP) beyond its lease TTL in the middle of a failover batch",
      injection: `SIGSTOP of the leader at a random moment of a 30-change batch (40 ms per change, paced at 25/s), for TTL (${TTL_SECONDS} s) + 1 s, then SIGCONT`,
      trials: TRIALS,
      checks: [
        "the old leader sends no EC2 mutation after it is thawed",
        "another replica completes the failover",
        "no route is pointed at the failed router",
      ],
      passed: staleMutations === 0 && toFailedRouter === 0,
      figures: [
        { name: "stale mutations after the deadline", value: staleMutations, unit: "count" },
        { name: "mutations to the failed router", value: toFailedRouter, unit: "count" },
        { name: "freeze → first mutation of the next leader (min)", value: gap.min, unit: "ms" },
        { name: "… (median)", value: gap.median, unit: "ms" },
        { name: "… (max)", value: gap.max, unit: "ms" },
      ],
    });
    assert.equal(staleMutations, 0, "the frozen leader wrote after its deadline");
    assert.equal(toFailedRouter, 0, "a route was pointed at the failed router");
  });
});
