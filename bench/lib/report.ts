/**
 * What every benchmark shares: its command line (`--quick`, `--trials N`), summary statistics, the
 * machine's facts, a printed table, and the JSON file `bench/results/<name>.json` with every sample.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

/** The options every benchmark takes. */
export interface BenchArgs {
  /** A short run that proves the benchmark works (`npm test` runs each benchmark so). */
  readonly quick: boolean;
  /** Trials per configuration, when given (`--trials N`). */
  readonly trials?: number;
  /** Only this part of a benchmark made of parts (`--part NAME`, e.g. bench/scale.ts). */
  readonly part?: string;
}

/**
 * Parses `--quick`, `--trials N` and `--part NAME`.
 * @throws TypeError for an unknown flag, Error for a bad `--trials`
 */
export function benchArgs(argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      trials: { type: "string" },
      part: { type: "string" },
    },
  });
  const trials = values.trials === undefined ? undefined : Number(values.trials);
  if (trials !== undefined && !(Number.isInteger(trials) && trials > 0)) {
    throw new Error("--trials: a positive integer");
  }
  return {
    quick: values.quick === true,
    ...(trials === undefined ? {} : { trials }),
    ...(values.part === undefined ? {} : { part: values.part }),
  };
}

/** min / median / p95 / p99 / max / mean of some samples (nearest rank), and how many. */
export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Summarizes samples, rounded to 0.1 (NaN everywhere when there are none). */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    n: sorted.length,
    min: round(sorted[0] ?? Number.NaN),
    median: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? Number.NaN),
    mean: round(sorted.reduce((sum, value) => sum + value, 0) / (sorted.length || Number.NaN)),
  };
}

/** The machine a result was measured on. */
export function machineFacts() {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Prints rows as an aligned table (the first row is the header). */
export function printTable(rows: readonly (readonly (string | number)[])[]): void {
  const text = rows.map((row) => row.map((cell) => String(cell)));
  const widths = (text[0] ?? []).map((_, column) =>
    Math.max(...text.map((row) => (row[column] ?? "").length)),
  );
  for (const [index, row] of text.entries()) {
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    );
    if (index === 0) console.log(widths.map((width) => "-".repeat(width)).join("  "));
  }
}

/** Formats a duration for tables: `842 ms`, `1.71 s`; `—` for none. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return "—";
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

/**
 * Writes `bench/results/<name>.json`, or `<name>.quick.json` for a quick run (git-ignored), so that
 * a quick run never overwrites the figures docs/PERFORMANCE.md shows.
 * @param result the benchmark's settings, samples and summaries
 * @returns the path written
 */
export async function writeResult(
  name: string,
  args: BenchArgs,
  result: Record<string, unknown>,
): Promise<string> {
  const dir = join(import.meta.dirname, "..", "results");
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}${args.quick ? ".quick" : ""}.json`);
  const document = {
    benchmark: name,
    quick: args.quick,
    at: new Date().toISOString(),
    machine: machineFacts(),
    ...result,
  };
  await writeFile(path, `${JSON.stringify(document, null, 2)}\n`);
  console.log(`written to ${path}`);
  return path;
}
