/**
 * The flags of flag-table.ts as commander options, and the values given mapped onto setting paths
 * (as text: the loader coerces and validates them like environment variables).
 */
import { Option } from "commander";
import { ConfigError, type ConfigSources } from "../config/load.js";
import type { SettingPath } from "../config/paths.js";
import { type CheckPlugin, type GivenCheckIntervals, probeIntervalFromChecks } from "./check-intervals.js";
import { CHECK_INTERVAL_FLAGS, CONFIG_FLAGS, type FlagDeclaration } from "./flag-table.js";

/** One spelling of a flag, as commander gets it. */
export interface FlagSpelling {
  /** Commander spelling, e.g. `"--tcp_check_port <port>"`. */
  readonly flags: string;
  readonly description: string;
  /** A vpc-router spelling: accepted, not listed in `--help`. */
  readonly hidden: boolean;
}

/** The help text of a vpc-router spelling (never shown: the flag is hidden). */
const VPC_ROUTER_SPELLING_DESCRIPTION = "vpc-router spelling";

/** The setting that vpc-router's check intervals set, and that `--probe-interval` sets explicitly. */
const PROBE_INTERVAL_PATH: SettingPath = "probe.intervalMs";

/**
 * The spellings of a flag: ours first, then each vpc-router spelling, hidden, with the same value
 * placeholder, e.g. `--tcp-check-port <port>` and `--tcp_check_port <port>`. So vpc-router 1.8's
 * options are accepted unchanged beside ours (its short options are the short form of our flag of
 * the same name, `-p, --port`); two spellings of one setting with different values are an error.
 */
export function spellingsOf(flag: FlagDeclaration): FlagSpelling[] {
  const placeholder = / [<[].*$/.exec(flag.flags)?.[0] ?? "";
  return [
    { flags: flag.flags, description: flag.description, hidden: false },
    ...(flag.vpcRouterSpellings ?? []).map((spelling) => ({
      flags: `${spelling}${placeholder}`,
      description: VPC_ROUTER_SPELLING_DESCRIPTION,
      hidden: true,
    })),
  ];
}

/**
 * Commander `Option`s for every spelling of `CONFIG_FLAGS` and `CHECK_INTERVAL_FLAGS`, in help
 * order, to add to the program.
 */
export function configFlagOptions(): Option[] {
  return [...CONFIG_FLAGS, ...CHECK_INTERVAL_FLAGS].flatMap(spellingsOf).map((spelling) => {
    const option = new Option(spelling.flags, spelling.description);
    return spelling.hidden ? option.hideHelp() : option;
  });
}

/** A flag that was given: its long spelling and the value it stands for. */
interface GivenFlag {
  readonly name: string;
  readonly value: unknown;
  /** How the flag was given, for messages: `--port 80`, `--verbose`. */
  readonly shown: string;
}

/** The spellings of `flag` that were given, in declaration order, with their raw values. */
function givenSpellings(
  flag: FlagDeclaration,
  values: Readonly<Record<string, unknown>>,
): { name: string; raw: unknown }[] {
  return spellingsOf(flag).flatMap((spelling) => {
    const option = new Option(spelling.flags);
    const raw = values[option.attributeName()];
    return raw === undefined ? [] : [{ name: option.long ?? spelling.flags, raw }];
  });
}

/**
 * Maps parsed flag values onto setting paths.
 * @param values - commander's `opts()` (attribute names such as `probeInterval`, `tcp_check_port`).
 * @returns e.g. `{ "probe.intervalMs": "250" }`, only for flags that were given; for a setting
 *   given through two spellings with the same value, that value.
 * @throws ConfigError when two spellings of one setting carry different values, e.g.
 *   `probe.tcpCheckPort: given twice with different values: --tcp-check-port 23, --tcp_check_port 22`.
 */
export function overridesFromFlags(
  values: Readonly<Record<string, unknown>>,
): Partial<Record<SettingPath, unknown>> {
  const byPath = new Map<SettingPath, GivenFlag[]>();
  for (const flag of CONFIG_FLAGS) {
    for (const { name, raw } of givenSpellings(flag, values)) {
      const switched = flag.value !== undefined && raw === true;
      const value = switched ? flag.value : raw;
      const given = byPath.get(flag.path) ?? [];
      given.push({ name, value, shown: switched ? name : `${name} ${String(raw)}` });
      byPath.set(flag.path, given);
    }
  }
  const overrides: Partial<Record<SettingPath, unknown>> = {};
  const problems: string[] = [];
  for (const [path, given] of byPath) {
    const problem = spellingConflict(path, given);
    if (problem !== undefined) problems.push(problem);
    overrides[path] = given[0]?.value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return overrides;
}

/**
 * The vpc-router check intervals given (`--icmp_check_interval`, `--tcp-check-interval`, …).
 * @throws ConfigError when both spellings of one interval carry different values.
 */
export function checkIntervalsFromFlags(values: Readonly<Record<string, unknown>>): GivenCheckIntervals {
  const given: Partial<Record<CheckPlugin, GivenFlag[]>> = {};
  for (const flag of CHECK_INTERVAL_FLAGS) {
    for (const { name, raw } of givenSpellings(flag, values)) {
      const list = given[flag.plugin] ?? [];
      list.push({ name, value: raw, shown: `${name} ${String(raw)}` });
      given[flag.plugin] = list;
    }
  }
  const intervals: Partial<Record<CheckPlugin, { flag: string; text: string }>> = {};
  const problems: string[] = [];
  for (const plugin of ["icmpecho", "tcp"] as const) {
    const list = given[plugin];
    const first = list?.[0];
    if (list === undefined || first === undefined) continue;
    const problem = spellingConflict(PROBE_INTERVAL_PATH, list);
    if (problem !== undefined) problems.push(problem);
    intervals[plugin] = { flag: first.name, text: String(first.value) };
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return intervals;
}

/**
 * The configuration sources that flags contribute: overrides, and the derivation of
 * `probe.intervalMs` from vpc-router's check intervals unless `--probe-interval` was given.
 * @throws ConfigError when two spellings of one setting carry different values.
 */
export function flagSources(
  values: Readonly<Record<string, unknown>>,
): Pick<ConfigSources, "overrides" | "derive"> {
  const overrides = overridesFromFlags(values);
  const intervals = checkIntervalsFromFlags(values);
  if (overrides[PROBE_INTERVAL_PATH] !== undefined || Object.keys(intervals).length === 0)
    return { overrides };
  return { overrides, derive: (draft) => probeIntervalFromChecks(intervals, draft.probe) };
}

function spellingConflict(path: SettingPath, given: readonly GivenFlag[]): string | undefined {
  const distinct = new Set(given.map((flag) => String(flag.value).trim()));
  if (distinct.size <= 1) return undefined;
  return `${path}: given twice with different values: ${given.map((flag) => flag.shown).join(", ")}`;
}
