/**
 * Failover benchmark: in the full test world (3-member etcd, EC2 emulator, 3 router namespaces,
 * 3 replicas with the default probe settings) it takes the active router's link down N times and
 * measures the time until every route table routes the CIDR via another router.
 * Prints min / median / p90 / max and writes them to bench-results/failover.json.
 *
 * Usage: node --import tsx scripts/bench-failover.ts [--runs N]
 */
import { mkdir, writeFile } from "node:fs/promises";
import { TestWorld } from "../test/support/test-world.js";
import { waitFor } from "../test/support/wait.js";

const CIDR = "10.55.16.0/24";
const runsFlag = process.argv.indexOf("--runs");
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 5;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const world = await TestWorld.create({
    tag: "bench",
    subnet: 221,
    etcdMembers: 3,
    routers: 3,
    routeTables: 3,
  });
  const samples: number[] = [];
  try {
    for (const [index, zone] of ["az-a", "az-b", "az-c"].entries()) {
      await world.startReplica(`bench-${index}`, zone, [], { defaults: true, electionTtlSeconds: 5 });
    }
    const ips = world.routers.routerIps;
    await world.putSpecWithEtcdctl(JSON.stringify({ [CIDR]: ips }));
    await waitFor(() => world.allTablesRoute(CIDR, ips[0] ?? ""), {
      timeoutMs: 30_000,
      message: "routes not created",
    });
    for (let run = 0; run < runs; run++) {
      const active = ips.find((ip) => world.allTablesRoute(CIDR, ip));
      if (!active) throw new Error("tables disagree on the active router");
      const downAt = performance.now();
      await world.routers.linkDown(active);
      await waitFor(() => ips.some((ip) => ip !== active && world.allTablesRoute(CIDR, ip)), {
        timeoutMs: 30_000,
        intervalMs: 5,
        message: `run ${run}: no failover`,
      });
      samples.push(performance.now() - downAt);
      console.log(`run ${run + 1}/${runs}: ${(samples.at(-1) ?? 0).toFixed(0)} ms`);
      // Bring the router back and wait until every replica sees it healthy (rise) before the next run.
      await world.routers.linkUp(active);
      for (const replica of world.replicas) {
        await waitFor(
          async () => ((await replica.status())?.localFailed as string[] | undefined)?.length === 0,
          {
            timeoutMs: 30_000,
            message: `${replica.id} never saw ${active} recover`,
          },
        );
      }
    }
  } finally {
    await world.destroy();
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const result = {
    benchmark: "failover",
    description: "link down of the active router → every route table routes the CIDR via another router",
    settings: {
      probeIntervalMs: 500,
      probeTimeoutMs: 400,
      fall: 3,
      replicas: 3,
      etcdMembers: 3,
      routeTables: 3,
    },
    runs: samples.length,
    ms: {
      min: sorted[0],
      median: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      max: sorted.at(-1),
    },
    samplesMs: samples.map((s) => Math.round(s)),
    at: new Date().toISOString(),
  };
  await mkdir("bench-results", { recursive: true });
  await writeFile("bench-results/failover.json", `${JSON.stringify(result, null, 2)}\n`);
  const fmt = (n: number | undefined) => `${(n ?? Number.NaN).toFixed(0)} ms`;
  console.log(
    `failover over ${result.runs} runs: min ${fmt(result.ms.min)}, median ${fmt(result.ms.median)}, p90 ${fmt(result.ms.p90)}, max ${fmt(result.ms.max)}`,
  );
  console.log("written to bench-results/failover.json");
}

await main();
