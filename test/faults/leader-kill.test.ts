/**
 * Fault: the leader is killed (SIGKILL), again and again, each time during a failover batch. The
 * next leader takes over after the lease TTL and completes the failover; two terms' mutations never
 * interleave (once the next leader has written, the old one never does).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PACED_BATCH, startFailover } from "../support/failover-batch.js";
import { recordScenario, spread, trialsOf } from "../support/fault-report.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const TTL_SECONDS = 3;
const CIDRS = Array.from({ length: 6 }, (_, i) => `10.57.${i}.0/24`);
const TRIALS = trialsOf(2, 20);

describe("a leader killed in the middle of a failover", () => {
  let world: TestWorld;
  let routers: [string, string];
  let started = 0;

  const startReplica = () =>
    world.startReplica(`rep-${++started}`, `az-${started % 3}`, ["--election-ttl", String(TTL_SECONDS)], {
      env: PACED_BATCH,
    });

  before(async () => {
    world = await TestWorld.create({ tag: "fkill", subnet: 234, etcdMembers: 3, routers: 2, routeTables: 3 });
    routers = world.routers.routerIps as [string, string];
    for (let i = 0; i < 3; i++) await startReplica();
    await world.putSpecAndWait(Object.fromEntries(CIDRS.map((cidr) => [cidr, routers])));
    world.ec2.setFaults({ latencyMs: { ReplaceRoute: 40 } });
  });

  after(async () => {
    await world?.destroy();
  });

  it(`hands over after every kill (${TRIALS} trial(s)); terms never interleave; the failover completes`, async () => {
    const takeovers: number[] = [];
    let interleaved = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const { leader, from, to, cursor } = await startFailover(world, CIDRS[0] ?? "", routers);
      // Killed after a random number of its changes (1 to 12 of 18): in the middle of the batch
      // however late this test sees the first one.
      const killAfter = 1 + Math.floor(Math.random() * 12);
      await waitFor(
        () =>
          world.mutatingCalls(cursor).filter((call) => call.accessKeyId === leader.id).length >= killAfter,
        {
          timeoutMs: 20_000,
          message: () => `the leader stopped before ${killAfter} changes\n${world.tails()}`,
        },
      );
      const killedAt = Date.now();
      await leader.kill("SIGKILL");
      await waitFor(() => CIDRS.every((cidr) => world.allTablesRoute(cidr, to)), {
        timeoutMs: 30_000,
        message: () => `the failover did not complete after the kill\n${world.tails()}`,
      });
      const calls = world.mutatingCalls(cursor);
      const firstOther = calls.findIndex((call) => call.accessKeyId !== leader.id);
      if (firstOther >= 0) {
        takeovers.push(Date.parse(calls[firstOther]?.time ?? "") - killedAt);
        interleaved += calls.slice(firstOther).filter((call) => call.accessKeyId === leader.id).length;
      }
      await world.routers.linkUp(from);
      // Keep three replicas: a new one replaces the killed one.
      await startReplica();
    }
    const takeover = spread(takeovers);
    recordScenario({
      id: "leader-kill",
      title: "The leader killed (SIGKILL) in the middle of a failover batch, repeatedly",
      injection: `SIGKILL of the leader after a random number (1–12) of the changes of an 18-change batch (40 ms per change, paced at 25/s); lease TTL ${TTL_SECONDS} s; 3-member etcd`,
      trials: TRIALS,
      checks: [
        "another replica completes the failover",
        "once the next leader has written, the old one never writes again (no interleaved terms)",
      ],
      passed: interleaved === 0 && takeovers.length === TRIALS,
      figures: [
        { name: "interleaved mutations", value: interleaved, unit: "count" },
        { name: "kill → first mutation of the next leader (min)", value: takeover.min, unit: "ms" },
        { name: "… (median)", value: takeover.median, unit: "ms" },
        { name: "… (max)", value: takeover.max, unit: "ms" },
      ],
    });
    assert.equal(interleaved, 0);
    assert.equal(takeovers.length, TRIALS, "the next leader wrote in every trial");
  });
});
