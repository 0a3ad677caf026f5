/**
 * Scale benchmark: how vpcrouter behaves with many routes, routers and failures, in four parts.
 *
 * 1. Planner: `planReconcile` in-process on 1,000 CIDRs × 20 route tables (target ≤ 20 ms a plan).
 * 2. EC2: 500 CIDRs × 3 tables put into an empty VPC, then a failover of all of them, under EC2's
 *    token buckets (50 burst, 5/s mutating) with 100 ms per call; the buckets bound each phase
 *    from below by (routes − 50)/5 s, the first 500 routes of the failover by (500 − 50)/5 = 90 s.
 *    Checks that failover ReplaceRoutes come before any other mutation.
 * 3. Probing: one replica probing 2,000 routers at 1 Hz for 60 s: CPU % of one core and RSS from
 *    /proc (targets ≤ 15 %, ≤ 150 MB).
 * 4. etcd writes per second of 3 replicas in steady state (30 s) and during a burst of 100 router
 *    failures at once.
 *
 * Each part runs in a world of its own (tags bscale, bscal2, bscal3 on subnets 250, 251, 252; part
 * 3 also uses 198.18.253/24 and 198.19.250–253/24, see lib/scale-probe.ts), one at a time, always
 * destroyed. A part that fails is reported and the others still run; the exit code is then 1.
 * `--trials N` sets the planner's trials (default 30); the other parts measure one run each.
 * `--quick` (under a minute): 3 planner trials, 60 CIDRs with buckets of 10 burst / 30 per s,
 * 200 routers for 5 s, a burst of 10 failures and a 5 s steady window.
 *
 *   node --import tsx bench/scale.ts [--quick] [--trials N]
 */
import { EC2_DEFAULT_THROTTLE, type ThrottleConfig } from "../test/support/ec2-emulator/index.js";
import { benchArgs, ms, printTable, writeResult } from "./lib/report.js";
import { type Ec2Phase, type Ec2ScaleResult, type Ec2ScaleSettings, runEc2Scale } from "./lib/scale-ec2.js";
import {
  type EtcdScaleResult,
  type EtcdScaleSettings,
  type EtcdWindow,
  runEtcdScale,
} from "./lib/scale-etcd.js";
import { PLANNER_TARGET_MS, type PlannerResult, runPlanner } from "./lib/scale-planner.js";
import { type ProbeScaleResult, type ProbeScaleSettings, runProbeScale } from "./lib/scale-probe.js";

/** The targets for part 3. */
const CPU_TARGET_PERCENT = 15;
const RSS_TARGET_MB = 150;

const args = benchArgs();
const quick = args.quick;

/** Buckets of the quick run: the same shape as EC2's, small enough to finish in seconds. */
const QUICK_THROTTLE: ThrottleConfig = {
  mutating: { burst: 10, refillPerSecond: 30 },
  nonMutating: EC2_DEFAULT_THROTTLE.nonMutating,
};

const plannerSettings = {
  cidrs: 1000,
  tables: 20,
  trials: args.trials ?? (quick ? 3 : 30),
  warmup: quick ? 1 : 10,
};
const ec2Settings: Ec2ScaleSettings = {
  tag: "bscale",
  subnet: 250,
  cidrs: quick ? 60 : 500,
  tables: 3,
  replicas: quick ? 1 : 3,
  etcdMembers: quick ? 1 : 3,
  throttle: quick ? QUICK_THROTTLE : EC2_DEFAULT_THROTTLE,
  daemonDefaults: !quick,
  latencyMs: 100,
};
const probeSettings: ProbeScaleSettings = {
  tag: "bscal2",
  subnet: 251,
  namespaces: 8,
  routers: quick ? 200 : 2000,
  probeIntervalMs: 1000,
  windowMs: quick ? 5000 : 60_000,
  sampleMs: quick ? 1000 : 5000,
};
const etcdSettings: EtcdScaleSettings = {
  tag: "bscal3",
  subnet: 252,
  etcdMembers: quick ? 1 : 3,
  replicas: 3,
  tables: 3,
  burst: quick ? 10 : 100,
  steadyMs: quick ? 5000 : 30_000,
  quietMs: quick ? 2000 : 3000,
};

const errors: Record<string, string> = {};

/** Runs one part; a failure is recorded, printed, and does not stop the others. */
async function part<T>(name: string, body: () => T | Promise<T>): Promise<T | undefined> {
  const started = performance.now();
  console.log(`\n== ${name}`);
  try {
    const result = await body();
    console.log(`(${ms(performance.now() - started)})`);
    return result;
  } catch (error) {
    errors[name] = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.log(`FAILED: ${errors[name]?.slice(0, 2000)}`);
    return undefined;
  }
}

const f1 = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : "—");

function printPlanner(results: readonly PlannerResult[]): void {
  printTable([
    ["situation", "actions", "min", "median", "p95", "p99", "max", `≤ ${PLANNER_TARGET_MS} ms`],
    ...results.map((r) => [
      r.situation,
      r.actions,
      `${f1(r.ms.min)} ms`,
      `${f1(r.ms.median)} ms`,
      `${f1(r.ms.p95)} ms`,
      `${f1(r.ms.p99)} ms`,
      `${f1(r.ms.max)} ms`,
      r.meetsTarget ? "yes" : "NO",
    ]),
  ]);
}

function printEc2(result: Ec2ScaleResult): void {
  const n = ec2Settings.cidrs;
  const row = (name: string, phase: Ec2Phase) => [
    name,
    phase.routes,
    ms(phase.firstMs),
    ms(phase.firstCidrsMs),
    ms(phase.firstCidrsLowerBoundMs),
    ms(phase.allMs),
    ms(phase.lowerBoundMs),
    phase.throttledMutating,
    phase.throttledNonMutating,
  ];
  printTable([
    ["phase", "routes", "first", `first ${n}`, `bound ${n}`, "all", "bound all", "RLE mut", "RLE other"],
    row("create (empty VPC)", result.create),
    row("failover (link down)", result.failover),
  ]);
  const order =
    result.otherMutationsBeforeLastFailover === 0
      ? "yes"
      : `NO (${result.otherMutationsBeforeLastFailover} before the last failover)`;
  console.log(
    `failovers first: ${order}; other mutations in the failover window: ${result.otherMutations}` +
      `; bound = (routes − burst)/refill of the buckets ${JSON.stringify(ec2Settings.throttle.mutating)}`,
  );
}

function printProbe(result: ProbeScaleResult): void {
  printTable([
    [
      "routers",
      "CIDRs",
      "CPU %",
      "CPU % p95",
      "RSS MB",
      "peak MB",
      "heap MB",
      "checks/s",
      "failed checks",
      "failed at end",
    ],
    [
      probeSettings.routers,
      result.cidrs,
      f1(result.cpuPercent),
      f1(result.cpu.p95),
      f1(result.rssMb),
      f1(result.peakRssMb),
      f1(result.heapUsedMb),
      f1(result.checksPerSecond),
      result.failedChecks,
      result.localFailedAtEnd,
    ],
  ]);
  const cpuOk = result.cpuPercent <= CPU_TARGET_PERCENT ? "yes" : "NO";
  const rssOk = result.rssMb <= RSS_TARGET_MB ? "yes" : "NO";
  console.log(`CPU ≤ ${CPU_TARGET_PERCENT} % of one core: ${cpuOk}; RSS ≤ ${RSS_TARGET_MB} MB: ${rssOk}`);
}

function printEtcd(result: EtcdScaleResult): void {
  const row = (name: string, w: EtcdWindow) => [
    name,
    ms(w.durationMs),
    w.keyWrites,
    f1(w.keyWritesPerSecond),
    w.revisions,
    f1(w.revisionsPerSecond),
    Math.max(0, ...w.perSecond),
    Object.entries(w.byKind)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(", ") || "—",
  ];
  printTable([
    ["window", "duration", "key writes", "writes/s", "txns", "txns/s", "peak/s", "by key"],
    row("steady state", result.steady),
    row(`burst of ${etcdSettings.burst} failures`, result.burst),
  ]);
  console.log(`burst: every route on the standby router after ${ms(result.burst.failoverMs)}`);
}

/** `--part planner|ec2|probing|etcd` runs that part alone (its figures go to scale-<part>.json). */
const PARTS = ["planner", "ec2", "probing", "etcd"];
if (args.part !== undefined && !PARTS.includes(args.part))
  throw new Error(`--part: one of ${PARTS.join(", ")}`);
const wanted = (name: string) => args.part === undefined || args.part === name;

const planner = wanted("planner")
  ? await part("planner: 1,000 CIDRs × 20 tables, in-process", () => runPlanner(plannerSettings))
  : undefined;
if (planner) printPlanner(planner);

const ec2 = wanted("ec2")
  ? await part(`EC2: ${ec2Settings.cidrs} CIDRs × ${ec2Settings.tables} tables under EC2's buckets`, () =>
      runEc2Scale(ec2Settings),
    )
  : undefined;
if (ec2) printEc2(ec2);

const probe = wanted("probing")
  ? await part(`probing: ${probeSettings.routers} routers at 1 Hz, one replica`, () =>
      runProbeScale(probeSettings),
    )
  : undefined;
if (probe) printProbe(probe);

const etcd = wanted("etcd")
  ? await part(`etcd writes: ${etcdSettings.replicas} replicas`, () => runEtcdScale(etcdSettings))
  : undefined;
if (etcd) printEtcd(etcd);

await writeResult(args.part === undefined ? "scale" : `scale-${args.part}`, args, {
  description:
    "planner time at 1,000 CIDRs × 20 tables; routes created and failed over under EC2's buckets; CPU and RSS of a replica probing many routers; etcd writes in steady state and in a burst of failures",
  settings: {
    planner: plannerSettings,
    ec2: ec2Settings,
    probe: probeSettings,
    etcd: etcdSettings,
    targets: {
      plannerMs: PLANNER_TARGET_MS,
      probeCpuPercent: CPU_TARGET_PERCENT,
      probeRssMb: RSS_TARGET_MB,
    },
  },
  planner: planner ?? null,
  ec2: ec2 ?? null,
  probe: probe ?? null,
  etcd: etcd ?? null,
  errors,
});
if (Object.keys(errors).length > 0) process.exitCode = 1;
