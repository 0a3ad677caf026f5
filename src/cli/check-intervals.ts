/**
 * vpc-router's health-check intervals (`--icmp_check_interval`, `--tcp_check_interval`, seconds)
 * mapped onto our one probe period, `probe.intervalMs`. Pure.
 *
 * vpc-router runs each health plugin on its own period (monitor/plugins/icmpecho.py and tcp.py
 * `get_monitor_interval`, default 2 s, accepted range 1..3600 s, parsed with `float()`); our
 * monitor probes every router with every sub-probe once per `probe.intervalMs`. So the interval of
 * the plugin in force becomes `probe.intervalMs`; for `multi`, the smallest interval given among
 * its sub-probes (`probe.multiPlugins`). An interval given for a plugin that is not in force is
 * checked but has no effect (vpc-router would refuse it as an unknown argument). An explicit
 * `--probe-interval` wins over both (the caller then does not derive).
 */
import type { DerivedSettings } from "../config/load.js";
import type { VpcrouterConfig } from "../config/schema.js";

/** The health-check plugins that have a check interval of their own: every sub-probe of `multi`. */
export type CheckPlugin = "icmpecho" | "tcp";

/** One interval as given on the command line. */
export interface GivenCheckInterval {
  /** The spelling used, for messages, e.g. `"--icmp_check_interval"`. */
  readonly flag: string;
  /** The value as typed, seconds, e.g. `"2"` or `"1.5"`. */
  readonly text: string;
}

/** The intervals given, by plugin. */
export type GivenCheckIntervals = Readonly<Partial<Record<CheckPlugin, GivenCheckInterval>>>;

/** vpc-router's names for the plugins in its interval messages. */
const PLUGIN_WORDS: Readonly<Record<CheckPlugin, string>> = {
  icmpecho: "ICMPecho interval",
  tcp: "TCP health-test interval",
};

/** Bounds of a check interval, seconds (vpc-router's `check_arguments`). */
export const CHECK_INTERVAL_MIN_SECONDS = 1;
export const CHECK_INTERVAL_MAX_SECONDS = 3600;

const DECIMAL_SECONDS = /^\s*\d+(?:\.\d+)?\s*$/;

/**
 * Computes `probe.intervalMs` from the given check intervals and the probe settings in force.
 *
 * @param given - intervals by plugin (absent: not given).
 * @param probe - `health` and `multiPlugins` of the merged, not yet validated configuration.
 * @returns `values` `{ "probe.intervalMs": ms }` when an interval of a plugin in force was given
 *   (seconds × 1000, rounded to whole ms), and one problem per bad interval, e.g.
 *   `probe.intervalMs: --icmp_check_interval: Specified ICMPecho interval must be between 1 and
 *   3600 seconds (got 0)`. Never throws.
 */
export function probeIntervalFromChecks(
  given: GivenCheckIntervals,
  probe: Readonly<Pick<VpcrouterConfig["probe"], "health" | "multiPlugins">>,
): DerivedSettings {
  const problems: string[] = [];
  const seconds: Partial<Record<CheckPlugin, number>> = {};
  for (const plugin of ["icmpecho", "tcp"] as const) {
    const interval = given[plugin];
    if (interval === undefined) continue;
    const checked = checkSeconds(plugin, interval);
    if (typeof checked === "string") problems.push(checked);
    else seconds[plugin] = checked;
  }
  const inForce = pluginsInForce(probe);
  const applicable = inForce.flatMap((plugin) => {
    const value = seconds[plugin];
    return value === undefined ? [] : [value];
  });
  if (problems.length > 0 || applicable.length === 0) return { values: {}, problems };
  return { values: { "probe.intervalMs": Math.round(Math.min(...applicable) * 1000) }, problems: [] };
}

/** The plugins whose interval counts for `probe.health` (the sub-probes for `multi`). */
function pluginsInForce(
  probe: Readonly<Pick<VpcrouterConfig["probe"], "health" | "multiPlugins">>,
): CheckPlugin[] {
  if (probe.health === "icmpecho" || probe.health === "tcp") return [probe.health];
  if (probe.health === "multi" && Array.isArray(probe.multiPlugins)) {
    return probe.multiPlugins.filter(
      (plugin): plugin is CheckPlugin => plugin === "icmpecho" || plugin === "tcp",
    );
  }
  return [];
}

/** The interval in seconds, or the problem in vpc-router's words after the setting's name. */
function checkSeconds(plugin: CheckPlugin, interval: GivenCheckInterval): number | string {
  const head = `probe.intervalMs: ${interval.flag}: Specified ${PLUGIN_WORDS[plugin]}`;
  if (!DECIMAL_SECONDS.test(interval.text)) return `${head} '${interval.text}' must be a number.`;
  const value = Number(interval.text);
  if (value < CHECK_INTERVAL_MIN_SECONDS || value > CHECK_INTERVAL_MAX_SECONDS) {
    return `${head} must be between ${CHECK_INTERVAL_MIN_SECONDS} and ${CHECK_INTERVAL_MAX_SECONDS} seconds (got ${interval.text.trim()})`;
  }
  return value;
}
