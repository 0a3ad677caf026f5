/**
 * Beside keepalived: in one run and one test world (3-member etcd, the EC2 emulator, 3 router
 * namespaces on one bridge, 3 route tables), the failover time of keepalived (Debian's package)
 * with an aws-cli notify_master script, at its defaults and tuned to vpcrouter's detection budget,
 * and of vpcrouter (3 replicas, the daemon's defaults). A trial takes the link of the router the
 * tables route through down, at a random phase against the advertisement or probe schedule, and
 * measures the time until every route table routes the CIDR via another router.
 *
 *   node --import tsx bench/keepalived.ts [--quick] [--trials N]
 *
 * Detection budgets (worst case from the link going down to the decision to move):
 * - vpcrouter defaults: probe interval 300 + 3 × timeout 100 + 2 × fast interval 50 = 700 ms;
 * - keepalived: Master_Down_Interval of the backup that takes over (see lib/keepalived-vrrp.ts):
 *   about 3.03 s at its defaults (VRRPv2, advert_int 1), and the VRRPv3 advert_int whose interval
 *   is closest to 700 ms for the tuned run.
 *
 * Needs root, keepalived and aws-cli (`apt-get install keepalived awscli`).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Ec2Emulator, startEc2Emulator } from "../test/support/ec2-emulator/index.js";
import { TestWorld } from "../test/support/test-world.js";
import { waitFor } from "../test/support/wait.js";
import {
  advertIntForBudget,
  KeepalivedProcess,
  type KeepalivedTuning,
  masterDownIntervalMs,
  type RouterPlan,
  renderConfig,
  renderNotifyScript,
  requireTools,
  type ScriptTarget,
  scriptRuns,
  type Tools,
  writeRouterFiles,
} from "./lib/keepalived-vrrp.js";
import { benchArgs, ms, printTable, type Summary, summarize, writeResult } from "./lib/report.js";
import { bringBack } from "./lib/trials.js";

const TAG = "bkeep";
const SUBNET = 249;
const CIDR = "10.55.16.0/24";
/** The bridge's own address in the routers' /24: where the routers reach the EC2 emulator. */
const BRIDGE_HOST = `198.18.${SUBNET}.1`;
/** Priorities of routers 0, 1, 2: close together and high, so the skew adds little to detection. */
const PRIORITIES = [250, 240, 230] as const;

/** vpcrouter's default probe settings (src/config/schema.ts) and the detection budget they give. */
const VPCROUTER_DEFAULTS = { intervalMs: 300, fastIntervalMs: 50, timeoutMs: 100, fall: 3, rise: 5 };
const VPCROUTER_BUDGET_MS =
  VPCROUTER_DEFAULTS.intervalMs +
  VPCROUTER_DEFAULTS.fall * VPCROUTER_DEFAULTS.timeoutMs +
  (VPCROUTER_DEFAULTS.fall - 1) * VPCROUTER_DEFAULTS.fastIntervalMs;

/** keepalived's own defaults, and the tuning to vpcrouter's budget (for the second-ranked backup). */
const KEEPALIVED_TUNINGS: readonly KeepalivedTuning[] = [
  { label: "keepalived defaults", vrrpVersion: 2, advertIntSeconds: 1 },
  {
    label: "keepalived tuned",
    vrrpVersion: 3,
    advertIntSeconds: advertIntForBudget(VPCROUTER_BUDGET_MS, PRIORITIES[1]),
  },
];
const VPCROUTER_LABEL = "vpcrouter defaults";

/** One trial, ms from the link going down (epoch-ms clock throughout, as the emulator's log). */
interface Sample {
  readonly from: string;
  readonly to: string;
  /** Every table routes the CIDR via `to`. */
  readonly totalMs: number;
  /** keepalived only: the new master logged "Entering MASTER STATE". */
  readonly masterMs?: number;
  /** The first ReplaceRoute arrived at EC2. */
  readonly firstWriteMs: number;
  /** The last ReplaceRoute was answered. */
  readonly lastWriteMs: number;
  readonly writes: number;
}

interface CaseResult {
  readonly configuration: string;
  readonly budgetMs: number;
  readonly latencyMs: number;
  readonly samples: Sample[];
}

/** Both emulators serve the same VPC; faults are per listener, so set them on both. */
function setLatency(emulators: readonly Ec2Emulator[], latencyMs: number): void {
  for (const emulator of emulators) {
    emulator.clearFaults();
    if (latencyMs > 0) emulator.setFaults({ latencyMs: { "*": latencyMs } });
  }
}

/** The router every table routes the CIDR through, or undefined while they disagree. */
function activeRouter(world: TestWorld): string | undefined {
  return world.routers.routerIps.find((ip) => world.allTablesRoute(CIDR, ip));
}

/** Takes `active`'s link down (after a random phase) and waits until every table left it. */
async function failOver(world: TestWorld, active: string, phaseMs: number) {
  await sleep(Math.random() * phaseMs);
  const downAt = Date.now();
  await world.routers.linkDown(active);
  let to: string | undefined;
  await waitFor(
    () => {
      to = world.routers.routerIps.find((ip) => ip !== active && world.allTablesRoute(CIDR, ip));
      return to !== undefined;
    },
    { timeoutMs: 30_000, intervalMs: 5, message: `no failover away from ${active}` },
  );
  return { downAt, doneAt: Date.now(), to: to ?? "" };
}

/** The ReplaceRoute timeline of one trial from an emulator's log since `cursor`. */
function writesOf(emulator: Ec2Emulator, cursor: number, downAt: number) {
  const writes = emulator.log(cursor).filter((call) => call.action === "ReplaceRoute");
  const arrivals = writes.map((call) => Date.parse(call.time));
  return {
    firstWriteMs: Math.min(...arrivals) - downAt,
    lastWriteMs: Math.max(...writes.map((call) => Date.parse(call.time) + call.durationMs)) - downAt,
    writes: writes.length,
  };
}

/** Runs every latency of one keepalived tuning on fresh keepalived processes. */
async function runKeepalived(
  world: TestWorld,
  tools: Tools,
  emulator: Ec2Emulator,
  tuning: KeepalivedTuning,
  latencies: readonly number[],
  trials: number,
  dir: string,
): Promise<{ results: CaseResult[]; configs: string[]; scripts: string[] }> {
  const ips = world.routers.routerIps;
  const target: ScriptTarget = {
    dir,
    aws: tools.aws,
    endpointUrl: emulator.url,
    cidr: CIDR,
    routeTableIds: world.ec2.routeTables().map((table) => table.routeTableId),
    virtualIp: `198.18.${SUBNET}.100`,
    virtualRouterId: SUBNET % 255,
  };
  const plans: RouterPlan[] = ips.map((ip, index) => ({
    index,
    ip,
    netns: world.routers.netnsOf(ip),
    priority: PRIORITIES[index] ?? 100,
    peers: ips.filter((peer) => peer !== ip),
    eni: world.eniOf(ip),
  }));
  const keepaliveds: KeepalivedProcess[] = [];
  const byIp = (ip: string) => keepaliveds.find((k) => k.router.ip === ip);
  const tails = () => keepaliveds.map((k) => k.tail(15)).join("\n");
  /** No notify script is running: every start has its done. */
  const scriptsIdle = async () => {
    for (const plan of plans) {
      const runs = await scriptRuns(dir, plan.index);
      if (runs.failures.length > 0) {
        throw new Error(`aws-cli failed on ${plan.ip}: ${runs.failures.join("; ")}\n${tails()}`);
      }
      if (runs.starts.length !== runs.ends.length) return false;
    }
    return true;
  };
  const results: CaseResult[] = [];
  try {
    for (const plan of plans) {
      const config = await writeRouterFiles(plan, tuning, target);
      keepaliveds.push(await KeepalivedProcess.start(tools.keepalived, plan, config, dir));
    }
    // Router 0 wins the first election (shortest skew) and runs its script. The tables route via it
    // already (set by hand), so wait for the script to have finished, not for the routes.
    const first = ips[0] ?? "";
    await waitFor(
      async () =>
        byIp(first)?.state() === "MASTER" &&
        (await scriptRuns(dir, 0)).ends.length > 0 &&
        (await scriptsIdle()) &&
        world.allTablesRoute(CIDR, first),
      {
        timeoutMs: 30_000,
        message: () => `keepalived: ${first} did not become master and route\n${tails()}`,
      },
    );
    const advertMs = tuning.advertIntSeconds * 1000;
    for (const latencyMs of latencies) {
      setLatency([emulator, world.ec2], latencyMs);
      const samples: Sample[] = [];
      for (let trial = 0; trial < trials; trial++) {
        const active = activeRouter(world);
        if (!active || byIp(active)?.state() !== "MASTER") {
          throw new Error(`keepalived: the tables do not route via the master\n${tails()}`);
        }
        const cursor = emulator.logCursor();
        const { downAt, doneAt, to } = await failOver(world, active, advertMs);
        await waitFor(scriptsIdle, { timeoutMs: 30_000, message: "a notify script hangs" });
        const master = byIp(to)?.entered("MASTER", downAt);
        samples.push({
          from: active,
          to,
          totalMs: doneAt - downAt,
          ...(master ? { masterMs: master.at - downAt } : {}),
          ...writesOf(emulator, cursor, downAt),
        });
        const last = samples.at(-1) as Sample;
        console.log(
          `${tuning.label} ${latencyMs} ms trial ${trial + 1}/${trials}: ${ms(last.totalMs)} ` +
            `(master ${ms(last.masterMs ?? Number.NaN)}, first write ${ms(last.firstWriteMs)}, ${last.writes} writes)`,
        );
        const upAt = Date.now();
        await world.routers.linkUp(active);
        await waitFor(() => byIp(active)?.entered("BACKUP", upAt) !== undefined, {
          timeoutMs: 30_000,
          message: () => `keepalived on ${active} did not come back as backup\n${tails()}`,
        });
        // Pacing, not synchronisation: let the returned backup hear advertisements, so its
        // down timer runs from the master's adverts, not from its own return, in the next trial.
        await sleep(2 * advertMs + 100);
        if (byIp(to)?.state() !== "MASTER" || !world.allTablesRoute(CIDR, to) || !(await scriptsIdle())) {
          throw new Error(`keepalived did not settle on ${to} as master\n${tails()}`);
        }
      }
      results.push({
        configuration: tuning.label,
        budgetMs: masterDownIntervalMs(tuning, PRIORITIES[1]),
        latencyMs,
        samples,
      });
    }
  } finally {
    setLatency([emulator, world.ec2], 0);
    await Promise.all(keepaliveds.map((k) => k.stop()));
  }
  return {
    results,
    configs: plans.map((plan) => renderConfig(plan, tuning, target)),
    scripts: plans.map((plan) => renderNotifyScript(plan, target)),
  };
}

/** Runs every latency against 3 vpcrouter replicas with the daemon's defaults. */
async function runVpcrouter(
  world: TestWorld,
  latencies: readonly number[],
  trials: number,
): Promise<CaseResult[]> {
  const ips = world.routers.routerIps;
  const results: CaseResult[] = [];
  try {
    for (const [index, zone] of ["az-a", "az-b", "az-c"].entries()) {
      await world.startReplica(`bk-${index}`, zone, [], { defaults: true, electionTtlSeconds: 5 });
    }
    await world.putSpecWithEtcdctl(JSON.stringify({ [CIDR]: ips }));
    await world.agreedLeader();
    // The tables already route via keepalived's last master, a router of the spec: vpcrouter keeps it.
    await waitFor(() => activeRouter(world) !== undefined, {
      timeoutMs: 30_000,
      message: () => `vpcrouter: the tables do not agree on a router\n${world.tails()}`,
    });
    for (const latencyMs of latencies) {
      setLatency([world.ec2], latencyMs);
      const samples: Sample[] = [];
      for (let trial = 0; trial < trials; trial++) {
        const active = activeRouter(world);
        if (!active) throw new Error("vpcrouter: the tables disagree on the active router");
        const cursor = world.ec2.logCursor();
        const { downAt, doneAt, to } = await failOver(world, active, VPCROUTER_DEFAULTS.intervalMs);
        samples.push({ from: active, to, totalMs: doneAt - downAt, ...writesOf(world.ec2, cursor, downAt) });
        const last = samples.at(-1) as Sample;
        console.log(
          `${VPCROUTER_LABEL} ${latencyMs} ms trial ${trial + 1}/${trials}: ${ms(last.totalMs)} ` +
            `(first write ${ms(last.firstWriteMs)}, ${last.writes} writes)`,
        );
        // Every replica sees the router healthy again (rise) before the next trial.
        await bringBack(world, active);
      }
      results.push({ configuration: VPCROUTER_LABEL, budgetMs: VPCROUTER_BUDGET_MS, latencyMs, samples });
    }
  } finally {
    setLatency([world.ec2], 0);
    for (const replica of world.replicas.splice(0)) await replica.kill("SIGTERM");
  }
  return results;
}

function summaries(samples: readonly Sample[]): Record<string, Summary> {
  return {
    total: summarize(samples.map((s) => s.totalMs)),
    master: summarize(samples.flatMap((s) => (s.masterMs === undefined ? [] : [s.masterMs]))),
    firstWrite: summarize(samples.map((s) => s.firstWriteMs)),
    lastWrite: summarize(samples.map((s) => s.lastWriteMs)),
  };
}

/** keepalived's median (and p95) over vpcrouter's, per latency, for one keepalived configuration. */
function ratios(results: readonly CaseResult[], keepalived: string) {
  return results
    .filter((r) => r.configuration === VPCROUTER_LABEL)
    .flatMap((ours) => {
      const theirs = results.find((r) => r.configuration === keepalived && r.latencyMs === ours.latencyMs);
      if (!theirs) return [];
      const a = summarize(theirs.samples.map((s) => s.totalMs));
      const b = summarize(ours.samples.map((s) => s.totalMs));
      const round = (value: number) => Math.round(value * 100) / 100;
      return [
        {
          keepalived,
          latencyMs: ours.latencyMs,
          median: round(a.median / b.median),
          p95: round(a.p95 / b.p95),
        },
      ];
    });
}

async function main(): Promise<void> {
  const args = benchArgs();
  const tools = await requireTools();
  const latencies = args.quick ? [0] : [0, 100];
  const trials = args.trials ?? (args.quick ? 2 : 20);
  const startedAt = Date.now();
  const world = await TestWorld.create({
    tag: TAG,
    subnet: SUBNET,
    etcdMembers: 3,
    routers: 3,
    routeTables: 3,
  });
  const dir = await mkdtemp(join(tmpdir(), `${TAG}-`));
  let emulator: Ec2Emulator | undefined;
  const results: CaseResult[] = [];
  const settings: Record<string, unknown> = {};
  try {
    // The routers' namespaces have a loopback of their own: a second listener of the same VPC on
    // the bridge is what their aws-cli reaches (the replicas keep using the loopback one).
    emulator = await startEc2Emulator({ world: world.ec2.world, host: BRIDGE_HOST });
    // keepalived's replace-route needs a route to replace: start with every table via router 0.
    const first = world.routers.routerIps[0] ?? "";
    world.ec2.mutate(
      world.ec2.routeTables().map((table) => ({
        op: "put-route" as const,
        routeTableId: table.routeTableId,
        route: { destinationCidrBlock: CIDR, networkInterfaceId: world.eniOf(first) },
      })),
    );
    for (const tuning of KEEPALIVED_TUNINGS) {
      const run = await runKeepalived(world, tools, emulator, tuning, latencies, trials, dir);
      results.push(...run.results);
      settings[tuning.label] = {
        ...tuning,
        priorities: PRIORITIES,
        masterDownIntervalMs: PRIORITIES.map((p) => masterDownIntervalMs(tuning, p)),
        configs: run.configs,
        notifyScripts: run.scripts,
      };
    }
    results.push(...(await runVpcrouter(world, latencies, trials)));
    settings[VPCROUTER_LABEL] = {
      ...VPCROUTER_DEFAULTS,
      budgetMs: VPCROUTER_BUDGET_MS,
      replicas: 3,
      etcdMembers: 3,
      electionTtlSeconds: 5,
      flags: "none (the daemon's defaults)",
    };
  } finally {
    await emulator?.close().catch(() => undefined);
    await world.destroy();
    await rm(dir, { recursive: true, force: true });
  }

  const rows: (string | number)[][] = [
    ["configuration", "budget", "EC2 latency", "n", "min", "median", "p95", "max", "first write p50"],
  ];
  for (const r of results) {
    const s = summaries(r.samples);
    rows.push([
      r.configuration,
      ms(r.budgetMs),
      `${r.latencyMs} ms`,
      r.samples.length,
      ms(s.total?.min ?? Number.NaN),
      ms(s.total?.median ?? Number.NaN),
      ms(s.total?.p95 ?? Number.NaN),
      ms(s.total?.max ?? Number.NaN),
      ms(s.firstWrite?.median ?? Number.NaN),
    ]);
  }
  printTable(rows);
  const allRatios = KEEPALIVED_TUNINGS.flatMap((tuning) => ratios(results, tuning.label));
  for (const ratio of allRatios) {
    console.log(
      `${ratio.keepalived} / ${VPCROUTER_LABEL} at ${ratio.latencyMs} ms EC2 latency: ` +
        `median ${ratio.median}×, p95 ${ratio.p95}×`,
    );
  }
  console.log(`(${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
  await writeResult("keepalived", args, {
    description:
      "link down of the router the tables route through → every route table routes the CIDR via another router; " +
      "keepalived with an aws-cli notify_master script (one replace-route per table, sequential) beside vpcrouter, " +
      "same router namespaces, same EC2 emulator",
    tools: { keepalived: tools.keepalivedVersion, aws: tools.awsVersion },
    settings: { cidr: CIDR, routeTables: 3, routers: 3, trials, latenciesMs: latencies, ...settings },
    cases: results.map((r) => ({ ...r, summaries: summaries(r.samples) })),
    ratios: allRatios,
  });
}

await main();
