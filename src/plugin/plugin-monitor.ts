/**
 * A health check's monitor run (whole failed sets on its own cadence) as a failed set the daemon
 * can combine with the probes': reports are checked (garbage is a fault and changes nothing) and
 * kept to the routers watched.
 */
import type { MonitorRun } from "./api.js";
import type { PluginFaults } from "./plugin-faults.js";
import { stopPluginRun } from "./stop-run.js";

/** A running monitor plugin. */
export class PluginMonitor {
  private hosts = new Set<string>();
  /** The last report, router IP → reason, over every IP it named. */
  private reported = new Map<string, string>();
  private listener: (() => void) | undefined;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly run: MonitorRun,
    private readonly faults: PluginFaults,
  ) {}

  /** The context's `report`: validates a whole failed set and takes it. */
  readonly report = (failed: unknown): void => {
    if (this.stopped) return;
    if (typeof failed !== "object" || failed === null || Array.isArray(failed)) {
      this.faults.report(this.name, "report", "reported a failed set that is not an object of IP → reason");
      return;
    }
    const next = new Map<string, string>();
    for (const [ip, reason] of Object.entries(failed))
      next.set(ip, typeof reason === "string" ? reason : "failed");
    this.reported = next;
    this.listener?.();
  };

  /** Called after each report (the combined view then works out whether its set changed). */
  onReport(listener: () => void): void {
    this.listener = listener;
  }

  /** The routers to watch; passed on to the plugin (a throw is a fault). */
  setHosts(ips: readonly string[]): void {
    this.hosts = new Set(ips);
    // A router that left is forgotten: should it come back, an old report must not fail it.
    for (const ip of [...this.reported.keys()]) if (!this.hosts.has(ip)) this.reported.delete(ip);
    if (this.stopped) return;
    try {
      this.run.watch([...ips]);
    } catch (error) {
      this.faults.report(this.name, "watch", error);
    }
  }

  /** Router IP → reason for the failed routers among those watched. */
  failed(): ReadonlyMap<string, string> {
    return new Map([...this.reported].filter(([ip]) => this.hosts.has(ip)));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await stopPluginRun(this.run, (error) => this.faults.report(this.name, "stop", error));
  }
}
