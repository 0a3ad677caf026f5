/**
 * `GET /plugins`: vpc-router's plugin information, one entry per "plugin" keyed by its name, each
 * `{ version, params, stats? }` (multi: also `sub-plugins`). Source of the shape: romana/vpc-router
 * 1.8 `get_info()` of `vpcrouter/watcher/plugins/{http,configfile,fixedconf}.py` and
 * `vpcrouter/monitor/plugins/{icmpecho,tcp,multi}.py`. Pure.
 *
 * The spec mode (`spec.mode`) stands for vpc-router's watcher plugin and the health check
 * (`probe.health`) for its health plugin. Built-ins report `version: "built-in"`; a plugin loaded
 * from a package or path reports its module's URL as `version` and its options (plugins.<name>,
 * secrets redacted) as `params`, under its plugin name.
 *
 * Deliberate differences from vpc-router:
 * - the `etcd` mode is new (params `endpoints`, `prefix`); `http` reports the etcd `prefix` its
 *   POSTed specs are stored under (vpc-router: no params).
 * - `fixedconf` params keep vpc-router's names, `fixed_hosts` joined with `:` as on its command line.
 * - health params keep vpc-router's names (`icmp_check_interval`, `tcp_check_interval` in seconds,
 *   `tcp_check_port`) and add `timeout_ms`, `fall`, `rise`; in `multi`, the sub-plugins share one
 *   cadence and the stats are the combined checks'.
 * - every health plugin has `stats: { measurements: [m] }` with one measurement (vpc-router's
 *   icmpecho kept its last ten and `pings_sent`): `m` = `{ time, num_responses, num_no_responses,
 *   slowest: {ip, rtt}, fastest: {ip, rtt}, average_rtt, median_rtt }` from each router's last
 *   check, RTTs in seconds as in vpc-router (null when nothing answered).
 */
import type { VpcrouterConfig } from "../config/schema.js";
import type { HostHealth } from "../probe/health-monitor.js";

const BUILT_IN = "built-in";

/** Inputs of {@link buildPluginsView} besides the configuration. */
export interface PluginsViewInput {
  /** This replica's probes (router IP → state); empty while starting. */
  readonly probes: ReadonlyMap<string, HostHealth>;
  /** When the spec source last delivered a new spec, ISO 8601 (configfile mode and plugins). */
  readonly specSourceUpdatedAt?: string;
  /** The plugins in use by the name the settings give: their plugin name and where they came from. */
  readonly plugins?: Readonly<Record<string, { readonly name: string; readonly location: string }>>;
}

type ShownConfig = Pick<VpcrouterConfig, "spec" | "etcd" | "probe" | "plugins">;

/** Builds the `/plugins` body from the configuration and the live probe states. */
export function buildPluginsView(config: ShownConfig, input: PluginsViewInput): Record<string, unknown> {
  return { ...watcherPlugin(config, input), ...healthPlugin(config, input) };
}

/** A plugin's entry by the name a setting gives: its plugin name, version and options. */
function pluginEntry(reference: string, config: ShownConfig, input: PluginsViewInput) {
  const loaded = input.plugins?.[reference];
  const name = loaded?.name ?? reference;
  return { name, version: loaded?.location ?? BUILT_IN, params: { ...config.plugins[name] } };
}

function watcherPlugin(config: ShownConfig, input: PluginsViewInput): Record<string, unknown> {
  const { spec, etcd } = config;
  switch (spec.mode) {
    case "etcd":
      return { etcd: { version: BUILT_IN, params: { endpoints: etcd.endpoints, prefix: etcd.prefix } } };
    case "http":
      return { http: { version: BUILT_IN, params: { prefix: etcd.prefix } } };
    case "configfile":
      return {
        configfile: {
          version: BUILT_IN,
          params: { file: spec.file },
          stats: { last_route_spec_update: input.specSourceUpdatedAt ?? "(no update, yet)" },
        },
      };
    case "fixedconf":
      return {
        fixedconf: {
          version: BUILT_IN,
          params: { fixed_cidr: spec.fixedCidr, fixed_hosts: spec.fixedHosts.join(":") },
        },
      };
    default: {
      const { name, ...entry } = pluginEntry(spec.mode, config, input);
      const stats = { last_route_spec_update: input.specSourceUpdatedAt ?? "(no update, yet)" };
      return { [name]: { ...entry, stats } };
    }
  }
}

function healthPlugin(config: ShownConfig, input: PluginsViewInput): Record<string, unknown> {
  const { probe } = config;
  const thresholds = { timeout_ms: probe.timeoutMs, fall: probe.fall, rise: probe.rise };
  const stats = { measurements: measurementOf(input.probes) };
  const entry = (reference: string) => {
    const { name, version, params } = pluginEntry(reference, config, input);
    return [name, { version, params: { ...subPluginParams(reference, probe), ...params } }] as const;
  };
  if (probe.health === "multi") {
    return {
      multi: {
        version: BUILT_IN,
        "sub-plugins": Object.fromEntries(probe.multiPlugins.map(entry)),
        params: { multi_plugins: probe.multiPlugins.join(":"), ...thresholds },
        stats,
      },
    };
  }
  const [name, { version, params }] = entry(probe.health);
  return { [name]: { version, params: { ...params, ...thresholds }, stats } };
}

function subPluginParams(name: string, probe: VpcrouterConfig["probe"]): Record<string, number> {
  const intervalSeconds = probe.intervalMs / 1000;
  if (name === "icmpecho") return { icmp_check_interval: intervalSeconds };
  if (name === "tcp") return { tcp_check_interval: intervalSeconds, tcp_check_port: probe.tcpCheckPort };
  return {};
}

/** One vpc-router style measurement from each router's last check; none before any check. */
export function measurementOf(probes: ReadonlyMap<string, HostHealth>): Record<string, unknown>[] {
  const checked = [...probes].filter(([, health]) => health.lastCheckAt !== undefined);
  if (checked.length === 0) return [];
  const answers = checked
    .filter(([, health]) => health.lastRttMs !== undefined)
    .map(([ip, health]) => ({ ip, rtt: (health.lastRttMs ?? 0) / 1000 }))
    .sort((a, b) => a.rtt - b.rtt);
  const latest = Math.max(...checked.map(([, health]) => health.lastCheckAt ?? 0));
  const slowest = answers.at(-1);
  const fastest = answers[0];
  return [
    {
      time: new Date(latest).toISOString(),
      num_responses: answers.length,
      num_no_responses: checked.length - answers.length,
      slowest: slowest ?? null,
      fastest: fastest ?? null,
      average_rtt: answers.length > 0 ? answers.reduce((sum, a) => sum + a.rtt, 0) / answers.length : null,
      median_rtt: median(answers.map((a) => a.rtt)),
    },
  ];
}

/** Median of ascending `values`; null when empty. */
function median(values: readonly number[]): number | null {
  const count = values.length;
  if (count === 0) return null;
  const middle = Math.floor(count / 2);
  return count % 2 === 1 ? (values[middle] ?? null) : ((values[middle - 1] ?? 0) + (values[middle] ?? 0)) / 2;
}
