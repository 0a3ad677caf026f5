/**
 * How the probe defaults were chosen: for candidate probe settings, (a) false failovers while every
 * router's echo answers are impaired (5 % loss, 20 ms delay + up to 50 ms uniform jitter; see
 * impaired-responder.ts: this kernel has no netem), counted as routes the leader moved, and as
 * replicas' votes naming a router failed; (b) detection time of a real failure (link down → the
 * vote that completes the quorum), without impairment.
 *
 *   node --import tsx bench/detection.ts [--quick] [--trials N]
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Etcd3 } from "etcd3";
import { TestWorld } from "../test/support/test-world.js";
import { waitFor } from "../test/support/wait.js";
import { benchArgs, ms, printTable, summarize, writeResult } from "./lib/report.js";
import { activeRouter, bringBack, waitMovedOff, watchVotesFor } from "./lib/trials.js";

interface Candidate {
  readonly name: string;
  readonly intervalMs: number;
  readonly fastIntervalMs: number;
  readonly timeoutMs: number;
  readonly fall: number;
  readonly rise: number;
}

const CANDIDATES: readonly Candidate[] = [
  { name: "defaults", intervalMs: 300, fastIntervalMs: 50, timeoutMs: 100, fall: 3, rise: 5 },
  { name: "tighter timeout", intervalMs: 300, fastIntervalMs: 50, timeoutMs: 60, fall: 3, rise: 5 },
  { name: "fall 2", intervalMs: 300, fastIntervalMs: 50, timeoutMs: 100, fall: 2, rise: 5 },
  { name: "no fastinter", intervalMs: 300, fastIntervalMs: 300, timeoutMs: 100, fall: 3, rise: 5 },
];
const IMPAIRMENT = { loss: 0.05, delayMs: 20, jitterMs: 50 };
const CIDR = "10.55.16.0/24";
const QUORUM = 2;

function argsOf(candidate: Candidate): string[] {
  return [
    ...["--expected-replicas", "3", "--probe-interval", String(candidate.intervalMs)],
    ...[
      "--probe-fast-interval",
      String(candidate.fastIntervalMs),
      "--probe-timeout",
      String(candidate.timeoutMs),
    ],
    ...["--fall", String(candidate.fall), "--rise", String(candidate.rise)],
  ];
}

/** Vote writes naming a router failed, counted from a watch of the votes. */
async function countVotes(etcd: Etcd3, prefix: string) {
  let failedVotes = 0;
  const watcher = await etcd.watch().prefix(`${prefix}/votes/`).create();
  watcher.on("put", (kv) => {
    const failed = (JSON.parse(kv.value.toString()) as { failed?: string[] }).failed ?? [];
    if (failed.length > 0) failedVotes++;
  });
  return { stop: () => watcher.cancel(), failedVotes: () => failedVotes };
}

/** Probe checks by result, summed over the replicas (their GET /metrics). */
async function probeChecks(world: TestWorld): Promise<{ ok: number; fail: number }> {
  const sum = { ok: 0, fail: 0 };
  for (const replica of world.replicas) {
    const text = await (await fetch(`${replica.apiUrl}/metrics`)).text();
    for (const result of ["ok", "fail"] as const) {
      const match = new RegExp(`^vpcrouter_probe_checks_total\\{result="${result}"\\} (\\d+)`, "m").exec(
        text,
      );
      sum[result] += Number(match?.[1] ?? 0);
    }
  }
  return sum;
}

/** Link down → the vote completing the quorum, ms, once per trial; the router comes back after. */
async function detectionTrials(
  world: TestWorld,
  etcd: Etcd3,
  candidate: Candidate,
  trials: number,
): Promise<number[]> {
  const samples: number[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const active = activeRouter(world, CIDR);
    const votes = await watchVotesFor(etcd, world.prefix, active);
    try {
      await sleep(Math.random() * candidate.intervalMs); // a random phase against the probe schedule
      const downAt = Date.now();
      await world.routers.linkDown(active);
      await waitFor(() => votes.votedAt.size >= QUORUM, {
        timeoutMs: 30_000,
        intervalMs: 2,
        message: "no quorum of votes",
      });
      samples.push(votes.quorumAt(QUORUM) - downAt);
      await waitMovedOff(world, [CIDR], active, 30_000);
      await bringBack(world, active);
    } finally {
      await votes.stop();
    }
  }
  return samples;
}

async function main(): Promise<void> {
  const args = benchArgs();
  const candidates = args.quick ? CANDIDATES.slice(0, 1) : CANDIDATES;
  const impairedMs = args.quick ? 10_000 : 120_000;
  const trials = args.trials ?? (args.quick ? 1 : 15);
  const results: {
    candidate: Candidate;
    falseFailovers: number;
    falseVotes: number;
    detectionMs: number[];
    checks: number;
    misses: number;
  }[] = [];
  for (const candidate of candidates) {
    // A world per candidate: the impaired responders stay until the world is destroyed.
    const world = await TestWorld.create({
      tag: "bdet",
      subnet: 254,
      etcdMembers: 3,
      routers: 3,
      routeTables: 3,
    });
    const etcd = new Etcd3({ hosts: [...world.etcd.endpoints] });
    try {
      for (const [index, zone] of ["az-a", "az-b", "az-c"].entries()) {
        await world.startReplica(`bd-${index}`, zone, argsOf(candidate), { defaults: true });
      }
      await world.putSpecAndWait({ [CIDR]: world.routers.routerIps });
      const detectionMs = await detectionTrials(world, etcd, candidate, trials);
      // Impaired: every router answers late and loses 5 % of the answers; nothing should move.
      for (const ip of world.routers.routerIps) await world.routers.impair(ip, IMPAIRMENT);
      const votes = await countVotes(etcd, world.prefix);
      const cursor = world.ec2.logCursor();
      const checksBefore = await probeChecks(world);
      await sleep(impairedMs); // a measured window, not a synchronisation
      const checksAfter = await probeChecks(world);
      const falseFailovers = world.ec2.log(cursor).filter((call) => call.action === "ReplaceRoute").length;
      await votes.stop();
      const misses = checksAfter.fail - checksBefore.fail;
      const checks = misses + checksAfter.ok - checksBefore.ok;
      results.push({
        candidate,
        falseFailovers,
        falseVotes: votes.failedVotes(),
        detectionMs,
        checks,
        misses,
      });
      console.log(
        `${candidate.name}: detection p50 ${ms(summarize(detectionMs).median)}, ` +
          `${falseFailovers} route(s) moved and ${votes.failedVotes()} failed vote(s) in ${impairedMs / 1000} s impaired ` +
          `(${misses} of ${checks} probes missed)`,
      );
    } finally {
      etcd.close();
      await world.destroy();
    }
  }
  const rows: (string | number)[][] = [
    [
      "candidate",
      "interval/fast/timeout/fall",
      "detection p50",
      "p99",
      "max",
      "impaired: probes missed",
      "failed votes",
      "routes moved",
    ],
  ];
  for (const { candidate: c, falseFailovers, falseVotes, detectionMs, checks, misses } of results) {
    const s = summarize(detectionMs);
    rows.push([
      c.name,
      `${c.intervalMs}/${c.fastIntervalMs}/${c.timeoutMs}/${c.fall}`,
      ms(s.median),
      ms(s.p99),
      ms(s.max),
      `${misses} of ${checks} (${((100 * misses) / Math.max(1, checks)).toFixed(1)} %)`,
      falseVotes,
      falseFailovers,
    ]);
  }
  printTable(rows);
  await writeResult("detection", args, {
    description:
      "candidate probe settings: detection (link down → the vote completing the quorum of 2 of 3) and false failovers with every router's echo answers impaired",
    settings: { replicas: 3, etcdMembers: 3, impairment: IMPAIRMENT, impairedWindowMs: impairedMs },
    candidates: results.map((r) => ({ ...r, detection: summarize(r.detectionMs) })),
  });
}

await main();
