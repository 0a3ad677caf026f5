/**
 * Starts the health checks in use (built-in and external alike) and puts them behind one local
 * health view: probe runs share the fall/rise monitor (all of them must answer, as in vpc-router's
 * `multi`), monitor runs report their own failed sets, and a router is failed when any fails it.
 */
import type { VpcrouterConfig } from "../config/schema.js";
import { within } from "../lib/within.js";
import { CombinedHealth } from "../probe/combined-health.js";
import { HealthMonitor, type HealthMonitorOptions } from "../probe/health-monitor.js";
import { MultiProbe } from "../probe/multi.js";
import type { Probe } from "../probe/probe.js";
import type { HealthCheckPlugin, MonitorRun, PluginOptionValues, ProbeRun } from "./api.js";
import { optionsOf } from "./built-ins.js";
import type { LoadedPlugin } from "./load-plugin.js";
import type { PluginFaults } from "./plugin-faults.js";
import { PluginMonitor } from "./plugin-monitor.js";
import { FailedProbe, PluginProbe } from "./plugin-probe.js";
import { stopPluginRun } from "./stop-run.js";

/** How long a health check's `start` may take, ms; after that it counts as not started. */
export const PLUGIN_START_TIMEOUT_MS = 10_000;

/** The started health checks. */
export interface StartedHealth {
  readonly health: CombinedHealth;
  /** Why each of `failed` is failed, by the check that said so (probes' last miss, monitors' reports). */
  reasons(failed: Iterable<string>): Record<string, string>;
  /** Stops the plugins' runs, awaiting each `stop` at most 5 s (the view itself is stopped by its owner). */
  close(): Promise<void>;
}

/**
 * @param checks the health checks of the plugin set, in order
 * @param config the options: built-ins from their settings, every plugin from `config.plugins`
 * @param probing the fall/rise monitor's options, without the probe
 * Never throws: a check whose start throws, rejects, overruns or returns neither `check` nor
 * `watch` is reported as a fault and fails every router it would watch.
 */
export async function startHealthChecks(
  checks: readonly LoadedPlugin<"health-check">[],
  config: VpcrouterConfig,
  faults: PluginFaults,
  probing: Omit<HealthMonitorOptions, "probe">,
): Promise<StartedHealth> {
  const abort = new AbortController();
  const started = await Promise.all(
    checks.map((loaded) => startOne(loaded.plugin, optionsOf(loaded, config), faults, abort.signal)),
  );
  const probes = started.flatMap((check) => (check.probe ? [check.probe] : []));
  const monitors = started.flatMap((check) => (check.monitor ? [check.monitor] : []));
  const [onlyProbe] = probes;
  const probe: Probe | undefined = probes.length > 1 ? new MultiProbe(probes) : onlyProbe;
  const probeMonitor = probe ? new HealthMonitor({ ...probing, probe }) : undefined;
  const health = new CombinedHealth(probeMonitor, monitors);
  return {
    health,
    reasons: (failed) => {
      const byMonitor = health.monitorReasons();
      const reasonOf = (ip: string) =>
        byMonitor.get(ip) ??
        probes.flatMap((each) => {
          const reason = each instanceof PluginProbe ? each.reasonOf(ip) : undefined;
          return reason === undefined ? [] : [`${each.name}: ${reason}`];
        })[0] ??
        "failed";
      return Object.fromEntries([...failed].map((ip) => [ip, reasonOf(ip)]));
    },
    close: async () => {
      abort.abort();
      await Promise.all(probes.map((each) => (each instanceof PluginProbe ? each.stop() : each.close())));
    },
  };
}

async function startOne(
  plugin: HealthCheckPlugin,
  options: PluginOptionValues,
  faults: PluginFaults,
  signal: AbortSignal,
): Promise<{ probe?: Probe; monitor?: PluginMonitor }> {
  // A plugin may report from within start, before its monitor exists: the last such report waits.
  let early: { failed: unknown } | undefined;
  let report: (failed: unknown) => void = (failed) => {
    early = { failed };
  };
  const context = {
    logger: faults.loggerFor(plugin.name),
    options,
    signal,
    report: (failed: Readonly<Record<string, string>>) => report(failed),
  };
  try {
    const starting = Promise.resolve().then(() => plugin.start(context));
    const outcome = await within<unknown>(starting, PLUGIN_START_TIMEOUT_MS);
    if (!outcome.settled) {
      // A start that finishes after its time is up is stopped at once.
      void starting
        .then((late) => stopPluginRun(late, (error) => faults.report(plugin.name, "stop", error)))
        .catch(() => undefined);
      throw new Error(`start did not finish within ${PLUGIN_START_TIMEOUT_MS} ms`);
    }
    const run = outcome.value;
    if (isProbeRun(run)) return { probe: new PluginProbe(plugin.name, run, faults) };
    if (isMonitorRun(run)) {
      const monitor = new PluginMonitor(plugin.name, run, faults);
      report = monitor.report;
      if (early !== undefined) monitor.report(early.failed);
      return { monitor };
    }
    throw new Error("start returned neither a probe run (check) nor a monitor run (watch)");
  } catch (error) {
    faults.report(plugin.name, "start", error);
    return { probe: new FailedProbe(plugin.name) };
  }
}

function isProbeRun(run: unknown): run is ProbeRun {
  return typeof run === "object" && run !== null && typeof (run as ProbeRun).check === "function";
}

function isMonitorRun(run: unknown): run is MonitorRun {
  return typeof run === "object" && run !== null && typeof (run as MonitorRun).watch === "function";
}
