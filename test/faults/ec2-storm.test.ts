/**
 * Faults of EC2: a throttling storm (EC2's token buckets shrunk so that most calls are answered
 * RequestLimitExceeded for tens of seconds) and a burst of 5xx during a failover. No replica
 * crashes, the leader's call rate stays bounded, breakers open and close, failovers come first, and
 * everything converges once EC2 is well again.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { holdFault } from "../support/fault-clock.js";
import { recordScenario } from "../support/fault-report.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const CIDRS = Array.from({ length: 5 }, (_, i) => `10.60.${i}.0/24`);
const STORM_MS = 20_000;
/** The default `aws.breakerThreshold`: consecutive failures of one action that open its breaker. */
const BREAKER_THRESHOLD = 5;
/** Shorter than the default 10 s so that the burst's trial calls fit a test's time. */
const HALF_OPEN_MS = 3000;

describe("EC2 storms", () => {
  let world: TestWorld;
  let r1: string;
  let r2: string;

  before(async () => {
    world = await TestWorld.create({
      tag: "fstorm",
      subnet: 237,
      etcdMembers: 1,
      routers: 2,
      routeTables: 3,
    });
    [r1, r2] = world.routers.routerIps as [string, string];
    for (const id of ["rep-a", "rep-b", "rep-c"])
      await world.startReplica(id, `az-${id.slice(-1)}`, ["--route-recheck-interval", "5"], {
        env: { VPCROUTER_AWS_BREAKER_HALF_OPEN_AFTER_MS: String(HALF_OPEN_MS) },
      });
    await world.putSpecAndWait(Object.fromEntries(CIDRS.map((cidr) => [cidr, [r1, r2]])));
  });

  after(async () => {
    await world?.destroy();
  });

  it("rides a throttling storm and a 5xx burst: no crash, bounded call rate, failovers first, convergence after", async () => {
    const leader = await world.agreedLeader();
    const cursor = world.ec2.logCursor();
    // EC2's buckets shrunk to a trickle: most calls are answered RequestLimitExceeded (HTTP 503).
    world.ec2.setFaults({
      throttle: {
        mutating: { burst: 2, refillPerSecond: 0.3 },
        nonMutating: { burst: 2, refillPerSecond: 0.5 },
      },
    });
    await world.routers.linkDown(r1);
    const breakersOfLeader = async () =>
      ((await leader.status())?.ec2 as { breakers?: Record<string, string> } | undefined)?.breakers ?? {};
    const stormStates = new Set<string>();
    const stormStart = Date.now();
    while (Date.now() - stormStart < STORM_MS) {
      for (const state of Object.values(await breakersOfLeader())) stormStates.add(state);
      await holdFault(250); // the storm lasts; the status is sampled meanwhile
    }
    // Then a burst of 5xx on the mutations, longer than the breaker threshold (whether the storm
    // opened a breaker depends on how its calls met the buckets' refill), and EC2 well again.
    world.ec2.setFaults({ throttle: null });
    const burst = BREAKER_THRESHOLD + 2;
    world.ec2.injectFault({ action: "ReplaceRoute", count: burst, status: 500, code: "InternalError" });
    const burstStates = new Set<string>();
    await waitFor(
      async () => {
        const state = (await breakersOfLeader()).ReplaceRoute;
        if (state) burstStates.add(state);
        return CIDRS.every((cidr) => world.allTablesRoute(cidr, r2));
      },
      {
        timeoutMs: 120_000,
        intervalMs: 100,
        message: () => `no convergence after the storm\n${world.tails()}`,
      },
    );
    const convergedMs = Date.now() - stormStart - STORM_MS;
    const finalState = (await breakersOfLeader()).ReplaceRoute;
    const calls = world.ec2.log(cursor).filter((call) => call.accessKeyId === leader.id);
    const stormCalls = calls.filter((call) => Date.parse(call.time) < stormStart + STORM_MS);
    const perSecond = stormCalls.length / (STORM_MS / 1000);
    const throttled = stormCalls.filter((call) => call.errorCode === "RequestLimitExceeded").length;
    const crashed = world.replicas.filter((replica) => !replica.running).map((replica) => replica.id);
    const toDead = calls.filter((call) => call.params.NetworkInterfaceId === world.eniOf(r1)).length;
    recordScenario({
      id: "ec2-storm",
      title: "An EC2 throttling storm, then a burst of 5xx, during a failover",
      injection: `EC2 buckets shrunk to 2 burst / 0.3 per s (mutating) and 2 / 0.5 (others) for ${STORM_MS / 1000} s, router R1 down at its start; then ${burst} × InternalError on ReplaceRoute (breakers half-open after ${HALF_OPEN_MS / 1000} s)`,
      trials: 1,
      checks: [
        "no replica crashes",
        "the leader's call rate stays bounded during the storm",
        "the ReplaceRoute breaker opens under the 5xx burst and is closed once converged",
        "nothing is routed to the failed router; every route converges on R2 afterwards",
      ],
      passed:
        crashed.length === 0 &&
        toDead === 0 &&
        perSecond < 20 &&
        burstStates.has("open") &&
        finalState === "closed",
      figures: [
        {
          name: "leader's EC2 calls per second during the storm",
          value: Number(perSecond.toFixed(1)),
          unit: "calls/s",
        },
        { name: "of which throttled", value: throttled, unit: "count" },
        { name: "breaker states seen during the storm", value: [...stormStates].sort().join(", ") },
        { name: "ReplaceRoute breaker states seen after it", value: [...burstStates].sort().join(", ") },
        { name: "storm over → converged", value: convergedMs, unit: "ms" },
        { name: "replica crashes", value: crashed.length, unit: "count" },
      ],
    });
    assert.deepEqual(crashed, []);
    assert.equal(toDead, 0);
    assert.ok(
      perSecond < 20,
      `the leader called EC2 ${perSecond.toFixed(1)} times a second during the storm`,
    );
    assert.ok(
      burstStates.has("open"),
      `the ReplaceRoute breaker opened under the 5xx burst (seen: ${[...burstStates].join(", ")})`,
    );
    assert.equal(finalState, "closed", "the ReplaceRoute breaker closed again once EC2 was well");
  });
});
