/**
 * `npm run bench`: every benchmark, one after another (each needs the machine to itself), with
 * the same flags (`--quick`, `--trials N`). Each also runs alone: `node --import tsx bench/<name>.ts`.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

/** The benchmarks, in the order they run. */
export const BENCHMARKS = [
  "failover",
  "keepalived",
  "handover",
  "detection",
  "scale",
  "api-economy",
] as const;

const failed: string[] = [];
for (const name of BENCHMARKS) {
  console.log(`\n== bench/${name}.ts ${process.argv.slice(2).join(" ")}`);
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, `${name}.ts`), ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  console.log(
    `== ${name}: exit ${result.status ?? result.signal} after ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  if (result.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`failed: ${failed.join(", ")}`);
  process.exit(1);
}
