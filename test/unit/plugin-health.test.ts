/**
 * A health-check plugin's monitor run behind the daemon's health view: PluginMonitor (its reports)
 * and CombinedHealth (their union with the probes' fall/rise monitor). Fake runs and a fake probe.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { pino } from "pino";
import type { MonitorRun } from "../../src/plugin/api.js";
import { type PluginFault, PluginFaults } from "../../src/plugin/plugin-faults.js";
import { PluginMonitor } from "../../src/plugin/plugin-monitor.js";
import { CombinedHealth } from "../../src/probe/combined-health.js";
import { HealthMonitor } from "../../src/probe/health-monitor.js";
import type { Probe } from "../../src/probe/probe.js";
import { waitFor } from "../support/wait.js";

const A = "10.0.0.1";
const B = "10.0.0.2";
const C = "10.0.0.3";

function recordingFaults(): { faults: PluginFaults; seen: PluginFault[] } {
  const seen: PluginFault[] = [];
  return { faults: new PluginFaults(pino({ level: "silent" }), (fault) => seen.push(fault)), seen };
}

/** A fake monitor run that records what it is told to watch. */
function monitorOf(name = "fake-monitor", watch?: (hosts: readonly string[]) => void) {
  const { faults, seen } = recordingFaults();
  const watched: string[][] = [];
  let stops = 0;
  const run: MonitorRun = {
    watch: (hosts) => {
      watched.push([...hosts]);
      watch?.(hosts);
    },
    stop: () => void stops++,
  };
  const monitor = new PluginMonitor(name, run, faults);
  return { monitor, watched, faults: seen, stops: () => stops };
}

describe("PluginMonitor", () => {
  it("passes the hosts on to watch, and keeps a report's failed routers among them", () => {
    const { monitor, watched } = monitorOf();
    monitor.setHosts([A, B]);
    assert.deepEqual(watched, [[A, B]]);
    monitor.report({ [A]: "impaired", [C]: "stopped" });
    assert.deepEqual([...monitor.failed()], [[A, "impaired"]]);
    monitor.setHosts([A, B, C]);
    assert.deepEqual(
      new Map(monitor.failed()),
      new Map([
        [A, "impaired"],
        [C, "stopped"],
      ]),
    );
  });

  it("a router that left the hosts is forgotten: back again, an old report does not fail it", () => {
    const { monitor } = monitorOf();
    monitor.setHosts([A, B]);
    monitor.report({ [A]: "stopped", [B]: "stopped" });
    monitor.setHosts([B]);
    monitor.setHosts([A, B]);
    assert.deepEqual([...monitor.failed().keys()], [B]);
  });

  it("a report is the whole failed set, never a change", () => {
    const { monitor } = monitorOf();
    monitor.setHosts([A, B, C]);
    monitor.report({ [A]: "x", [B]: "y" });
    monitor.report({ [C]: "z" });
    assert.deepEqual([...monitor.failed().keys()], [C]);
    monitor.report({});
    assert.equal(monitor.failed().size, 0);
  });

  it("a reason that is no string is 'failed'", () => {
    const { monitor } = monitorOf();
    monitor.setHosts([A]);
    monitor.report({ [A]: 7 } as unknown as Record<string, string>);
    assert.equal(monitor.failed().get(A), "failed");
  });

  for (const [label, garbage] of [
    ["null", null],
    ["an array", [A]],
    ["a string", A],
    ["a number", 1],
    ["undefined", undefined],
  ] as const) {
    it(`a report that is ${label}: a report fault, and nothing changes`, () => {
      const { monitor, faults } = monitorOf();
      let heard = 0;
      monitor.onReport(() => heard++);
      monitor.setHosts([A, B]);
      monitor.report({ [A]: "down" });
      monitor.report(garbage);
      assert.deepEqual([...monitor.failed().keys()], [A]);
      assert.equal(heard, 1);
      assert.equal(faults.length, 1);
      assert.equal(faults[0]?.operation, "report");
    });
  }

  it("a watch that throws is a watch fault; the hosts still change", () => {
    const { monitor, faults } = monitorOf("fake-monitor", () => {
      throw new Error("watch broke");
    });
    monitor.report({ [B]: "down" });
    monitor.setHosts([B]);
    assert.deepEqual([...monitor.failed().keys()], [B]);
    assert.deepEqual(faults, [{ plugin: "fake-monitor", operation: "watch", message: "Error: watch broke" }]);
  });

  it("stop: stop once; later reports and hosts reach nothing", async () => {
    const { monitor, watched, stops } = monitorOf();
    monitor.setHosts([A]);
    await monitor.stop();
    await monitor.stop();
    assert.equal(stops(), 1);
    monitor.report({ [A]: "late" });
    monitor.setHosts([A, B]);
    assert.equal(monitor.failed().size, 0);
    assert.deepEqual(watched, [[A]]);
  });
});

/** A probe whose routers in `down` miss. */
class SwitchProbe implements Probe {
  readonly name = "switch";
  readonly down = new Set<string>();
  async check(ip: string): Promise<boolean> {
    return !this.down.has(ip);
  }
  close(): void {}
}

const views: CombinedHealth[] = [];
afterEach(async () => {
  await Promise.all(views.splice(0).map((view) => view.stop()));
});

function combined(probes: HealthMonitor | undefined, monitors: PluginMonitor[]) {
  const view = new CombinedHealth(probes, monitors);
  views.push(view);
  const changes: string[][] = [];
  view.on("change", (failed: ReadonlySet<string>) => changes.push([...failed].sort()));
  return { view, changes };
}

describe("CombinedHealth", () => {
  it("a router is failed when the probes or a monitor fail it; change only when the union changes", async () => {
    const probe = new SwitchProbe();
    const probes = new HealthMonitor({ intervalMs: 10, timeoutMs: 50, fall: 1, rise: 1, probe });
    const { monitor } = monitorOf("ec2");
    const { view, changes } = combined(probes, [monitor]);
    view.setHosts([A, B, C]);
    view.start();
    assert.deepEqual(changes, []);

    probe.down.add(A);
    await waitFor(() => changes.length === 1, { timeoutMs: 2000 });
    assert.deepEqual(changes, [[A]]);

    monitor.report({ [A]: "impaired" });
    assert.deepEqual(changes, [[A]], "A was failed already");
    monitor.report({ [A]: "impaired", [B]: "stopped" });
    assert.deepEqual(changes, [[A], [A, B]]);

    probe.down.delete(A);
    await waitFor(() => probes.failed().size === 0, { timeoutMs: 2000 });
    assert.deepEqual(changes, [[A], [A, B]], "the monitor still fails A");
    assert.deepEqual([...view.failed()].sort(), [A, B]);

    monitor.report({});
    assert.deepEqual(changes, [[A], [A, B], []]);
    assert.equal(view.failed().size, 0);
  });

  it("snapshot: the probes' states, monitor-failed routers unhealthy; monitorReasons names the monitor", async () => {
    const probe = new SwitchProbe();
    const probes = new HealthMonitor({ intervalMs: 10, timeoutMs: 50, fall: 1, rise: 1, probe });
    const { monitor } = monitorOf("ec2");
    const { view } = combined(probes, [monitor]);
    view.setHosts([A, B]);
    view.start();
    await waitFor(() => (view.snapshot().get(A)?.lastCheckAt ?? 0) > 0, { timeoutMs: 2000 });
    monitor.report({ [B]: "stopped" });
    const snapshot = view.snapshot();
    assert.equal(snapshot.get(A)?.healthy, true);
    assert.equal(snapshot.get(B)?.healthy, false);
    assert.ok(
      (snapshot.get(B)?.lastCheckAt ?? 0) > 0,
      "the probe's state is kept under the monitor's verdict",
    );
    assert.deepEqual([...view.monitorReasons()], [[B, "ec2: stopped"]]);
  });

  it("monitors only: hosts start healthy, reports of two monitors add up, the first reason wins", () => {
    const first = monitorOf("one");
    const second = monitorOf("two");
    const { view, changes } = combined(undefined, [first.monitor, second.monitor]);
    view.setHosts([A, B, C]);
    assert.deepEqual(
      [...view.snapshot().values()].map((health) => health.healthy),
      [true, true, true],
    );
    first.monitor.report({ [A]: "a" });
    second.monitor.report({ [A]: "b", [B]: "c" });
    assert.deepEqual(changes, [[A], [A, B]]);
    assert.deepEqual(
      new Map(view.monitorReasons()),
      new Map([
        [A, "one: a"],
        [B, "two: c"],
      ]),
    );
    assert.equal(view.snapshot().get(C)?.healthy, true);
    assert.deepEqual(first.watched, [[A, B, C]]);
  });

  it("a failed router that leaves the hosts: a change", () => {
    const { monitor } = monitorOf();
    const { view, changes } = combined(undefined, [monitor]);
    view.setHosts([A, B]);
    monitor.report({ [A]: "x" });
    view.setHosts([B]);
    assert.deepEqual(changes, [[A], []]);
    assert.deepEqual([...view.snapshot().keys()], [B]);
  });

  it("stop stops the monitors' runs", async () => {
    const { monitor, stops } = monitorOf();
    const { view } = combined(undefined, [monitor]);
    await view.stop();
    assert.equal(stops(), 1);
  });
});
