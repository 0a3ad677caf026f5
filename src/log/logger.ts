/**
 * The process logger: one JSON object per line (pino), for journald, container runtimes and log
 * shippers. Callers add `{ replica, zone }` and component fields through child loggers.
 *
 * Where lines go follows setting `log.file` (vpc-router's `-l/--logfile`): standard output by
 * default, standard error for `-`, or appended to a file.
 */
import { openSync } from "node:fs";
import { isSpanContextValid, trace } from "@opentelemetry/api";
import { pino } from "pino";
import type { LogLevel } from "../config/schema.js";

/**
 * Paths whose values never reach a log line, wherever a caller logs the configuration or an etcd
 * options object (defence in depth: log `redactedConfig(config)`, not the config).
 */
const REDACT_PATHS = ["password", "*.password", "*.*.password", "auth.password", "config.etcd.password"];

/** `log.file` value that means standard error (vpc-router's `-l -`). */
export const LOG_TO_STDERR = "-";

/** The log file cannot be opened for appending; `message` names the file and the reason. */
export class LogFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LogFileError";
  }
}

/**
 * Opens the destination named by `log.file`.
 *
 * Files and standard error are written synchronously (one `write(2)` per line): a line logged just
 * before `process.exit()` (the CLI exits explicitly after a graceful stop) is never lost, and a
 * file opened with `O_APPEND` keeps working under logrotate's `copytruncate`.
 *
 * @param file - `""` standard output, `"-"` standard error, otherwise a path (relative to the
 *   working directory), created if missing and appended to.
 * @returns the pino destination, or `undefined` for standard output (pino's default, which pino
 *   flushes on exit).
 * @throws LogFileError when the file cannot be opened (missing directory, permissions, …).
 */
export function logDestination(file: string): pino.DestinationStream | undefined {
  if (file === "") return undefined;
  if (file === LOG_TO_STDERR) return pino.destination({ fd: 2, sync: true });
  let fd: number;
  try {
    fd = openSync(file, "a");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LogFileError(`Cannot open log file '${file}': ${reason}`, { cause: error });
  }
  return pino.destination({ fd, sync: true });
}

/**
 * `trace_id`, `span_id` and `trace_flags` of the span active where a line is logged, so a log line
 * leads to its trace (OpenTelemetry's log data model names,
 * https://opentelemetry.io/docs/specs/otel/logs/data-model/#field-traceid); none outside spans.
 */
export function traceFields(): Record<string, string> {
  const context = trace.getActiveSpan()?.spanContext();
  if (context === undefined || !isSpanContextValid(context)) return {};
  return {
    trace_id: context.traceId,
    span_id: context.spanId,
    trace_flags: `0${context.traceFlags.toString(16)}`.slice(-2),
  };
}

/**
 * Creates the root logger.
 *
 * @param config - `{ level, file? }`: the lowest level written (`trace` … `fatal`) and the
 *   destination as in {@link logDestination} (default: standard output).
 * @param destination - overrides `config.file`; tests pass a stream to capture lines.
 * @returns a pino logger writing `{"level":"info","time":"2026-…Z","msg":…}` lines: level as a
 *   label, ISO-8601 UTC time, no pid/hostname (the replica id identifies the process), and inside a
 *   span its `trace_id` and `span_id` ({@link traceFields}).
 * @throws LogFileError when `config.file` names a file that cannot be opened for appending.
 */
export function createLogger(
  config: { level: LogLevel; file?: string },
  destination?: pino.DestinationStream,
): pino.Logger {
  const options: pino.LoggerOptions = {
    level: config.level,
    base: null,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    mixin: traceFields,
  };
  const target = destination ?? logDestination(config.file ?? "");
  return target === undefined ? pino(options) : pino(options, target);
}
