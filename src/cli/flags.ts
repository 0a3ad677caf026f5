/**
 * Command-line flags that set configuration values, and their mapping onto setting paths. Values
 * stay text: the configuration loader coerces and validates them like environment variables, so a
 * bad flag value is reported with the setting it sets.
 *
 * vpc-router 1.8's options are accepted unchanged beside ours (vpcrouter/main/__init__.py and the
 * watcher and monitor plugins' `add_arguments`): its short options are the short form of our flag
 * of the same name (`-p, --port`), and its underscore spellings (`--tcp_check_port`) are hidden
 * flags of their own that set the same setting. Giving two spellings of one setting with different
 * values is an error.
 */
import { Option } from "commander";
import { ConfigError, type ConfigSources } from "../config/load.js";
import { type CheckPlugin, type GivenCheckIntervals, probeIntervalFromChecks } from "./check-intervals.js";

/** One configuration flag: its commander spelling and what it sets. */
export interface ConfigFlag {
  /** Commander flag spelling, e.g. `"-p, --port <port>"`. */
  readonly flags: string;
  /** Dotted setting path, e.g. `"api.port"`. */
  readonly path: string;
  readonly description: string;
  /** A vpc-router spelling of another flag: accepted, not listed in `--help`. */
  readonly hidden?: boolean;
  /** For a flag without a value (`--verbose`): the setting's value when it is given. */
  readonly value?: unknown;
}

/** One of vpc-router's health-check interval flags (seconds), see check-intervals.ts. */
export interface CheckIntervalFlag {
  readonly flags: string;
  readonly plugin: CheckPlugin;
  readonly description: string;
  readonly hidden?: boolean;
}

/** Every configuration flag, in help order. */
export const CONFIG_FLAGS: readonly ConfigFlag[] = [
  {
    flags: "--etcd-endpoints <list>",
    path: "etcd.endpoints",
    description: "etcd endpoints, comma-separated host:port",
  },
  { flags: "--prefix <key>", path: "etcd.prefix", description: 'etcd key prefix (default "/vpcrouter")' },
  {
    flags: "-m, --mode <mode>",
    path: "spec.mode",
    description: "spec source: etcd (default), http, configfile or fixedconf",
  },
  { flags: "-f, --file <path>", path: "spec.file", description: "route spec file (configfile mode)" },
  { flags: "--fixed-cidr <cidr>", path: "spec.fixedCidr", description: "route CIDR (fixedconf mode)" },
  { flags: "--fixed_cidr <cidr>", path: "spec.fixedCidr", description: "vpc-router spelling", hidden: true },
  {
    flags: "--fixed-hosts <ip:ip>",
    path: "spec.fixedHosts",
    description: "router IPs separated by : (fixedconf mode)",
  },
  {
    flags: "--fixed_hosts <ip:ip>",
    path: "spec.fixedHosts",
    description: "vpc-router spelling",
    hidden: true,
  },
  { flags: "-v, --vpc <id>", path: "aws.vpcId", description: "VPC id (vpc-…)" },
  { flags: "-r, --region <name>", path: "aws.region", description: "AWS region (default: the SDK's chain)" },
  {
    flags: "--route-tables <selection>",
    path: "aws.routeTables",
    description: "tables to manage: all, subnets, tag:<key>=<value> or rtb-… ids",
  },
  {
    flags: "--fix-source-dest-check",
    path: "aws.fixSourceDestCheck",
    description: "disable the source/destination check on router ENIs",
    value: true,
  },
  { flags: "--replica-id <id>", path: "replica.id", description: "replica id (default: host name)" },
  { flags: "--zone <name>", path: "replica.zone", description: "availability zone of this replica" },
  {
    flags: "-H, --health <kind>",
    path: "probe.health",
    description: "health check: icmpecho (default), tcp or multi",
  },
  {
    flags: "--tcp-check-port <port>",
    path: "probe.tcpCheckPort",
    description: "port of the tcp health check (default 22)",
  },
  {
    flags: "--tcp_check_port <port>",
    path: "probe.tcpCheckPort",
    description: "vpc-router spelling",
    hidden: true,
  },
  {
    flags: "--multi-plugins <a:b>",
    path: "probe.multiPlugins",
    description: "sub-checks of multi, separated by : (default icmpecho:tcp)",
  },
  {
    flags: "--multi_plugins <a:b>",
    path: "probe.multiPlugins",
    description: "vpc-router spelling",
    hidden: true,
  },
  { flags: "--probe-interval <ms>", path: "probe.intervalMs", description: "probe interval in ms" },
  {
    flags: "--probe-timeout <ms>",
    path: "probe.timeoutMs",
    description: "probe timeout in ms (below the interval)",
  },
  { flags: "--fall <n>", path: "probe.fall", description: "consecutive misses that fail a router" },
  { flags: "--rise <n>", path: "probe.rise", description: "consecutive successes that restore a router" },
  {
    flags: "--election-ttl <s>",
    path: "election.ttlSeconds",
    description: "leader lease TTL in seconds (>= 2)",
  },
  {
    flags: "--route-recheck-interval <s>",
    path: "reconcile.routeRecheckIntervalSeconds",
    description: "full route check period in seconds (0: off, else >= 5)",
  },
  {
    flags: "--route_recheck_interval <s>",
    path: "reconcile.routeRecheckIntervalSeconds",
    description: "vpc-router spelling",
    hidden: true,
  },
  { flags: "--prune <mode>", path: "reconcile.prune", description: "routes to delete: managed or all" },
  {
    flags: "--ignore-routes <list>",
    path: "reconcile.ignoreRoutes",
    description: "CIDRs or IPs never touched, comma-separated",
  },
  {
    flags: "--ignore_routes <list>",
    path: "reconcile.ignoreRoutes",
    description: "vpc-router spelling",
    hidden: true,
  },
  {
    flags: "--allow-empty-spec",
    path: "reconcile.allowEmptySpec",
    description: "let an empty spec {} delete routes",
    value: true,
  },
  {
    flags: "-a, --address <ip>",
    path: "api.address",
    description: "HTTP API listen address (IP or localhost)",
  },
  { flags: "-p, --port <port>", path: "api.port", description: "HTTP API port (default 33289)" },
  {
    flags: "--log-level <level>",
    path: "log.level",
    description: "trace, debug, info, warn, error or fatal",
  },
  { flags: "--verbose", path: "log.level", description: "same as --log-level debug", value: "debug" },
  {
    flags: "-l, --log-file <path>",
    path: "log.file",
    description: "append logs to this file (- standard error; default standard output)",
  },
  { flags: "--logfile <path>", path: "log.file", description: "vpc-router spelling", hidden: true },
];

/** vpc-router's health-check interval flags; they set `probe.intervalMs` (check-intervals.ts). */
export const CHECK_INTERVAL_FLAGS: readonly CheckIntervalFlag[] = [
  {
    flags: "--icmp-check-interval <s>",
    plugin: "icmpecho",
    description: "vpc-router's icmpecho period in s (1..3600): sets the probe interval",
  },
  {
    flags: "--icmp_check_interval <s>",
    plugin: "icmpecho",
    description: "vpc-router spelling",
    hidden: true,
  },
  {
    flags: "--tcp-check-interval <s>",
    plugin: "tcp",
    description: "vpc-router's tcp period in s (1..3600): sets the probe interval",
  },
  { flags: "--tcp_check_interval <s>", plugin: "tcp", description: "vpc-router spelling", hidden: true },
];

/** The flag that names a configuration file. */
export const CONFIG_FILE_FLAG = { flags: "--config <file>", description: "JSON configuration file" } as const;

/** Environment variable naming the configuration file when `--config` is not given. */
export const CONFIG_FILE_ENV = "VPCROUTER_CONFIG";

/** The flag that, given explicitly, wins over vpc-router's check intervals. */
const PROBE_INTERVAL_PATH = "probe.intervalMs";

/** Commander `Option`s for {@link CONFIG_FLAGS} and {@link CHECK_INTERVAL_FLAGS}, to add to the program. */
export function configFlagOptions(): Option[] {
  return [...CONFIG_FLAGS, ...CHECK_INTERVAL_FLAGS].map((flag) => {
    const option = new Option(flag.flags, flag.description);
    return flag.hidden === true ? option.hideHelp() : option;
  });
}

/** A flag that was given: its long spelling and the value it stands for. */
interface GivenFlag {
  readonly name: string;
  readonly value: unknown;
  /** How the flag was given, for messages: `--port 80`, `--verbose`. */
  readonly shown: string;
}

/**
 * Maps parsed flag values onto setting paths.
 * @param values - commander's `opts()` (attribute names such as `probeInterval`, `tcp_check_port`).
 * @returns e.g. `{ "probe.intervalMs": "250" }`, only for flags that were given; for a setting
 *   given through two spellings with the same value, that value.
 * @throws ConfigError when two spellings of one setting carry different values, e.g.
 *   `probe.tcpCheckPort: given twice with different values: --tcp_check_port 22, --tcp-check-port 23`.
 */
export function overridesFromFlags(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const byPath = new Map<string, GivenFlag[]>();
  for (const flag of CONFIG_FLAGS) {
    const option = new Option(flag.flags);
    const raw = values[option.attributeName()];
    if (raw === undefined) continue;
    const name = option.long ?? flag.flags;
    const switched = flag.value !== undefined && raw === true;
    const value = switched ? flag.value : raw;
    const given = byPath.get(flag.path) ?? [];
    given.push({ name, value, shown: switched ? name : `${name} ${String(raw)}` });
    byPath.set(flag.path, given);
  }
  const overrides: Record<string, unknown> = {};
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
    const option = new Option(flag.flags);
    const raw = values[option.attributeName()];
    if (raw === undefined) continue;
    const list = given[flag.plugin] ?? [];
    const name = option.long ?? flag.flags;
    list.push({ name, value: raw, shown: `${name} ${String(raw)}` });
    given[flag.plugin] = list;
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

function spellingConflict(path: string, given: readonly GivenFlag[]): string | undefined {
  const distinct = new Set(given.map((flag) => String(flag.value).trim()));
  if (distinct.size <= 1) return undefined;
  return `${path}: given twice with different values: ${given.map((flag) => flag.shown).join(", ")}`;
}
