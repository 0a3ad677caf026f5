/**
 * Failover latency in the full test world (3-member etcd, the EC2 emulator through the real SDK,
 * 3 router namespaces, 3 replicas as processes): the active router's link goes down at a random
 * phase against the probe schedule, and the time until every affected route in every table is
 * replaced is split into detection (to the vote that makes the quorum), confirmation (to the
 * leader's first mutation arriving at EC2) and apply (to the last mutation answered).
 *
 *   node --import tsx bench/failover.ts [--quick] [--trials N]
 *
 * Matrix: probe settings (defaults, aggressive) × EC2 latency (0, 100 ms per call) × affected
 * CIDRs (1, 10 under EC2's token buckets; 100 with the buckets lifted) × 3 tables.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Etcd3 } from "etcd3";
import { TestWorld } from "../test/support/test-world.js";
import { waitFor } from "../test/support/wait.js";
import {
  type BenchArgs,
  benchArgs,
  ms,
  printTable,
  type Summary,
  summarize,
  writeResult,
} from "./lib/report.js";
import { activeRouter, bringBack, waitMovedOff, watchVotesFor } from "./lib/trials.js";

/** Probe settings under test: the daemon's defaults, and an aggressive tuning. */
const PROBE_SETTINGS = {
  defaults: { intervalMs: 300, fastIntervalMs: 50, timeoutMs: 100, fall: 3, rise: 5, args: [] },
  aggressive: {
    intervalMs: 100,
    fastIntervalMs: 20,
    timeoutMs: 50,
    fall: 2,
    rise: 3,
    args: [
      "--probe-interval",
      "100",
      "--probe-fast-interval",
      "20",
      "--probe-timeout",
      "50",
      "--fall",
      "2",
      "--rise",
      "3",
    ],
  },
} as const;
type SettingName = keyof typeof PROBE_SETTINGS;

/** EC2's default buckets lifted, for the 100-CIDR runs that show the concurrency (client side). */
const LIFTED_BUCKETS = {
  VPCROUTER_AWS_MUTATING_BURST: "100000",
  VPCROUTER_AWS_MUTATING_REFILL_PER_SECOND: "100000",
  VPCROUTER_AWS_NON_MUTATING_BURST: "100000",
  VPCROUTER_AWS_NON_MUTATING_REFILL_PER_SECOND: "100000",
};
const TABLES = 3;
const QUORUM = 2;

interface Case {
  readonly setting: SettingName;
  readonly latencyMs: number;
  readonly cidrs: number;
  readonly trials: number;
}

/** One trial's timeline, ms from the link going down. */
interface Trial {
  readonly detectionMs: number;
  readonly confirmationMs: number;
  readonly applyMs: number;
  readonly totalMs: number;
  readonly mutations: number;
  readonly describes: number;
}

function casesOf(args: BenchArgs): Case[] {
  if (args.quick) return [{ setting: "defaults", latencyMs: 0, cidrs: 1, trials: args.trials ?? 2 }];
  const cases: Case[] = [];
  for (const setting of ["defaults", "aggressive"] as const) {
    for (const latencyMs of [0, 100]) {
      for (const cidrs of [1, 10, 100])
        cases.push({ setting, latencyMs, cidrs, trials: args.trials ?? (cidrs === 1 ? 30 : 10) });
    }
  }
  return cases;
}

function specOf(cidrs: number, ips: readonly string[]): Record<string, string[]> {
  return Object.fromEntries(
    Array.from({ length: cidrs }, (_, i) => [`10.${100 + Math.floor(i / 250)}.${i % 250}.0/24`, [...ips]]),
  );
}

/** The CIDRs some table routes to a router (an ENI), i.e. vpcrouter's routes. */
function routedCidrs(world: TestWorld): Set<string> {
  return new Set(
    world.ec2
      .routeTables()
      .flatMap((table) => table.routes.filter((route) => route.networkInterfaceId !== undefined))
      .map((route) => route.destinationCidrBlock),
  );
}

/** Runs the cases of one probe setting and bucket mode on one set of replicas. */
async function runSetting(world: TestWorld, setting: SettingName, lifted: boolean, cases: readonly Case[]) {
  const results: { case: Case; trials: Trial[] }[] = [];
  const ips = world.routers.routerIps;
  for (const [index, zone] of ["az-a", "az-b", "az-c"].entries()) {
    await world.startReplica(
      `bf-${index}`,
      zone,
      ["--expected-replicas", "3", ...PROBE_SETTINGS[setting].args],
      {
        defaults: true,
        electionTtlSeconds: 5,
        ...(lifted ? { env: LIFTED_BUCKETS } : {}),
      },
    );
  }
  await world.agreedLeader();
  const etcd = new Etcd3({ hosts: [...world.etcd.endpoints] });
  try {
    for (const testCase of cases) {
      const spec = specOf(testCase.cidrs, ips);
      await world.putSpecWithEtcdctl(JSON.stringify(spec));
      const cidrs = Object.keys(spec);
      // Until the tables hold exactly the spec's routes: a smaller spec than the last one prunes
      // the others, a batch that would otherwise drain the buckets under the first trials.
      const cursor = world.ec2.logCursor();
      await waitFor(
        () =>
          routedCidrs(world).size === cidrs.length &&
          cidrs.every((cidr) => ips.some((ip) => world.allTablesRoute(cidr, ip))),
        {
          timeoutMs: 300_000,
          message: "the spec's routes were not created (or the others not pruned)",
        },
      );
      // Pacing, not synchronisation: the client's mutating bucket refills what that batch took.
      if (!lifted) await sleep((world.mutatingCalls(cursor).length / 5) * 1000);
      // EC2's buckets at the emulator for the cases that fit the burst; lifted ones for the others.
      world.ec2.setFaults({ latencyMs: { "*": testCase.latencyMs }, throttle: !lifted });
      const trials: Trial[] = [];
      for (let trial = 0; trial < testCase.trials; trial++) {
        trials.push(await runTrial(world, etcd, cidrs, PROBE_SETTINGS[setting].intervalMs));
        const last = trials.at(-1) as Trial;
        console.log(
          `${setting} ${testCase.latencyMs} ms ${testCase.cidrs} CIDR(s) trial ${trial + 1}/${testCase.trials}: ` +
            `${ms(last.totalMs)} (detect ${ms(last.detectionMs)}, confirm ${ms(last.confirmationMs - last.detectionMs)}, apply ${ms(last.applyMs - last.confirmationMs)})`,
        );
        // Pacing, not synchronisation: let EC2's mutating bucket (5 tokens/s) refill what the trial took.
        if (!lifted) await sleep((last.mutations / 5) * 1000);
      }
      world.ec2.clearFaults();
      results.push({ case: testCase, trials });
    }
  } finally {
    etcd.close();
    for (const replica of world.replicas.splice(0)) await replica.kill("SIGTERM");
  }
  return results;
}

/** One link-down → failover → link-up cycle. */
async function runTrial(
  world: TestWorld,
  etcd: Etcd3,
  cidrs: readonly string[],
  intervalMs: number,
): Promise<Trial> {
  const active = activeRouter(world, cidrs[0] as string);
  // Votes naming the failed router, by replica, as the watch delivers them.
  const votes = await watchVotesFor(etcd, world.prefix, active);
  try {
    const cursor = world.ec2.logCursor();
    // A random phase against the probe schedule.
    await sleep(Math.random() * intervalMs);
    const downAt = Date.now();
    await world.routers.linkDown(active);
    await waitMovedOff(world, cidrs, active, 120_000);
    const doneAt = Date.now();
    const calls = world.ec2.log(cursor);
    const mutations = calls.filter((call) => call.action === "ReplaceRoute" || call.action === "CreateRoute");
    const arrivals = mutations.map((call) => Date.parse(call.time));
    const answers = mutations.map((call) => Date.parse(call.time) + call.durationMs);
    const quorumAt = votes.quorumAt(QUORUM);
    const trial = {
      detectionMs: quorumAt - downAt,
      confirmationMs: Math.min(...arrivals) - downAt,
      applyMs: Math.max(...answers) - downAt,
      totalMs: doneAt - downAt,
      mutations: mutations.length,
      describes: calls.filter((call) => call.action.startsWith("Describe")).length,
    };
    await bringBack(world, active);
    return trial;
  } finally {
    await votes.stop();
  }
}

function summaries(trials: readonly Trial[]): Record<string, Summary> {
  return {
    detection: summarize(trials.map((t) => t.detectionMs)),
    confirmation: summarize(trials.map((t) => t.confirmationMs - t.detectionMs)),
    apply: summarize(trials.map((t) => t.applyMs - t.confirmationMs)),
    total: summarize(trials.map((t) => t.totalMs)),
  };
}

async function main(): Promise<void> {
  const args = benchArgs();
  const cases = casesOf(args);
  const world = await TestWorld.create({
    tag: "bfail",
    subnet: 248,
    etcdMembers: 3,
    routers: 3,
    routeTables: TABLES,
  });
  const results: { case: Case; trials: Trial[] }[] = [];
  try {
    for (const setting of Object.keys(PROBE_SETTINGS) as SettingName[]) {
      for (const lifted of [false, true]) {
        const mine = cases.filter((c) => c.setting === setting && (c.cidrs === 100) === lifted);
        if (mine.length > 0) results.push(...(await runSetting(world, setting, lifted, mine)));
      }
    }
  } finally {
    await world.destroy();
  }
  const rows: (string | number)[][] = [
    [
      "setting",
      "EC2 latency",
      "CIDRs × tables",
      "n",
      "detection p50",
      "confirm p50",
      "apply p50",
      "total p50",
      "total p99",
      "mutations",
      "describes",
    ],
  ];
  for (const { case: c, trials } of results) {
    const s = summaries(trials);
    rows.push([
      c.setting,
      `${c.latencyMs} ms`,
      `${c.cidrs} × ${TABLES}`,
      trials.length,
      ms(s.detection?.median ?? Number.NaN),
      ms(s.confirmation?.median ?? Number.NaN),
      ms(s.apply?.median ?? Number.NaN),
      ms(s.total?.median ?? Number.NaN),
      ms(s.total?.p99 ?? Number.NaN),
      Math.max(...trials.map((t) => t.mutations)),
      Math.max(...trials.map((t) => t.describes)),
    ]);
  }
  printTable(rows);
  await writeResult("failover", args, {
    description:
      "link down of the active router → every affected route replaced in every table; detection = to the vote completing the quorum, confirmation = to the leader's first mutation at EC2, apply = to the last mutation answered",
    settings: {
      replicas: 3,
      etcdMembers: 3,
      routeTables: TABLES,
      quorum: QUORUM,
      probe: PROBE_SETTINGS,
      buckets:
        "EC2's defaults at the emulator and in the client (1 and 10 CIDRs); lifted on both sides (100 CIDRs)",
    },
    cases: results.map(({ case: c, trials }) => ({ ...c, summaries: summaries(trials), samples: trials })),
  });
}

await main();
