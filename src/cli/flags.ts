/**
 * Command-line flags that set configuration values, and their mapping onto setting paths. Values
 * stay text: the configuration loader coerces and validates them like environment variables, so a
 * bad flag value is reported with the setting it sets.
 */
import { Option } from "commander";

/** One configuration flag: its commander spelling and the setting it overrides. */
export interface ConfigFlag {
  /** Commander flag spelling, e.g. `"--probe-interval <ms>"`. */
  readonly flags: string;
  /** Dotted setting path, e.g. `"probe.intervalMs"`. */
  readonly path: string;
  readonly description: string;
}

/** Every configuration flag, in help order. */
export const CONFIG_FLAGS: readonly ConfigFlag[] = [
  {
    flags: "--etcd-endpoints <list>",
    path: "etcd.endpoints",
    description: "etcd endpoints, comma-separated host:port",
  },
  { flags: "--prefix <key>", path: "etcd.prefix", description: 'etcd key prefix (default "/vpcrouter")' },
  { flags: "--vpc <id>", path: "aws.vpcId", description: "VPC id (vpc-…)" },
  { flags: "--region <name>", path: "aws.region", description: "AWS region (default: the SDK's chain)" },
  { flags: "--replica-id <id>", path: "replica.id", description: "replica id (default: host name)" },
  { flags: "--zone <name>", path: "replica.zone", description: "availability zone of this replica" },
  { flags: "--health <kind>", path: "probe.health", description: "health check: icmpecho, tcp or multi" },
  {
    flags: "--tcp-check-port <port>",
    path: "probe.tcpCheckPort",
    description: "port of the tcp health check",
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
    description: "full route check period in seconds (0: off)",
  },
  { flags: "--prune <mode>", path: "reconcile.prune", description: "routes to delete: managed or all" },
  {
    flags: "--ignore-routes <list>",
    path: "reconcile.ignoreRoutes",
    description: "CIDRs prune=all never deletes",
  },
  { flags: "--address <ip>", path: "api.address", description: "HTTP API listen address" },
  { flags: "--port <port>", path: "api.port", description: "HTTP API port" },
  {
    flags: "--log-level <level>",
    path: "log.level",
    description: "trace, debug, info, warn, error or fatal",
  },
];

/** The flag that names a configuration file. */
export const CONFIG_FILE_FLAG = { flags: "--config <file>", description: "JSON configuration file" } as const;

/** Environment variable naming the configuration file when `--config` is not given. */
export const CONFIG_FILE_ENV = "VPCROUTER_CONFIG";

/** Commander `Option`s for {@link CONFIG_FLAGS}, to add to the program. */
export function configFlagOptions(): Option[] {
  return CONFIG_FLAGS.map((flag) => new Option(flag.flags, flag.description));
}

/**
 * Maps parsed flag values onto setting paths.
 * @param values - commander's `opts()` (attribute names such as `probeInterval`).
 * @returns e.g. `{ "probe.intervalMs": "250" }`, only for flags that were given.
 */
export function overridesFromFlags(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const flag of CONFIG_FLAGS) {
    const value = values[new Option(flag.flags).attributeName()];
    if (value !== undefined) overrides[flag.path] = value;
  }
  return overrides;
}
