/**
 * The state-change hook (`hooks.command`, like keepalived's `notify_master`): an operator's program
 * run when this replica becomes leader, loses leadership, or fails a route over, with the facts in
 * its environment. Bounded in time, one at a time, never blocking the daemon.
 */
import { execFile } from "node:child_process";
import type { Logger } from "pino";

/** What happened: the hook's `VPCROUTER_EVENT`. */
export type HookEvent = "became-leader" | "lost-leadership" | "failover";

/** Facts of one event, passed as `VPCROUTER_*` environment variables (names in upper snake case). */
export type HookFacts = Readonly<Record<string, string>>;

/** Events waiting while a hook runs, at most; more are dropped with a warning (a flapping cluster). */
const MAX_QUEUED = 16;

/** Runs the configured hook program for each event, in order. */
export class StateHook {
  private readonly queue: { event: HookEvent; facts: HookFacts }[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];

  /**
   * @param command - the program's path (run without a shell, no arguments); empty: no hook.
   * @param timeoutMs - a hook still running after this is killed (SIGKILL), ms.
   */
  constructor(
    private readonly command: string,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Queues the hook for `event` and returns at once. The program gets the daemon's environment
   * plus `VPCROUTER_EVENT=<event>` and `facts`; its exit status and output are logged, never acted on.
   */
  notify(event: HookEvent, facts: HookFacts): void {
    if (this.command === "") return;
    if (this.queue.length >= MAX_QUEUED) {
      this.logger.warn({ event, queued: this.queue.length }, "state hook: too many events waiting; dropped");
      return;
    }
    this.queue.push({ event, facts });
    if (!this.running) void this.drain();
  }

  /** Resolves once no hook runs or waits (tests, and the daemon's stop). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    this.running = true;
    for (let next = this.queue.shift(); next; next = this.queue.shift())
      await this.runOne(next.event, next.facts);
    this.running = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private runOne(event: HookEvent, facts: HookFacts): Promise<void> {
    const started = performance.now();
    return new Promise((resolve) => {
      execFile(
        this.command,
        [],
        {
          env: { ...process.env, ...facts, VPCROUTER_EVENT: event },
          timeout: this.timeoutMs,
          killSignal: "SIGKILL",
          maxBuffer: 64 * 1024,
        },
        (error, stdout, stderr) => {
          const fields = {
            event,
            command: this.command,
            durationMs: Math.round(performance.now() - started),
          };
          if (error) {
            const killed = "killed" in error && error.killed === true;
            this.logger.warn(
              { ...fields, code: error.code, stderr: String(stderr).slice(-500) },
              killed ? `state hook killed after ${this.timeoutMs} ms` : `state hook failed: ${error.message}`,
            );
          } else {
            this.logger.info({ ...fields, stdout: String(stdout).slice(-500) }, "state hook ran");
          }
          resolve();
        },
      );
    });
  }
}
