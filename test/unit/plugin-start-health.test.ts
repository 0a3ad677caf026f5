/**
 * startHealthChecks (plugin/start-health-checks.ts) with fake health-check plugins: probe runs and
 * monitor runs together, options from config.plugins, and starts that fail.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { pino } from "pino";
import { loadConfig } from "../../src/config/load.js";
import type { HealthCheckContext, HealthCheckPlugin, MonitorRun, ProbeRun } from "../../src/plugin/api.js";
import type { LoadedPlugin } from "../../src/plugin/load-plugin.js";
import { type PluginFault, PluginFaults } from "../../src/plugin/plugin-faults.js";
import { type StartedHealth, startHealthChecks } from "../../src/plugin/start-health-checks.js";
import { waitFor } from "../support/wait.js";

const A = "10.0.0.1";
const B = "10.0.0.2";
const C = "10.0.0.3";
const PROBING = { intervalMs: 10, timeoutMs: 50, fall: 2, rise: 1 };

function loaded(plugin: HealthCheckPlugin): LoadedPlugin<"health-check"> {
  return {
    plugin,
    reference: `./${plugin.name}.js`,
    location: `file:///plugins/${plugin.name}.js`,
    builtIn: false,
  };
}

/** A probe plugin: routers in `down` are down, with a reason. Keeps the contexts it was started with. */
function probePlugin(down: Set<string>) {
  const contexts: HealthCheckContext[] = [];
  let stops = 0;
  const plugin: HealthCheckPlugin = {
    apiVersion: 1,
    kind: "health-check",
    name: "fake-probe",
    description: "a fake probe",
    options: {
      retries: { type: "integer", doc: "Retries.", default: 3, min: 1, max: 10 },
      label: { type: "string", doc: "A label.", default: "l" },
    },
    start(context): ProbeRun {
      contexts.push(context);
      return {
        check: async (ip) => (down.has(ip) ? { up: false, reason: "no pong" } : { up: true }),
        stop: () => void stops++,
      };
    },
  };
  return { plugin, contexts, stops: () => stops };
}

/** A monitor plugin: `report` is the last context's. */
function monitorPlugin() {
  const contexts: HealthCheckContext[] = [];
  const watched: string[][] = [];
  const plugin: HealthCheckPlugin = {
    apiVersion: 1,
    kind: "health-check",
    name: "fake-monitor",
    description: "a fake monitor",
    start(context): MonitorRun {
      contexts.push(context);
      return { watch: (hosts) => watched.push([...hosts]) };
    },
  };
  return {
    plugin,
    contexts,
    watched,
    report: (failed: Record<string, string>) => contexts.at(-1)?.report(failed),
  };
}

function failingPlugin(name: string, start: () => unknown): HealthCheckPlugin {
  return {
    apiVersion: 1,
    kind: "health-check",
    name,
    description: "cannot start",
    start: start as HealthCheckPlugin["start"],
  };
}

const running: StartedHealth[] = [];
afterEach(async () => {
  for (const started of running.splice(0)) {
    await started.health.stop();
    await started.close();
  }
});

async function start(plugins: HealthCheckPlugin[], overrides: Record<string, unknown> = {}) {
  const seen: PluginFault[] = [];
  const faults = new PluginFaults(pino({ level: "silent" }), (fault) => seen.push(fault));
  const config = loadConfig({ plugins, overrides: { "replica.id": "r1", ...overrides } });
  const checksPerIp = new Map<string, number>();
  const started = await startHealthChecks(plugins.map(loaded), config, faults, {
    ...PROBING,
    onCheck: (ip) => checksPerIp.set(ip, (checksPerIp.get(ip) ?? 0) + 1),
  });
  running.push(started);
  const changes: { failed: string[]; checks: number[] }[] = [];
  started.health.on("change", (failed: ReadonlySet<string>) =>
    changes.push({ failed: [...failed].sort(), checks: [...failed].map((ip) => checksPerIp.get(ip) ?? 0) }),
  );
  return { started, faults: seen, changes, config };
}

describe("startHealthChecks", () => {
  it("a probe plugin and a monitor plugin together: a router is failed when either fails it, with its reason", async () => {
    const down = new Set<string>();
    const probe = probePlugin(down);
    const monitor = monitorPlugin();
    const { started, faults } = await start([probe.plugin, monitor.plugin]);
    started.health.setHosts([A, B, C]);
    started.health.start();
    assert.deepEqual(monitor.watched, [[A, B, C]]);

    down.add(A);
    monitor.report({ [B]: "instance stopped", "10.9.9.9": "not watched" });
    await waitFor(() => started.health.failed().size === 2, { timeoutMs: 2000 });
    const failed = started.health.failed();
    assert.deepEqual([...failed].sort(), [A, B]);
    assert.deepEqual(started.reasons(failed), {
      [A]: "fake-probe: no pong",
      [B]: "fake-monitor: instance stopped",
    });

    down.delete(A);
    monitor.report({});
    await waitFor(() => started.health.failed().size === 0, { timeoutMs: 2000 });
    assert.deepEqual(faults, []);
  });

  it("options passed to start are config.plugins[name], defaults included; none for a plugin without options", async () => {
    const probe = probePlugin(new Set());
    const monitor = monitorPlugin();
    const { config } = await start([probe.plugin, monitor.plugin], { "plugins.fake-probe.retries": "7" });
    assert.deepEqual(config.plugins["fake-probe"], { retries: 7, label: "l" });
    assert.deepEqual(probe.contexts[0]?.options, { retries: 7, label: "l" });
    assert.deepEqual(monitor.contexts[0]?.options, {});
    assert.equal(probe.contexts[0]?.signal.aborted, false);
  });

  it("each plugin gets its own logger: an error line it logs is its fault", async () => {
    const probe = probePlugin(new Set());
    const { faults } = await start([probe.plugin]);
    probe.contexts[0]?.logger.error("lost my socket");
    assert.deepEqual(faults, [{ plugin: "fake-probe", operation: "logged", message: "lost my socket" }]);
  });

  it("close aborts the plugins' signal and stops the probe runs", async () => {
    const probe = probePlugin(new Set());
    const monitor = monitorPlugin();
    const { started } = await start([probe.plugin, monitor.plugin]);
    await started.close();
    assert.equal(probe.contexts[0]?.signal.aborted, true);
    assert.equal(monitor.contexts[0]?.signal.aborted, true);
    assert.equal(probe.stops(), 1, "the probe run's stop was awaited");
  });

  const failures: [string, () => unknown, RegExp][] = [
    [
      "throws",
      () => {
        throw new Error("no socket");
      },
      /^Error: no socket$/,
    ],
    ["rejects", () => Promise.reject(new Error("no socket")), /^Error: no socket$/],
    [
      "returns neither check nor watch",
      () => ({ stop() {} }),
      /neither a probe run \(check\) nor a monitor run \(watch\)/,
    ],
    ["returns undefined", () => undefined, /neither a probe run/],
    ["resolves to a number", async () => 5, /neither a probe run/],
  ];
  for (const [label, startFn, message] of failures) {
    it(`a start that ${label}: a start fault, and every router fails after fall checks`, async () => {
      const { started, faults, changes } = await start([failingPlugin("broken", startFn)]);
      assert.equal(faults.length, 1);
      assert.equal(faults[0]?.plugin, "broken");
      assert.equal(faults[0]?.operation, "start");
      assert.match(faults[0]?.message ?? "", message);
      started.health.setHosts([A, B]);
      started.health.start();
      await waitFor(() => started.health.failed().size === 2, { timeoutMs: 2000 });
      for (const change of changes)
        for (const checks of change.checks)
          assert.ok(checks >= PROBING.fall, `failed after ${checks} checks`);
    });
  }

  it("a start that fails beside a working probe: the failed one still fails every router", async () => {
    const probe = probePlugin(new Set());
    const { started, faults } = await start([
      probe.plugin,
      failingPlugin("broken", () => {
        throw new Error("no");
      }),
    ]);
    started.health.setHosts([A, B]);
    started.health.start();
    await waitFor(() => started.health.failed().size === 2, { timeoutMs: 2000 });
    assert.deepEqual(
      faults.map((fault) => [fault.plugin, fault.operation]),
      [["broken", "start"]],
    );
  });

  it("a monitor's start that fails: its routers fail too (no silent pass)", async () => {
    const { started } = await start([
      monitorPlugin().plugin,
      failingPlugin("broken-monitor", () => Promise.reject(new Error("no EC2"))),
    ]);
    started.health.setHosts([A]);
    started.health.start();
    await waitFor(() => started.health.failed().has(A), { timeoutMs: 2000 });
  });

  it("a monitor that reports from within start: the report counts", async () => {
    const plugin: HealthCheckPlugin = {
      apiVersion: 1,
      kind: "health-check",
      name: "eager-monitor",
      description: "reports at once",
      start({ report }): MonitorRun {
        report({ [A]: "stopped" });
        return { watch: () => undefined };
      },
    };
    const { started } = await start([plugin]);
    started.health.setHosts([A, B]);
    assert.deepEqual([...started.health.failed()], [A]);
  });

  it("a monitor that reports while an async start is under way: the report counts", async () => {
    const plugin: HealthCheckPlugin = {
      apiVersion: 1,
      kind: "health-check",
      name: "slow-monitor",
      description: "reports before its start resolves",
      async start({ report }): Promise<MonitorRun> {
        await Promise.resolve();
        report({ [A]: "stopped" });
        return { watch: () => undefined };
      },
    };
    const { started } = await start([plugin]);
    started.health.setHosts([A]);
    assert.deepEqual([...started.health.failed()], [A]);
  });
});
