/**
 * Leader hand-over in the full test world (3-member etcd, the EC2 emulator, 3 replicas as
 * processes): the leader is stopped with SIGTERM (it resigns) or SIGKILL (its lease must expire),
 * and the time until the new leader has finished its first successful reconcile pass is measured,
 * at election TTLs of 5 s (the default) and 2 s.
 *
 *   node --import tsx bench/handover.ts [--quick] [--trials N]
 */
import { TestWorld } from "../test/support/test-world.js";
import { waitFor } from "../test/support/wait.js";
import { benchArgs, ms, printTable, summarize, writeResult } from "./lib/report.js";

const CIDR = "10.55.16.0/24";
const ZONES = ["az-a", "az-b", "az-c"] as const;

interface Case {
  readonly signal: "SIGTERM" | "SIGKILL";
  readonly ttlSeconds: number;
  readonly trials: number;
}

/** What a replica's /status says of its last pass. */
interface PassFacts {
  readonly role?: string;
  readonly lastReconcile?: {
    readonly at?: string;
    readonly durationMs?: number;
    readonly error?: string | null;
  };
}

async function main(): Promise<void> {
  const args = benchArgs();
  const trials = args.trials ?? (args.quick ? 1 : 10);
  const cases: Case[] = args.quick
    ? [
        { signal: "SIGTERM", ttlSeconds: 2, trials },
        { signal: "SIGKILL", ttlSeconds: 2, trials },
      ]
    : [5, 2].flatMap((ttlSeconds) =>
        (["SIGTERM", "SIGKILL"] as const).map((signal) => ({ signal, ttlSeconds, trials })),
      );
  const world = await TestWorld.create({
    tag: "bhand",
    subnet: 247,
    etcdMembers: 3,
    routers: 2,
    routeTables: 3,
  });
  const results: { case: Case; samplesMs: number[] }[] = [];
  try {
    await world.putSpecWithEtcdctl(JSON.stringify({ [CIDR]: world.routers.routerIps }));
    for (const testCase of cases) {
      const start = (index: number) =>
        world.startReplica(`bh-${index}`, ZONES[index] ?? "az-a", ["--expected-replicas", "3"], {
          defaults: true,
          electionTtlSeconds: testCase.ttlSeconds,
        });
      for (const index of ZONES.keys()) await start(index);
      await world.agreedLeader();
      const samplesMs: number[] = [];
      for (let trial = 0; trial < testCase.trials; trial++) {
        const leader = await world.agreedLeader();
        const index = world.replicas.indexOf(leader);
        const killedAt = Date.now();
        await leader.kill(testCase.signal);
        world.replicas.splice(index, 1);
        // The new leader's first pass that started after the kill and ended without error.
        let doneAt = Number.NaN;
        await waitFor(
          async () => {
            for (const replica of world.replicas) {
              const status = (await replica.status()) as PassFacts | undefined;
              const pass = status?.lastReconcile;
              if (status?.role !== "leader" || !pass?.at || pass.error) continue;
              const startedAt = Date.parse(pass.at);
              if (startedAt < killedAt) continue;
              doneAt = startedAt + (pass.durationMs ?? 0);
              return true;
            }
            return false;
          },
          { timeoutMs: 60_000, intervalMs: 20, message: "no new leader reconciled" },
        );
        samplesMs.push(doneAt - killedAt);
        console.log(
          `${testCase.signal} TTL ${testCase.ttlSeconds} s trial ${trial + 1}/${testCase.trials}: ${ms(doneAt - killedAt)}`,
        );
        // Three replicas again before the next trial.
        const replica = await start(index);
        world.replicas.splice(world.replicas.indexOf(replica), 1);
        world.replicas.splice(index, 0, replica);
        await world.agreedLeader();
      }
      for (const replica of world.replicas.splice(0)) await replica.kill("SIGTERM");
      results.push({ case: testCase, samplesMs });
    }
  } finally {
    await world.destroy();
  }
  const rows: (string | number)[][] = [["signal", "TTL", "n", "min", "median", "p99", "max"]];
  for (const { case: c, samplesMs } of results) {
    const s = summarize(samplesMs);
    rows.push([c.signal, `${c.ttlSeconds} s`, s.n, ms(s.min), ms(s.median), ms(s.p99), ms(s.max)]);
  }
  printTable(rows);
  await writeResult("handover", args, {
    description:
      "leader stopped (SIGTERM: resigns; SIGKILL: lease expires) → the new leader's first successful reconcile pass ends",
    settings: { replicas: 3, etcdMembers: 3, routeTables: 3, safetyMarginMs: 1000 },
    cases: results.map(({ case: c, samplesMs }) => ({ ...c, summary: summarize(samplesMs), samplesMs })),
  });
}

await main();
