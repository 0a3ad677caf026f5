/**
 * The process logger: one JSON object per line on stdout (pino), for journald, container runtimes
 * and log shippers. Callers add `{ replica, zone }` and component fields through child loggers.
 */
import { pino } from "pino";
import type { LogLevel } from "../config/schema.js";

/**
 * Paths whose values never reach a log line, wherever a caller logs the configuration or an etcd
 * options object (defence in depth: log `redactedConfig(config)`, not the config).
 */
const REDACT_PATHS = ["password", "*.password", "*.*.password", "auth.password", "config.etcd.password"];

/**
 * Creates the root logger.
 *
 * @param config - `{ level }`: the lowest level written (`trace` … `fatal`).
 * @param destination - where lines go; default stdout. Tests pass a stream to capture lines.
 * @returns a pino logger writing `{"level":"info","time":"2026-…Z","msg":…}` lines: level as a
 *   label, ISO-8601 UTC time, no pid/hostname (the replica id identifies the process).
 */
export function createLogger(config: { level: LogLevel }, destination?: pino.DestinationStream): pino.Logger {
  const options: pino.LoggerOptions = {
    level: config.level,
    base: null,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
