/**
 * The command-line flags that set configuration values, in `--help` order: what each one sets and
 * the vpc-router 1.8 spellings it also answers to. Data only; flags.ts turns it into commander options.
 */
import type { SettingPath, SettingValue } from "../config/paths.js";
import type { CheckPlugin } from "./check-intervals.js";

/**
 * A vpc-router spelling of one of our flags, e.g. `"--tcp_check_port"`: accepted as a flag of its
 * own that takes the same value, not listed in `--help`.
 */
export type VpcRouterSpelling = `--${string}`;

/** What every flag declares. */
export interface FlagDeclaration {
  /**
   * Commander spelling of our flag, e.g. `"-p, --port <port>"` (a vpc-router short option is the
   * short form of the flag of the same name), or `"--verbose"` for a flag without a value.
   */
  readonly flags: string;
  /** The line in `--help`. */
  readonly description: string;
  /** vpc-router's other spellings of the flag (vpcrouter/main/__init__.py, plugins' `add_arguments`). */
  readonly vpcRouterSpellings?: readonly VpcRouterSpelling[];
}

/** A flag that sets the setting at `Path`. */
export interface SettingFlag<Path extends SettingPath> extends FlagDeclaration {
  /** The setting it sets, e.g. `"api.port"`. */
  readonly path: Path;
  /** For a flag without a value (`--verbose`): the setting's value when it is given. */
  readonly value?: SettingValue<Path>;
}

/** A flag of any setting; `value` is checked against the type of that flag's own setting. */
export type ConfigFlag = { [Path in SettingPath]: SettingFlag<Path> }[SettingPath];

/** One of vpc-router's health-check interval flags (seconds); see check-intervals.ts. */
export interface CheckIntervalFlag extends FlagDeclaration {
  /** The health check whose period it gives. */
  readonly plugin: CheckPlugin;
}

/** Every configuration flag, in help order. */
export const CONFIG_FLAGS: readonly ConfigFlag[] = [
  {
    flags: "--etcd-endpoints <list>",
    path: "etcd.endpoints",
    description: "etcd endpoints, comma-separated host:port",
  },
  { flags: "--prefix <key>", path: "etcd.prefix", description: 'etcd key prefix (default "/vpcrouter")' },
  // Named like etcdctl's flags; the password only from a file (a flag value is in the process list).
  {
    flags: "--etcd-cacert <file>",
    path: "etcd.caFile",
    description: "PEM CA that signed etcd's server certificates (enables TLS)",
  },
  { flags: "--etcd-cert <file>", path: "etcd.certFile", description: "PEM client certificate for etcd" },
  { flags: "--etcd-key <file>", path: "etcd.keyFile", description: "PEM key of --etcd-cert" },
  { flags: "--etcd-user <name>", path: "etcd.username", description: "etcd user (password auth)" },
  {
    flags: "--etcd-password-file <file>",
    path: "etcd.passwordFile",
    description: "file holding the password of --etcd-user",
  },
  {
    flags: "-m, --mode <mode>",
    path: "spec.mode",
    description:
      "spec source: etcd (default), http, configfile, fixedconf, or a plugin package or module path",
  },
  { flags: "-f, --file <path>", path: "spec.file", description: "route spec file (configfile mode)" },
  {
    flags: "--fixed-cidr <cidr>",
    path: "spec.fixedCidr",
    description: "route CIDR (fixedconf mode)",
    vpcRouterSpellings: ["--fixed_cidr"],
  },
  {
    flags: "--fixed-hosts <ip:ip>",
    path: "spec.fixedHosts",
    description: "router IPs separated by : (fixedconf mode)",
    vpcRouterSpellings: ["--fixed_hosts"],
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
    description:
      "health check: icmpecho (default), tcp, ec2status, multi, or a plugin package or module path",
  },
  {
    flags: "--tcp-check-port <port>",
    path: "probe.tcpCheckPort",
    description: "port of the tcp health check (default 22)",
    vpcRouterSpellings: ["--tcp_check_port"],
  },
  {
    flags: "--multi-plugins <a:b>",
    path: "probe.multiPlugins",
    description:
      "health checks of multi, separated by : (default icmpecho:tcp; any plugin, e.g. icmpecho:ec2status)",
    vpcRouterSpellings: ["--multi_plugins"],
  },
  { flags: "--probe-interval <ms>", path: "probe.intervalMs", description: "probe interval in ms" },
  {
    flags: "--probe-fast-interval <ms>",
    path: "probe.fastIntervalMs",
    description: "re-probe interval of a router between states, ms (fastinter)",
  },
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
    flags: "--expected-replicas <n>",
    path: "quorum.expectedReplicas",
    description:
      "replicas the cluster is meant to have: the quorum is a majority of at least these (default 1)",
  },
  {
    flags: "--route-recheck-interval <s>",
    path: "reconcile.routeRecheckIntervalSeconds",
    description: "full route check period in seconds (0: off, else >= 5)",
    vpcRouterSpellings: ["--route_recheck_interval"],
  },
  { flags: "--prune <mode>", path: "reconcile.prune", description: "routes to delete: managed or all" },
  {
    flags: "--ignore-routes <list>",
    path: "reconcile.ignoreRoutes",
    description: "CIDRs or IPs never touched, comma-separated",
    vpcRouterSpellings: ["--ignore_routes"],
  },
  {
    flags: "--dry-run",
    path: "reconcile.dryRun",
    description: "never write to EC2: plans are only logged and shown in /status",
    value: true,
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
    flags: "--api-token-file <file>",
    path: "api.tokenFile",
    description: "file holding the bearer token writes must carry (needed off loopback)",
  },
  {
    flags: "--api-read-only",
    path: "api.writes",
    description: "refuse every write (POST /route_spec)",
    value: false,
  },
  {
    flags: "--api-allowed-origins <list>",
    path: "api.allowedOrigins",
    description: "browser origins allowed to write, comma-separated",
  },
  {
    flags: "--api-allowed-hosts <list>",
    path: "api.allowedHosts",
    description: "host names a write may be addressed to, comma-separated",
  },
  { flags: "--api-tls-cert <file>", path: "api.tls.cert", description: "PEM certificate: serve HTTPS" },
  { flags: "--api-tls-key <file>", path: "api.tls.key", description: "PEM key of --api-tls-cert" },
  {
    flags: "--api-tls-client-ca <file>",
    path: "api.tls.clientCa",
    description: "PEM CA clients' certificates must be signed by (mutual TLS)",
  },
  {
    flags: "--api-client-cert <file>",
    path: "api.client.cert",
    description: "PEM certificate `status` presents to a mutual-TLS API",
  },
  { flags: "--api-client-key <file>", path: "api.client.key", description: "PEM key of --api-client-cert" },
  { flags: "--api-ca <file>", path: "api.client.ca", description: "PEM CA `status` trusts for the API" },
  {
    flags: "--hook <program>",
    path: "hooks.command",
    description: "program run on becoming leader, losing leadership and each failover",
  },
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
    vpcRouterSpellings: ["--logfile"],
  },
];

/** vpc-router's health-check interval flags; they set `probe.intervalMs` (check-intervals.ts). */
export const CHECK_INTERVAL_FLAGS: readonly CheckIntervalFlag[] = [
  {
    flags: "--icmp-check-interval <s>",
    plugin: "icmpecho",
    description: "vpc-router's icmpecho period in s (1..3600): sets the probe interval",
    vpcRouterSpellings: ["--icmp_check_interval"],
  },
  {
    flags: "--tcp-check-interval <s>",
    plugin: "tcp",
    description: "vpc-router's tcp period in s (1..3600): sets the probe interval",
    vpcRouterSpellings: ["--tcp_check_interval"],
  },
];

/** The flag that names a configuration file. */
export const CONFIG_FILE_FLAG = { flags: "--config <file>", description: "JSON configuration file" } as const;

/** Environment variable naming the configuration file when `--config` is not given. */
export const CONFIG_FILE_ENV = "VPCROUTER_CONFIG";
