/**
 * The local health view when monitor plugins take part: a router is failed when the probes'
 * fall/rise monitor fails it or any monitor reports it failed (vpc-router's `multi`: any failing
 * check fails the router).
 */
import { EventEmitter } from "node:events";
import type { PluginMonitor } from "../plugin/plugin-monitor.js";
import type { HealthMonitor } from "./health-monitor.js";
import type { HealthSource } from "./health-source.js";
import { type HostHealth, NEW_HOST } from "./host-health.js";

/** The probes' monitor (if any probe runs) and the monitors, as one {@link HealthSource}. */
export class CombinedHealth extends EventEmitter implements HealthSource {
  private hosts: readonly string[] = [];
  private last: ReadonlySet<string> = new Set();

  constructor(
    private readonly probes: HealthMonitor | undefined,
    private readonly monitors: readonly PluginMonitor[],
  ) {
    super();
    probes?.on("change", () => this.recompute());
    for (const monitor of monitors) monitor.onReport(() => this.recompute());
  }

  setHosts(ips: readonly string[]): void {
    this.hosts = [...ips];
    this.probes?.setHosts(ips);
    for (const monitor of this.monitors) monitor.setHosts(ips);
    this.recompute();
  }

  failed(): ReadonlySet<string> {
    const failed = new Set(this.probes?.failed() ?? []);
    for (const monitor of this.monitors) for (const ip of monitor.failed().keys()) failed.add(ip);
    return failed;
  }

  /** Why each failed router is failed by a monitor, e.g. `ec2status: instance i-1 is stopped`. */
  monitorReasons(): ReadonlyMap<string, string> {
    const reasons = new Map<string, string>();
    for (const monitor of this.monitors)
      for (const [ip, reason] of monitor.failed())
        if (!reasons.has(ip)) reasons.set(ip, `${monitor.name}: ${reason}`);
    return reasons;
  }

  /** The probes' states (healthy while no probe runs), with the monitors' failures over them. */
  snapshot(): ReadonlyMap<string, HostHealth> {
    const base = this.probes?.snapshot() ?? new Map(this.hosts.map((ip) => [ip, NEW_HOST]));
    const failed = this.failed();
    return new Map(
      [...base].map(([ip, health]) => [ip, failed.has(ip) ? { ...health, healthy: false } : health]),
    );
  }

  start(): void {
    this.probes?.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.probes?.stop(), ...this.monitors.map((monitor) => monitor.stop())]);
  }

  private recompute(): void {
    const next = this.failed();
    if (next.size === this.last.size && [...next].every((ip) => this.last.has(ip))) return;
    this.last = next;
    try {
      this.emit("change", next);
    } catch (error) {
      process.emitWarning(error as Error, "HealthMonitorWarning");
    }
  }
}
