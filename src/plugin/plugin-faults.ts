/**
 * Where a plugin's misbehaviour goes: a throw, a rejection, an overrun, garbage handed over, or an
 * error the plugin logs itself. Each is logged with the plugin's name and counted (metric
 * `vpcrouter.plugin.errors`), and never reaches the daemon's own control flow.
 */
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import type { PluginLogger } from "./api.js";

/** What went wrong, by the plugin call it happened in. */
export type PluginOperation = "start" | "stop" | "check" | "watch" | "emit" | "report" | "logged";

/** One fault of a plugin. */
export interface PluginFault {
  readonly plugin: string;
  readonly operation: PluginOperation;
  /** One line, e.g. `check threw: TypeError: x is undefined`. */
  readonly message: string;
}

/** The same fault is logged again after this long at the earliest, ms (a hung check fails every probe). */
export const FAULT_LOG_INTERVAL_MS = 60_000;

/** Receives the faults of every plugin (the daemon logs and counts them). */
export class PluginFaults {
  /** Per fault text: when it was last logged (monotonic ms) and how often it came since. */
  private readonly logged = new Map<string, { at: number; since: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly count: (fault: PluginFault) => void = () => undefined,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Counts one fault and logs it, the same one at most once per {@link FAULT_LOG_INTERVAL_MS}; never throws. */
  report(plugin: string, operation: PluginOperation, problem: unknown): void {
    const message = describe(problem);
    try {
      this.count({ plugin, operation, message });
    } catch {
      // A metrics failure must not hide the fault; it is logged below.
    }
    const key = `${plugin}\u0000${operation}\u0000${message}`;
    const last = this.logged.get(key);
    const now = this.now();
    if (last !== undefined && now - last.at < FAULT_LOG_INTERVAL_MS) {
      last.since++;
      return;
    }
    // Bounded: a plugin whose messages all differ (an IP or a counter in them) must not grow it without end.
    if (this.logged.size >= 1000) this.logged.clear();
    this.logged.set(key, { at: now, since: 0 });
    const repeated = last !== undefined && last.since > 0 ? { repeatedSinceLastLog: last.since } : {};
    this.logger.error({ plugin, operation, ...repeated }, `plugin ${plugin}: ${operation}: ${message}`);
  }

  /**
   * The logger handed to plugin `name`: pino underneath, every line with `plugin: <name>`; an
   * `error` line the plugin logs is counted as one of its faults.
   */
  loggerFor(name: string): PluginLogger {
    const child = this.logger.child({ plugin: name });
    const at =
      (level: "debug" | "info" | "warn") =>
      (message: string, fields?: Readonly<Record<string, unknown>>): void =>
        child[level]({ ...fields, plugin: name }, String(message));
    return {
      debug: at("debug"),
      info: at("info"),
      warn: at("warn"),
      error: (message, fields) => {
        child.error({ ...fields, plugin: name }, String(message));
        try {
          this.count({ plugin: name, operation: "logged", message: String(message) });
        } catch {
          // As in report().
        }
      },
    };
  }
}

function describe(problem: unknown): string {
  if (problem instanceof Error) return `${problem.name}: ${problem.message}`.split("\n")[0] ?? problem.name;
  return String(problem).slice(0, 500);
}
