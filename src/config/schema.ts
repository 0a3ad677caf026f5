/**
 * The configuration of one vpcrouter replica: its TypeScript shape and the convict schema that
 * declares each setting's default, format, documentation and environment variable.
 *
 * Defaults follow DESIGN.md "Defaults". Environment variables are `VPCROUTER_` + the setting path in
 * upper snake case (`probe.intervalMs` → `VPCROUTER_PROBE_INTERVAL_MS`); config/README.md lists them.
 */
import type { Schema } from "convict";
import {
  ETCD_ENDPOINTS,
  ETCD_PREFIX,
  IPV4_CIDR_LIST,
  IPV4_LIST,
  integerFormat,
  LISTEN_ADDRESS,
  NON_EMPTY_TEXT,
  PROBE_PLUGIN_LIST,
  REGION_FORMAT,
  REPLICA_ID_FORMAT,
  ROUTE_TABLE_SELECTION,
  TEXT,
  VPC_ID_FORMAT,
  zeroOrIntegerFormat,
} from "./formats.js";

/** Health check used by the probes: ICMP echo, TCP connect, or both (any failing sub-probe fails). */
export type HealthCheckKind = "icmpecho" | "tcp" | "multi";
/** Which routes the leader may delete when they are not in the spec (DESIGN.md rule 5). */
export type PruneMode = "managed" | "all";
/** Where the route spec comes from (vpc-router's `-m/--mode`); `etcd` and `http` both read `<prefix>/spec`. */
export type SpecMode = "etcd" | "http" | "configfile" | "fixedconf";
/** A sub-probe of the `multi` health check. */
export type ProbePlugin = "icmpecho" | "tcp";
/** pino log levels. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal";
/** Where traces go: nowhere, an OTLP collector (OTEL_EXPORTER_OTLP_* env), or stdout. */
export type TraceExport = "none" | "otlp" | "console";

/** A replica's validated configuration. Units are in the names (Ms = milliseconds, Seconds). */
export interface VpcrouterConfig {
  replica: { id: string; zone: string };
  etcd: {
    endpoints: string[];
    prefix: string;
    username: string;
    password: string;
    caFile: string;
    certFile: string;
    keyFile: string;
    callTimeoutMs: number;
  };
  probe: {
    health: HealthCheckKind;
    intervalMs: number;
    timeoutMs: number;
    fall: number;
    rise: number;
    tcpCheckPort: number;
    multiPlugins: ProbePlugin[];
  };
  election: { ttlSeconds: number; safetyMarginMs: number };
  reconcile: {
    routeRecheckIntervalSeconds: number;
    prune: PruneMode;
    ignoreRoutes: string[];
    allowEmptySpec: boolean;
  };
  spec: { maxRoutes: number; mode: SpecMode; file: string; fixedCidr: string; fixedHosts: string[] };
  aws: {
    region: string;
    vpcId: string;
    routeTables: string;
    fixSourceDestCheck: boolean;
    callTimeoutMs: number;
    maxRetries: number;
    initialBackoffMs: number;
    maxBackoffMs: number;
    breakerThreshold: number;
    breakerHalfOpenAfterMs: number;
  };
  api: { address: string; port: number };
  log: { level: LogLevel; file: string };
  telemetry: { traces: TraceExport; serviceName: string };
}

const HOUR_MS = 3_600_000;

/**
 * The convict schema. Every leaf has `default`, `format`, `doc` and `env`; `etcd.password` is
 * `sensitive` so convict never prints it in error messages.
 */
export const configSchema: Schema<VpcrouterConfig> = {
  replica: {
    id: {
      doc: "Replica id, unique in the cluster; used as an etcd key segment. Empty: the host name.",
      format: REPLICA_ID_FORMAT,
      default: "",
      env: "VPCROUTER_REPLICA_ID",
    },
    zone: {
      doc: "Availability zone of this replica (informational: shown in members and status).",
      format: TEXT,
      default: "",
      env: "VPCROUTER_REPLICA_ZONE",
    },
  },
  etcd: {
    endpoints: {
      doc: "etcd client endpoints, host:port or http(s)://host:port.",
      format: ETCD_ENDPOINTS,
      default: ["127.0.0.1:2379"],
      env: "VPCROUTER_ETCD_ENDPOINTS",
    },
    prefix: {
      doc: "Key prefix of this cluster's keys; one prefix per VPC.",
      format: ETCD_PREFIX,
      default: "/vpcrouter",
      env: "VPCROUTER_ETCD_PREFIX",
    },
    username: {
      doc: "etcd user (password auth).",
      format: TEXT,
      default: "",
      env: "VPCROUTER_ETCD_USERNAME",
    },
    password: {
      doc: "etcd password.",
      format: TEXT,
      default: "",
      env: "VPCROUTER_ETCD_PASSWORD",
      sensitive: true,
    },
    caFile: {
      doc: "PEM file of the CA that signed etcd's server certificate (enables TLS).",
      format: TEXT,
      default: "",
      env: "VPCROUTER_ETCD_CA_FILE",
    },
    certFile: {
      doc: "PEM client certificate for etcd mutual TLS.",
      format: TEXT,
      default: "",
      env: "VPCROUTER_ETCD_CERT_FILE",
    },
    keyFile: {
      doc: "PEM private key of the client certificate.",
      format: TEXT,
      default: "",
      env: "VPCROUTER_ETCD_KEY_FILE",
    },
    callTimeoutMs: {
      doc: "Deadline of each unary etcd call, ms.",
      format: integerFormat(100, 60_000),
      default: 3000,
      env: "VPCROUTER_ETCD_CALL_TIMEOUT_MS",
    },
  },
  probe: {
    health: {
      doc: "Health check: icmpecho, tcp (connect to tcpCheckPort) or multi (both).",
      format: ["icmpecho", "tcp", "multi"],
      default: "icmpecho",
      env: "VPCROUTER_PROBE_HEALTH",
    },
    intervalMs: {
      doc: "Time between two probes of the same router, ms.",
      format: integerFormat(10, HOUR_MS),
      default: 500,
      env: "VPCROUTER_PROBE_INTERVAL_MS",
    },
    timeoutMs: {
      doc: "A probe without answer after this many ms is a miss; must be below intervalMs.",
      format: integerFormat(1, HOUR_MS),
      default: 400,
      env: "VPCROUTER_PROBE_TIMEOUT_MS",
    },
    fall: {
      doc: "Consecutive misses after which a router is failed.",
      format: integerFormat(1, 1000),
      default: 3,
      env: "VPCROUTER_PROBE_FALL",
    },
    rise: {
      doc: "Consecutive successes after which a failed router is healthy again.",
      format: integerFormat(1, 1000),
      default: 5,
      env: "VPCROUTER_PROBE_RISE",
    },
    tcpCheckPort: {
      doc: "TCP port connected to by the tcp and multi health checks.",
      format: integerFormat(1, 65535),
      default: 22,
      env: "VPCROUTER_PROBE_TCP_CHECK_PORT",
    },
    multiPlugins: {
      doc: "Sub-probes of the multi health check (any failing one fails the router); text: icmpecho:tcp.",
      format: PROBE_PLUGIN_LIST,
      default: ["icmpecho", "tcp"],
      env: "VPCROUTER_PROBE_MULTI_PLUGINS",
    },
  },
  election: {
    ttlSeconds: {
      doc: "Lease TTL of the leader and of each member's keys, s (etcd floors leases at about 2 s).",
      format: integerFormat(2, 3600),
      default: 5,
      env: "VPCROUTER_ELECTION_TTL_SECONDS",
    },
    safetyMarginMs: {
      doc: "The leader stops EC2 writes this many ms before its lease could have expired.",
      format: integerFormat(0, HOUR_MS),
      default: 1000,
      env: "VPCROUTER_ELECTION_SAFETY_MARGIN_MS",
    },
  },
  reconcile: {
    routeRecheckIntervalSeconds: {
      doc: "Period of the full DescribeRouteTables reconcile, s; 0 disables periodic rechecks.",
      format: zeroOrIntegerFormat(5, 86_400),
      default: 30,
      env: "VPCROUTER_RECONCILE_ROUTE_RECHECK_INTERVAL_SECONDS",
    },
    prune: {
      doc: "managed: delete only routes this cluster created; all: vpc-router's behaviour.",
      format: ["managed", "all"],
      default: "managed",
      env: "VPCROUTER_RECONCILE_PRUNE",
    },
    ignoreRoutes: {
      doc: "IPv4 CIDRs whose routes (and routes inside them) are never touched; 0.0.0.0/0 protects only itself.",
      format: IPV4_CIDR_LIST,
      default: [],
      env: "VPCROUTER_RECONCILE_IGNORE_ROUTES",
    },
    allowEmptySpec: {
      doc: "Let an empty spec {} delete routes (managed ones, or all with prune=all); off: {} deletes nothing.",
      format: Boolean,
      default: false,
      env: "VPCROUTER_RECONCILE_ALLOW_EMPTY_SPEC",
    },
  },
  spec: {
    maxRoutes: {
      doc: "Most routes a spec may hold (EC2 allows up to 1000 routes per table).",
      format: integerFormat(1, 1000),
      default: 200,
      env: "VPCROUTER_SPEC_MAX_ROUTES",
    },
    mode: {
      doc: "Spec source: etcd (<prefix>/spec), http (POST /route_spec, stored in etcd), configfile (spec.file) or fixedconf (spec.fixedCidr + spec.fixedHosts).",
      format: ["etcd", "http", "configfile", "fixedconf"],
      default: "etcd",
      env: "VPCROUTER_SPEC_MODE",
    },
    file: {
      doc: "Route spec file of the configfile mode; watched for changes (also rename-and-replace and symlink swaps).",
      format: TEXT,
      default: "",
      env: "VPCROUTER_SPEC_FILE",
    },
    fixedCidr: {
      doc: "The one destination CIDR of the fixedconf mode.",
      format: TEXT,
      default: "",
      env: "VPCROUTER_SPEC_FIXED_CIDR",
    },
    fixedHosts: {
      doc: "Router IPs of the fixedconf mode; text: separated by : or ,.",
      format: IPV4_LIST,
      default: [],
      env: "VPCROUTER_SPEC_FIXED_HOSTS",
    },
  },
  aws: {
    region: {
      doc: "AWS region; empty: the SDK's default chain.",
      format: REGION_FORMAT,
      default: "",
      env: "VPCROUTER_AWS_REGION",
    },
    vpcId: {
      doc: "VPC whose route tables are managed (vpc-…).",
      format: VPC_ID_FORMAT,
      default: "",
      env: "VPCROUTER_AWS_VPC_ID",
    },
    routeTables: {
      doc: "Route tables to manage: all, subnets (new routes only in the routers' subnets' tables, main table included; existing ones repaired, and deleted by prune, everywhere), tag:<key>=<value>, or rtb-… ids (comma list).",
      format: ROUTE_TABLE_SELECTION,
      default: "all",
      env: "VPCROUTER_AWS_ROUTE_TABLES",
    },
    fixSourceDestCheck: {
      doc: "Disable source/destination check on router ENIs that have it enabled (ModifyNetworkInterfaceAttribute).",
      format: Boolean,
      default: false,
      env: "VPCROUTER_AWS_FIX_SOURCE_DEST_CHECK",
    },
    callTimeoutMs: {
      doc: "Timeout of one EC2 API attempt, ms.",
      format: integerFormat(100, 120_000),
      default: 5000,
      env: "VPCROUTER_AWS_CALL_TIMEOUT_MS",
    },
    maxRetries: {
      doc: "Retries (not calls) after a throttled or 5xx EC2 call.",
      format: integerFormat(0, 20),
      default: 4,
      env: "VPCROUTER_AWS_MAX_RETRIES",
    },
    initialBackoffMs: {
      doc: "First retry delay, ms (exponential with jitter).",
      format: integerFormat(1, HOUR_MS),
      default: 200,
      env: "VPCROUTER_AWS_INITIAL_BACKOFF_MS",
    },
    maxBackoffMs: {
      doc: "Largest retry delay, ms.",
      format: integerFormat(1, HOUR_MS),
      default: 5000,
      env: "VPCROUTER_AWS_MAX_BACKOFF_MS",
    },
    breakerThreshold: {
      doc: "Consecutive failures of one EC2 API that open its circuit breaker.",
      format: integerFormat(1, 1000),
      default: 5,
      env: "VPCROUTER_AWS_BREAKER_THRESHOLD",
    },
    breakerHalfOpenAfterMs: {
      doc: "Time an open breaker waits before letting one trial call through, ms.",
      format: integerFormat(100, HOUR_MS),
      default: 10_000,
      env: "VPCROUTER_AWS_BREAKER_HALF_OPEN_AFTER_MS",
    },
  },
  api: {
    address: {
      doc: "Listen address of the HTTP status API.",
      format: LISTEN_ADDRESS,
      default: "127.0.0.1",
      env: "VPCROUTER_API_ADDRESS",
    },
    port: {
      doc: "Listen port of the HTTP status API (vpc-router's port).",
      format: integerFormat(1, 65535),
      default: 33289,
      env: "VPCROUTER_API_PORT",
    },
  },
  log: {
    level: {
      doc: "Log level.",
      format: ["trace", "debug", "info", "warn", "error", "fatal"],
      default: "info",
      env: "VPCROUTER_LOG_LEVEL",
    },
    file: {
      doc: "Log destination: empty for standard output, - for standard error, or a file path (appended).",
      format: TEXT,
      default: "",
      env: "VPCROUTER_LOG_FILE",
    },
  },
  telemetry: {
    traces: {
      doc: "Trace export: none, otlp (configured by OTEL_EXPORTER_OTLP_* variables) or console.",
      format: ["none", "otlp", "console"],
      default: "none",
      env: "VPCROUTER_TELEMETRY_TRACES",
    },
    serviceName: {
      doc: "OpenTelemetry service.name.",
      format: NON_EMPTY_TEXT,
      default: "vpcrouter",
      env: "VPCROUTER_TELEMETRY_SERVICE_NAME",
    },
  },
};
