/**
 * Combines probes: a host is up only when every sub-probe says so (vpc-router's "multi" health
 * module: any failing sub-probe fails the host).
 */
import type { Probe } from "./probe.js";

/** Runs all sub-probes concurrently; true only if all of them answered. */
export class MultiProbe implements Probe {
  /** "multi(<name>,<name>…)". */
  readonly name: string;
  private readonly probes: readonly Probe[];

  /** @throws RangeError when `probes` is empty (an empty conjunction would call every host healthy). */
  constructor(probes: Probe[]) {
    if (probes.length === 0) throw new RangeError("MultiProbe needs at least one probe");
    this.probes = [...probes];
    this.name = `multi(${this.probes.map((p) => p.name).join(",")})`;
  }

  /** Checks `ip` with every sub-probe using the same `timeoutMs`; a sub-probe that rejects counts as false. */
  async check(ip: string, timeoutMs: number): Promise<boolean> {
    const results = await Promise.all(this.probes.map((p) => p.check(ip, timeoutMs).catch(() => false)));
    return results.every((answered) => answered);
  }

  /** Closes every sub-probe. */
  close(): void {
    for (const probe of this.probes) probe.close();
  }
}
