/**
 * Every setting of a vpcrouter replica, declared once: kind, format, default and documentation.
 * The configuration type, the convict schema and each setting's environment variable derive from it.
 */

import type { PluginOptionValue } from "../plugin/api.js";
import { AWS_SETTINGS } from "./aws-settings.js";
import {
  boolean,
  type ConfigOf,
  convictSchemaOf,
  integer,
  list,
  oneOf,
  text,
  zeroOrInteger,
} from "./declaration.js";
import {
  ETCD_ENDPOINTS,
  ETCD_PREFIX,
  HOST_NAME_LIST,
  IPV4_CIDR_LIST,
  IPV4_LIST,
  LISTEN_ADDRESS,
  NON_EMPTY_TEXT,
  ORIGIN_LIST,
  REPLICA_ID_FORMAT,
} from "./formats.js";
import { PLUGIN_REFERENCE_FORMAT, PROBE_PLUGIN_LIST } from "./plugin-formats.js";

const HOUR_MS = 3_600_000;

/**
 * The declaration of every setting, grouped as in the configuration file. Defaults follow
 * docs/DESIGN.md section 5 "Defaults". Each setting's environment variable is `VPCROUTER_` + its path in upper
 * snake case (`probe.intervalMs` → `VPCROUTER_PROBE_INTERVAL_MS`, see `envNameOf`); config/README.md
 * lists them. `etcd.password` is `sensitive`: convict never prints it in error messages. Secrets can come from
 * files (`etcd.passwordFile`, `api.tokenFile`): the file's contents never enter the configuration.
 */
export const SETTINGS = {
  replica: {
    id: text({
      format: REPLICA_ID_FORMAT,
      doc: "Replica id, unique in the cluster; used as an etcd key segment. Empty: the host name.",
      default: "",
    }),
    zone: text({
      doc: "Availability zone of this replica (informational: shown in members and status).",
      default: "",
    }),
  },
  etcd: {
    endpoints: list({
      format: ETCD_ENDPOINTS,
      doc: "etcd client endpoints, host:port or http(s)://host:port.",
      default: ["127.0.0.1:2379"],
    }),
    prefix: text({
      format: ETCD_PREFIX,
      doc: "Key prefix of this cluster's keys; one prefix per VPC.",
      default: "/vpcrouter",
    }),
    username: text({ doc: "etcd user (password auth).", default: "" }),
    password: text({
      doc: "etcd password; prefer etcd.passwordFile (an environment value is visible to the process's user only, a flag value to everyone).",
      default: "",
      sensitive: true,
    }),
    passwordFile: text({
      doc: "File holding the etcd password (one line; a trailing newline is ignored), e.g. a mounted Secret.",
      default: "",
    }),
    caFile: text({
      doc: "PEM file of the CA that signed etcd's server certificate (enables TLS).",
      default: "",
    }),
    certFile: text({ doc: "PEM client certificate for etcd mutual TLS.", default: "" }),
    keyFile: text({ doc: "PEM private key of the client certificate.", default: "" }),
    callTimeoutMs: integer(100, 60_000, { doc: "Deadline of each unary etcd call, ms.", default: 3000 }),
  },
  probe: {
    health: text({
      format: PLUGIN_REFERENCE_FORMAT,
      doc: "Health check: icmpecho, tcp (connect to tcpCheckPort), ec2status (EC2's instance state and status checks), multi (every check of multiPlugins), or a health-check plugin's package name or module path (docs/PLUGINS.md).",
      default: "icmpecho",
    }),
    intervalMs: integer(10, HOUR_MS, {
      doc: "Time between two probe rounds of every router, ms.",
      default: 300,
    }),
    fastIntervalMs: integer(1, HOUR_MS, {
      doc: "A router between states (missed, not yet fall misses; or answered, not yet rise successes) is probed again this many ms after its last check instead of at the next round (HAProxy's fastinter); at or above intervalMs: off.",
      default: 50,
    }),
    timeoutMs: integer(1, HOUR_MS, {
      doc: "A probe without answer after this many ms is a miss; must be below intervalMs.",
      default: 100,
    }),
    fall: integer(1, 1000, { doc: "Consecutive misses after which a router is failed.", default: 3 }),
    rise: integer(1, 1000, {
      doc: "Consecutive successes after which a failed router is healthy again.",
      default: 5,
    }),
    tcpCheckPort: integer(1, 65535, {
      doc: "TCP port connected to by the tcp and multi health checks.",
      default: 22,
    }),
    multiPlugins: list({
      format: PROBE_PLUGIN_LIST,
      doc: "Health checks of multi (any failing one fails the router): built-in names, packages or module paths; text: icmpecho:tcp.",
      default: ["icmpecho", "tcp"],
    }),
  },
  election: {
    ttlSeconds: integer(2, 3600, {
      doc: "Lease TTL of the leader and of each member's keys, s (etcd floors leases at about 2 s).",
      default: 5,
    }),
    safetyMarginMs: integer(0, HOUR_MS, {
      doc: "The leader stops EC2 writes this many ms before its lease could have expired.",
      default: 1000,
    }),
  },
  quorum: {
    expectedReplicas: integer(1, 99, {
      doc: "Replicas the cluster is meant to have: a failure is confirmed by a majority of the larger of this and the live members, so a partition leaving fewer replicas connected to etcd cannot move routes on its own view. 1 keeps a single replica working alone; set 3 for three replicas.",
      default: 1,
    }),
  },
  reconcile: {
    routeRecheckIntervalSeconds: zeroOrInteger(5, 86_400, {
      doc: "Period of the full DescribeRouteTables reconcile, s; 0 disables periodic rechecks.",
      default: 30,
    }),
    prune: oneOf(["managed", "all"], {
      doc: "managed: delete only routes of CIDRs this cluster manages (recorded in <prefix>/status); all: vpc-router's behaviour.",
      default: "managed",
    }),
    ignoreRoutes: list({
      format: IPV4_CIDR_LIST,
      doc: "IPv4 CIDRs whose routes (and routes inside them) are never touched; 0.0.0.0/0 protects only itself.",
      default: [],
    }),
    allowEmptySpec: boolean({
      doc: "Let an empty spec {} delete routes (managed ones, or all with prune=all); off: {} deletes nothing.",
      default: false,
    }),
    dryRun: boolean({
      doc: "Run the whole daemon but never write to EC2: the leader's plans are logged and shown in /status (lastPlan, lastReconcile.held).",
      default: false,
    }),
  },
  spec: {
    maxRoutes: integer(1, 1000, {
      doc: "Most routes a spec may hold (EC2 allows up to 1000 routes per table).",
      default: 200,
    }),
    mode: text({
      format: PLUGIN_REFERENCE_FORMAT,
      doc: "Spec source: etcd (<prefix>/spec), http (POST /route_spec, stored in etcd), configfile (spec.file), fixedconf (spec.fixedCidr + spec.fixedHosts), or a spec-source plugin's package name or module path (docs/PLUGINS.md).",
      default: "etcd",
    }),
    file: text({
      doc: "Route spec file of the configfile mode; watched for changes (also rename-and-replace and symlink swaps).",
      default: "",
    }),
    fixedCidr: text({ doc: "The one destination CIDR of the fixedconf mode.", default: "" }),
    fixedHosts: list({
      format: IPV4_LIST,
      doc: "Router IPs of the fixedconf mode; text: separated by : or ,.",
      default: [],
    }),
  },
  aws: AWS_SETTINGS,
  api: {
    address: text({
      format: LISTEN_ADDRESS,
      doc: "Listen address of the HTTP status API.",
      default: "127.0.0.1",
    }),
    port: integer(1, 65535, {
      doc: "Listen port of the HTTP status API (vpc-router's port).",
      default: 33289,
    }),
    writes: boolean({
      doc: "Accept writes (POST /route_spec); false: the API is read-only.",
      default: true,
    }),
    tokenFile: text({
      doc: "File holding the bearer token that writes must carry (Authorization: Bearer …; at least 16 characters). Required for writes when api.address is not loopback.",
      default: "",
    }),
    allowedOrigins: list({
      format: ORIGIN_LIST,
      doc: "Browser origins (scheme://host[:port]) allowed to write; a write carrying any other Origin is refused (403).",
      default: [],
    }),
    allowedHosts: list({
      format: HOST_NAME_LIST,
      doc: "Host names a write's Host header may carry besides the listen address and loopback names; any other is refused (421, against DNS rebinding).",
      default: [],
    }),
    tls: {
      cert: text({
        doc: "PEM server certificate (chain) of the API; with api.tls.key enables HTTPS.",
        default: "",
      }),
      key: text({ doc: "PEM private key of api.tls.cert.", default: "" }),
      clientCa: text({
        doc: "PEM CA bundle: clients must present a certificate it signed (mutual TLS).",
        default: "",
      }),
    },
    client: {
      cert: text({
        doc: "PEM client certificate `vpcrouter status` presents to an API that asks for one (api.tls.clientCa).",
        default: "",
      }),
      key: text({ doc: "PEM private key of api.client.cert.", default: "" }),
      ca: text({
        doc: "PEM CA bundle `vpcrouter status` trusts for the API's certificate (empty: the system's and NODE_EXTRA_CA_CERTS).",
        default: "",
      }),
    },
  },
  hooks: {
    command: text({
      doc: "Program run (no shell, no arguments) when this replica becomes leader, loses leadership or fails a route over; the facts are in its environment (VPCROUTER_EVENT, …). Empty: none.",
      default: "",
    }),
    timeoutMs: integer(100, 600_000, {
      doc: "A state hook still running after this is killed, ms; hooks run one at a time.",
      default: 10_000,
    }),
  },
  log: {
    level: oneOf(["trace", "debug", "info", "warn", "error", "fatal"], {
      doc: "Log level.",
      default: "info",
    }),
    file: text({
      doc: "Log destination: empty for standard output, - for standard error, or a file path (appended).",
      default: "",
    }),
  },
  telemetry: {
    traces: oneOf(["none", "otlp", "console"], {
      doc: "Trace export: otlp or console; none leaves it to the standard OTEL_TRACES_EXPORTER / OTEL_EXPORTER_OTLP_* environment (nothing set: no export).",
      default: "none",
    }),
    serviceName: text({ format: NON_EMPTY_TEXT, doc: "OpenTelemetry service.name.", default: "vpcrouter" }),
  },
};

/** The settings of {@link SETTINGS}, without the plugins' options. */
export type CoreConfig = ConfigOf<typeof SETTINGS>;

/**
 * The options of the plugins in use: plugin name → option name → validated value, e.g.
 * `{ ec2status: { intervalMs: 5000 } }` (setting `plugins.ec2status.intervalMs`). Only plugins
 * that declare options have an entry.
 */
export type PluginSettings = Record<string, Record<string, PluginOptionValue>>;

/** A replica's validated configuration. Units are in the names (Ms = milliseconds, Seconds). */
export type VpcrouterConfig = CoreConfig & { plugins: PluginSettings };

/** Which routes the leader may delete when they are not in the spec (docs/DESIGN.md, safety rule 5). */
export type PruneMode = VpcrouterConfig["reconcile"]["prune"];
/** pino log levels. */
export type LogLevel = VpcrouterConfig["log"]["level"];
/** Where traces go: nowhere, an OTLP collector (OTEL_EXPORTER_OTLP_* env), or stdout. */
export type TraceExport = VpcrouterConfig["telemetry"]["traces"];

/**
 * The convict schema built from {@link SETTINGS}: every leaf has `default`, `format`, `doc` and
 * `env` (`VPCROUTER_…` from its path); `etcd.password` is `sensitive`.
 */
export const configSchema = convictSchemaOf(SETTINGS);
