/**
 * Where a plugin's misbehaviour goes: a throw, a rejection, an overrun, garbage handed over, or an
 * error the plugin logs itself. Each is logged with the plugin's name and counted (metric
 * `vpcrouter.plugin.errors`), and never reaches the daemon's own control flow.
 */
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

/** Receives the faults of every plugin (the daemon logs and counts them). */
export class PluginFaults {
  constructor(
    private readonly logger: Logger,
    private readonly count: (fault: PluginFault) => void = () => undefined,
  ) {}

  /** Logs and counts one fault; never throws. */
  report(plugin: string, operation: PluginOperation, problem: unknown): void {
    const message = describe(problem);
    try {
      this.count({ plugin, operation, message });
    } catch {
      // A metrics failure must not hide the fault; it is logged below.
    }
    this.logger.error({ plugin, operation }, `plugin ${plugin}: ${operation}: ${message}`);
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
        child[level]({ ...fields }, String(message));
    return {
      debug: at("debug"),
      info: at("info"),
      warn: at("warn"),
      error: (message, fields) => {
        child.error({ ...fields }, String(message));
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
