/**
 * What a fault scenario measured, for docs/RELIABILITY.md: each scenario writes one JSON record
 * when `VPCROUTER_FAULT_REPORT_DIR` names a directory (the report command sets it), and nothing
 * otherwise. scripts/fault-report.ts turns the records into the report.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A figure: a name, a value, and its unit (ms, s, count…). */
export interface Figure {
  readonly name: string;
  readonly value: number | string;
  readonly unit?: string;
}

/** One scenario's record. */
export interface ScenarioRecord {
  /** Short id, also the file name, e.g. `leader-freeze`. */
  readonly id: string;
  readonly title: string;
  /** How the fault is injected. */
  readonly injection: string;
  readonly trials: number;
  /** What is checked, one sentence each. */
  readonly checks: readonly string[];
  readonly passed: boolean;
  readonly figures: readonly Figure[];
}

/** Writes `record` to the report directory, if one is set. */
export function recordScenario(record: ScenarioRecord): void {
  const dir = process.env.VPCROUTER_FAULT_REPORT_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${record.id}.json`), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * How many trials a scenario runs: `shortRun` in `npm test`, `longRun` in the long run
 * (`VPCROUTER_FAULT_LONG=1`, set by `npm run test:faults`), or `VPCROUTER_FAULT_TRIALS` when given.
 */
export function trialsOf(shortRun: number, longRun = shortRun): number {
  const given = Number(process.env.VPCROUTER_FAULT_TRIALS);
  if (Number.isInteger(given) && given > 0) return given;
  return process.env.VPCROUTER_FAULT_LONG === "1" ? longRun : shortRun;
}

/** min / median / max of `values` (ms or s, as given), for figures. */
export function spread(values: readonly number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { min: sorted[0] ?? Number.NaN, median: at(0.5), max: sorted.at(-1) ?? Number.NaN };
}
