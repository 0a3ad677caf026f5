/**
 * EC2 API economy in the full test world (3 replicas, 3-member etcd, the EC2 emulator): the calls
 * one failover costs (one ReplaceRoute per affected CIDR per table, at most one
 * DescribeRouteTables, no Describe of ENIs or instances before the changes) and the calls an hour
 * of steady state costs (the periodic recheck), counted in the emulator's call log.
 *
 *   node --import tsx bench/api-economy.ts [--quick] [--trials N]
 */
import { setTimeout as sleep } from "node:timers/promises";
import { TestWorld } from "../test/support/test-world.js";
import { waitFor } from "../test/support/wait.js";
import { benchArgs, printTable, writeResult } from "./lib/report.js";
import { activeRouter, bringBack, waitMovedOff } from "./lib/trials.js";

const CIDRS = 10;
const TABLES = 3;

/** Calls per action in a stretch of the emulator's log. */
function countByAction(calls: readonly { action: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[call.action] = (counts[call.action] ?? 0) + 1;
  return counts;
}

async function main(): Promise<void> {
  const args = benchArgs();
  const steadyMs = args.quick ? 10_000 : 120_000;
  const trials = args.trials ?? (args.quick ? 1 : 5);
  const world = await TestWorld.create({
    tag: "becon",
    subnet: 246,
    etcdMembers: 3,
    routers: 3,
    routeTables: TABLES,
  });
  const failovers: { byAction: Record<string, number>; beforeFirstMutation: Record<string, number> }[] = [];
  let steady: Record<string, number> = {};
  try {
    for (const [index, zone] of ["az-a", "az-b", "az-c"].entries()) {
      await world.startReplica(`be-${index}`, zone, ["--expected-replicas", "3"], { defaults: true });
    }
    const ips = world.routers.routerIps;
    const spec = Object.fromEntries(Array.from({ length: CIDRS }, (_, i) => [`10.120.${i}.0/24`, [...ips]]));
    await world.putSpecAndWait(spec);
    const cidrs = Object.keys(spec);
    // Steady state: nothing changes; what the replicas call is the recheck's cost.
    const steadyCursor = world.ec2.logCursor();
    await sleep(steadyMs); // a measured window, not a synchronisation
    steady = countByAction(world.ec2.log(steadyCursor));
    for (let trial = 0; trial < trials; trial++) {
      const active = activeRouter(world, cidrs[0] ?? "");
      const leader = await world.agreedLeader();
      const cursor = world.ec2.logCursor();
      const downAt = Date.now();
      await world.routers.linkDown(active);
      await waitMovedOff(world, cidrs, active);
      // The failover's pass has ended (its verifying read included): count up to its end only, so
      // that a recheck pass starting meanwhile is not charged to the failover.
      let passEnd = Number.NaN;
      await waitFor(
        async () => {
          const pass = (
            (await leader.status()) as { lastReconcile?: { at?: string; durationMs?: number } } | undefined
          )?.lastReconcile;
          if (pass?.at === undefined || Date.parse(pass.at) < downAt || pass.durationMs === undefined)
            return false;
          passEnd = Date.parse(pass.at) + pass.durationMs;
          return true;
        },
        { timeoutMs: 30_000, message: "the failover pass did not end" },
      );
      const calls = world.ec2.log(cursor).filter((call) => Date.parse(call.time) <= passEnd + 1);
      const firstMutation = calls.findIndex((call) => call.action === "ReplaceRoute");
      failovers.push({
        byAction: countByAction(calls),
        beforeFirstMutation: countByAction(calls.slice(0, Math.max(0, firstMutation))),
      });
      console.log(`failover ${trial + 1}/${trials}: ${JSON.stringify(failovers.at(-1))}`);
      await bringBack(world, active);
    }
  } finally {
    await world.destroy();
  }
  const perHour = Object.fromEntries(
    Object.entries(steady).map(([action, count]) => [action, Math.round((count * 3_600_000) / steadyMs)]),
  );
  const rows: (string | number)[][] = [["measure", "action", "calls"]];
  for (const [action, count] of Object.entries(perHour)) rows.push(["steady state, per hour", action, count]);
  const worst = failovers.reduce<Record<string, number>>((max, f) => {
    for (const [action, count] of Object.entries(f.byAction)) max[action] = Math.max(max[action] ?? 0, count);
    return max;
  }, {});
  for (const [action, count] of Object.entries(worst))
    rows.push([`one failover of ${CIDRS} CIDRs × ${TABLES}`, action, count]);
  const before = failovers.reduce(
    (sum, f) => sum + Object.values(f.beforeFirstMutation).reduce((a, b) => a + b, 0),
    0,
  );
  rows.push(["calls before the first ReplaceRoute (all failovers)", "any", before]);
  printTable(rows);
  await writeResult("api-economy", args, {
    description:
      "EC2 calls of the whole cluster: per failover (from link down to the end of the failover pass) and per hour of steady state",
    settings: {
      replicas: 3,
      cidrs: CIDRS,
      routeTables: TABLES,
      routeRecheckIntervalSeconds: 30,
      steadyWindowMs: steadyMs,
    },
    steadyStatePerHour: perHour,
    steadyStateCounted: steady,
    failovers,
  });
}

await main();
