/**
 * What a replica needs from its local health view, whatever produces it: the probes' fall/rise
 * monitor (health-monitor.ts), monitor plugins, or both (combined-health.ts).
 */
import type { HostHealth } from "./host-health.js";

/**
 * A local view of which routers are failed. Emits `"change"` with the new failed set
 * (`ReadonlySet<string>`) whenever it changes.
 */
export interface HealthSource {
  on(event: "change", listener: (failed: ReadonlySet<string>) => void): this;
  /** Replaces the routers watched; new ones start healthy. */
  setHosts(ips: readonly string[]): void;
  /** The routers failed now (a copy). */
  failed(): ReadonlySet<string>;
  /** Every router's state (a copy). */
  snapshot(): ReadonlyMap<string, HostHealth>;
  start(): void;
  /** Stops watching; idempotent. */
  stop(): Promise<void>;
}
