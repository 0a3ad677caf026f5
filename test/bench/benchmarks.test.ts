/**
 * Every benchmark runs once in `--quick` mode and writes its figures: the benchmarks are not timed
 * tests, but a benchmark that no longer runs must fail the suite. What is checked is the JSON each
 * writes (bench/results/<name>.quick.json): the machine's facts and measured samples.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";

const ROOT = join(import.meta.dirname, "..", "..");

/** Runs `bench/<name>.ts --quick`; resolves with its exit code and output. */
function runQuick(name: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench", `${name}.ts`), "--quick"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** Numbers anywhere under `value` whose key is one of `keys`. */
function numbersUnder(value: unknown, keys: ReadonlySet<string>): number[] {
  if (Array.isArray(value)) return value.flatMap((item) => numbersUnder(item, keys));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) =>
    keys.has(key) && typeof item === "number" ? [item] : numbersUnder(item, keys),
  );
}

const BENCHMARKS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["failover", ["totalMs", "detectionMs"]],
  ["handover", ["median"]],
  ["detection", ["median"]],
  ["api-economy", ["ReplaceRoute"]],
  ["scale", ["median"]],
  ["keepalived", ["median"]],
];

describe("benchmarks (--quick)", {
  skip: process.env.VPCROUTER_SKIP_BENCH === "1" && "VPCROUTER_SKIP_BENCH=1",
}, () => {
  for (const [name, keys] of BENCHMARKS) {
    it(`bench/${name}.ts runs and writes its figures`, async () => {
      const path = join(ROOT, "bench", "results", `${name}.quick.json`);
      await rm(path, { force: true });
      const { code, output } = await runQuick(name);
      assert.equal(code, 0, output.slice(-4000));
      const result = JSON.parse(await readFile(path, "utf8")) as {
        benchmark?: string;
        quick?: boolean;
        machine?: { cores?: number };
      };
      assert.equal(result.benchmark, name);
      assert.equal(result.quick, true);
      assert.ok((result.machine?.cores ?? 0) > 0);
      const figures = numbersUnder(result, new Set(keys));
      assert.ok(
        figures.length > 0 && figures.every((n) => Number.isFinite(n) && n > 0),
        `no figures in ${path}`,
      );
    });
  }
});
