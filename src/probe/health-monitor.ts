/**
 * Probes a set of hosts on a fixed cadence and keeps each host's fall/rise state (host-health.ts).
 * A host between states (missed, not yet `fall` misses; or answered, not yet `rise` successes) is
 * probed again after the short `fastIntervalMs` instead of waiting for the next round (HAProxy's
 * `fastinter`), so detection takes about one interval + fall × timeout + (fall − 1) × fast interval.
 *
 * Scheduling: one timer, rounds at absolute deadlines start + k × interval on the monotonic clock,
 * so the cadence does not drift with round duration. The next round is scheduled only after the
 * current one has finished, so two rounds never overlap; a round that overruns skips the ticks it
 * missed instead of queueing them.
 */
import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import { type HostHealth, NEW_HOST, recordCheck } from "./host-health.js";
import type { Probe } from "./probe.js";

export type { HostHealth } from "./host-health.js";

/** Options of {@link HealthMonitor}. */
export interface HealthMonitorOptions {
  /** Time between round starts, ms (> 0). */
  intervalMs: number;
  /** Per-check timeout handed to the probe, ms (> 0). */
  timeoutMs: number;
  /**
   * Pause after a check of a host between states before it is probed again, ms (> 0); at or above
   * `intervalMs` such hosts just wait for the next round. Default: `intervalMs`.
   * Source: HAProxy's `fastinter` (https://docs.haproxy.org/2.8/configuration.html#5.2-fastinter).
   */
  fastIntervalMs?: number;
  /** Consecutive misses that turn a healthy host failed (integer ≥ 1). */
  fall: number;
  /** Consecutive successes that turn a failed host healthy (integer ≥ 1). */
  rise: number;
  /** The probe; the monitor does not close it. */
  probe: Probe;
  /** Wall clock for `lastCheckAt`, epoch ms (default `Date.now`). Scheduling uses the monotonic clock. */
  now?: () => number;
  /** Called after every check (for metrics): the host, whether it answered, the time taken in ms. */
  onCheck?: (ip: string, answered: boolean, rttMs: number) => void;
}

/** Extra time a probe gets beyond `timeoutMs` before the monitor counts it as a miss anyway. */
const PROBE_GRACE_MS = 250;

/**
 * Emits `"change"` with the new failed set (`ReadonlySet<string>`) whenever the set of failed hosts
 * changes: at the end of a round, or synchronously in {@link setHosts} when a failed host is removed.
 * Change listeners must not throw; if one does, the error becomes a process warning and the
 * monitor keeps running.
 */
export class HealthMonitor extends EventEmitter {
  private readonly options: HealthMonitorOptions;
  private readonly now: () => number;
  private hosts = new Map<string, HostHealth>();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private epoch = 0;
  private nextTick = 0;
  /** Hosts with a check in flight (a round's or a fast one): never two checks of one host at once. */
  private readonly inFlight = new Set<string>();
  /** Fast re-checks scheduled, per host. */
  private readonly fastTimers = new Map<string, NodeJS.Timeout>();
  /**
   * The failed hosts, kept up to date by {@link record}: with thousands of hosts, working the set
   * out again after every check made each check cost as much as all of them.
   */
  private readonly failedHosts = new Set<string>();
  /** Fast re-checks in flight, awaited by {@link stop}. */
  private readonly fastChecks = new Set<Promise<void>>();

  /** @throws RangeError when an interval, timeout or threshold is out of range. */
  constructor(options: HealthMonitorOptions) {
    super();
    requirePositive("intervalMs", options.intervalMs);
    requirePositive("timeoutMs", options.timeoutMs);
    if (options.fastIntervalMs !== undefined) requirePositive("fastIntervalMs", options.fastIntervalMs);
    requirePositiveInteger("fall", options.fall);
    requirePositiveInteger("rise", options.rise);
    this.options = { ...options };
    this.now = options.now ?? Date.now;
  }

  /**
   * Replaces the set of hosts to probe. New hosts start healthy; hosts no longer listed are
   * forgotten (an in-flight result for them is discarded); others keep their state.
   */
  setHosts(ips: readonly string[]): void {
    const next = new Map<string, HostHealth>();
    for (const ip of ips) next.set(ip, this.hosts.get(ip) ?? { ...NEW_HOST });
    this.hosts = next;
    // Only hosts removed can leave the failed set here (new ones start healthy).
    let changed = false;
    for (const ip of [...this.failedHosts]) {
      if (!next.has(ip)) changed = this.failedHosts.delete(ip) || changed;
    }
    if (changed) this.emitChange();
  }

  /** The hosts currently failed (a copy). */
  failed(): ReadonlySet<string> {
    return new Set(this.failedHosts);
  }

  /** Every host's state (a copy), in `setHosts` order. See {@link HostHealth} for the fields. */
  snapshot(): ReadonlyMap<string, HostHealth> {
    const copy = new Map<string, HostHealth>();
    for (const [ip, health] of this.hosts) copy.set(ip, { ...health });
    return copy;
  }

  /** Starts probing: the first round runs immediately. No-op when already running. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.epoch = performance.now();
    // Round 0 now: scheduling it would put it at tick 1 once any time has passed since the epoch.
    this.nextTick = 1;
    this.runRound();
  }

  /** Stops the timer and waits for a round in flight; its results are discarded. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const timer of this.fastTimers.values()) clearTimeout(timer);
    this.fastTimers.clear();
    await Promise.all([this.round, ...this.fastChecks]);
  }

  private scheduleNextRound(): void {
    const { intervalMs } = this.options;
    const elapsed = performance.now() - this.epoch;
    // The first tick not yet run whose deadline has not passed: missed ticks are skipped.
    const tick = Math.max(this.nextTick, Math.ceil(elapsed / intervalMs));
    this.nextTick = tick + 1;
    const delay = Math.max(0, tick * intervalMs - elapsed);
    this.timer = setTimeout(() => this.runRound(), delay);
  }

  private runRound(): void {
    this.timer = undefined;
    this.round = this.probeAll()
      .catch((error: unknown) => process.emitWarning(asError(error), "HealthMonitorWarning"))
      .finally(() => {
        this.round = undefined;
        if (this.running) this.scheduleNextRound();
      });
  }

  private async probeAll(): Promise<void> {
    // A host whose fast re-check is in flight sits this round out.
    const round = [...this.hosts].filter(([ip]) => !this.inFlight.has(ip));
    for (const [ip] of round) this.inFlight.add(ip);
    const results = await Promise.all(
      round.map(async ([ip, stateAtStart]) => ({ ip, stateAtStart, ...(await this.checkOne(ip)) })),
    );
    for (const [ip] of round) this.inFlight.delete(ip);
    if (!this.running) return;
    let changed = false;
    for (const { ip, stateAtStart, answered, rttMs } of results)
      changed = this.record(ip, stateAtStart, answered, rttMs) || changed;
    if (changed) this.emitChange();
    for (const { ip } of results) this.scheduleFastCheck(ip);
  }

  /**
   * Records one check's result, unless the host was removed (or removed and re-added) meanwhile.
   * @returns whether the host turned failed or healthy
   */
  private record(ip: string, stateAtStart: HostHealth, answered: boolean, rttMs: number): boolean {
    this.options.onCheck?.(ip, answered, rttMs);
    if (this.hosts.get(ip) !== stateAtStart) return false;
    const thresholds = { fall: this.options.fall, rise: this.options.rise };
    const next = recordCheck(stateAtStart, answered, thresholds, this.now(), rttMs);
    this.hosts.set(ip, next);
    if (next.healthy === stateAtStart.healthy) return false;
    if (next.healthy) this.failedHosts.delete(ip);
    else this.failedHosts.add(ip);
    return true;
  }

  /** Probes `ip` again after the fast interval while it is between states (fastinter). */
  private scheduleFastCheck(ip: string): void {
    const fastIntervalMs = this.options.fastIntervalMs ?? this.options.intervalMs;
    const health = this.hosts.get(ip);
    if (!this.running || !health || fastIntervalMs >= this.options.intervalMs || this.fastTimers.has(ip))
      return;
    const between = health.healthy ? health.consecutiveFailures > 0 : health.consecutiveSuccesses > 0;
    if (!between) return;
    const timer = setTimeout(() => {
      this.fastTimers.delete(ip);
      const check = this.fastCheck(ip).catch((error: unknown) =>
        process.emitWarning(asError(error), "HealthMonitorWarning"),
      );
      this.fastChecks.add(check);
      void check.finally(() => this.fastChecks.delete(check));
    }, fastIntervalMs);
    this.fastTimers.set(ip, timer);
  }

  private async fastCheck(ip: string): Promise<void> {
    const stateAtStart = this.hosts.get(ip);
    if (!this.running || !stateAtStart || this.inFlight.has(ip)) return;
    this.inFlight.add(ip);
    const { answered, rttMs } = await this.checkOne(ip).finally(() => this.inFlight.delete(ip));
    if (!this.running) return;
    if (this.record(ip, stateAtStart, answered, rttMs)) this.emitChange();
    this.scheduleFastCheck(ip);
  }

  /** One check; a probe that throws, rejects or overruns its timeout by the grace counts as a miss. */
  private async checkOne(ip: string): Promise<{ answered: boolean; rttMs: number }> {
    const started = performance.now();
    let guard: NodeJS.Timeout | undefined;
    const overrun = new Promise<boolean>((resolve) => {
      guard = setTimeout(() => resolve(false), this.options.timeoutMs + PROBE_GRACE_MS);
    });
    let answered: boolean;
    try {
      answered =
        (await Promise.race([this.options.probe.check(ip, this.options.timeoutMs), overrun])) === true;
    } catch {
      answered = false;
    } finally {
      clearTimeout(guard);
    }
    return { answered, rttMs: performance.now() - started };
  }

  private emitChange(): void {
    try {
      this.emit("change", this.failed());
    } catch (error) {
      process.emitWarning(asError(error), "HealthMonitorWarning");
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function requirePositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be > 0, got ${value}`);
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be an integer ≥ 1, got ${value}`);
}
