/**
 * A health check's probe run behind the daemon's {@link Probe}: each check gets an abort signal
 * at its timeout. A throw, a rejection before that, an overrun of the timeout by more than 100 ms
 * or an answer that is not a verdict is a miss and a fault of the plugin; a rejection once the
 * signal aborted is a plain miss. The last reason given for a miss is kept per router.
 */
import { within } from "../lib/within.js";
import type { Probe } from "../probe/probe.js";
import type { ProbeRun } from "./api.js";
import type { PluginFaults } from "./plugin-faults.js";
import { stopPluginRun } from "./stop-run.js";

/** A check still unanswered this long after its timeout is counted as an overrun, ms. */
const OVERRUN_GRACE_MS = 100;

/** A running probe-style health check plugin as a {@link Probe}. */
export class PluginProbe implements Probe {
  private readonly reasons = new Map<string, string>();
  private closed = false;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly run: ProbeRun,
    private readonly faults: PluginFaults,
  ) {}

  /** The reason of the last miss of `ip`, if its last check was a miss. */
  reasonOf(ip: string): string | undefined {
    return this.reasons.get(ip);
  }

  async check(ip: string, timeoutMs: number): Promise<boolean> {
    if (this.closed) return false;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const answer = await within<unknown>(
        Promise.resolve(this.run.check(ip, timeoutMs, abort.signal)),
        timeoutMs + OVERRUN_GRACE_MS,
      );
      if (!answer.settled) return this.miss(ip, "check", `no answer within ${timeoutMs} ms`);
      const verdict = answer.value;
      if (!isVerdict(verdict))
        return this.miss(ip, "check", `answered ${shown(verdict)}, not { up: boolean }`);
      // An answer after the abort is late, whatever it says.
      if (abort.signal.aborted) return this.down(ip, `no answer within ${timeoutMs} ms`);
      if (verdict.up) {
        this.reasons.delete(ip);
        return true;
      }
      return this.down(ip, typeof verdict.reason === "string" ? verdict.reason : "down");
    } catch (error) {
      // Rejecting once its signal aborted is what a check should do when the router is silent.
      if (abort.signal.aborted) return this.down(ip, `no answer within ${timeoutMs} ms`);
      return this.miss(ip, "check", error);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    void this.stop();
  }

  /** Stops the run (its `stop`, awaited at most 5 s); later checks miss. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.closed = true;
      await stopPluginRun(this.run, (error) => this.faults.report(this.name, "stop", error));
    })();
    return this.stopping;
  }

  private down(ip: string, reason: string): false {
    this.reasons.set(ip, reason);
    return false;
  }

  private miss(ip: string, operation: "check", problem: unknown): false {
    this.faults.report(this.name, operation, problem);
    this.reasons.set(ip, `the check failed: ${problem instanceof Error ? problem.message : String(problem)}`);
    return false;
  }
}

/** A probe for a check that could not start: every check is a miss. */
export class FailedProbe implements Probe {
  constructor(readonly name: string) {}
  async check(): Promise<boolean> {
    return false;
  }
  close(): void {}
}

function isVerdict(value: unknown): value is { up: boolean; reason?: unknown } {
  return typeof value === "object" && value !== null && typeof (value as { up?: unknown }).up === "boolean";
}

function shown(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 100);
  } catch {
    return String(value).slice(0, 100);
  }
}
