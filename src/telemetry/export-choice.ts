/**
 * Where telemetry is exported, from vpcrouter's `telemetry.traces` and the standard OpenTelemetry
 * environment (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/,
 * https://opentelemetry.io/docs/specs/otel/protocol/exporter/). Pure: the environment is an argument.
 */
import type { TraceExport } from "../config/schema.js";

/** The OTLP transports (`OTEL_EXPORTER_OTLP_PROTOCOL`). */
export type OtlpProtocol = "grpc" | "http/protobuf" | "http/json";

/** The exporters to build. */
export interface ExportChoice {
  /** `OTEL_SDK_DISABLED=true`: nothing is exported (GET /metrics, a pull, still answers). */
  readonly disabled: boolean;
  /** Span exporters, in order; empty: spans are not recorded and no connection is attempted. */
  readonly traces: readonly ("otlp" | "console")[];
  readonly tracesProtocol: OtlpProtocol;
  /** Push metrics over OTLP (`OTEL_METRICS_EXPORTER` names `otlp`). */
  readonly otlpMetrics: boolean;
  readonly metricsProtocol: OtlpProtocol;
  /** Export intervals of pushed metrics, ms (`OTEL_METRIC_EXPORT_INTERVAL`, default 60 000). */
  readonly metricsIntervalMs: number;
  /** Values that were ignored, each naming its variable. */
  readonly warnings: readonly string[];
}

const PROTOCOLS: readonly string[] = ["grpc", "http/protobuf", "http/json"];

function listOf(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== "");
}

function protocolOf(env: NodeJS.ProcessEnv, signal: "TRACES" | "METRICS", warnings: string[]): OtlpProtocol {
  const name = env[`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`]
    ? `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`
    : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const value = env[name]?.trim();
  if (value === undefined || value === "") return "http/protobuf";
  if (PROTOCOLS.includes(value)) return value as OtlpProtocol;
  warnings.push(`${name}: unknown protocol "${value}"; using http/protobuf (grpc, http/protobuf, http/json)`);
  return "http/protobuf";
}

/**
 * Decides the exporters.
 * - Traces: `telemetry.traces` when not `none`; else `OTEL_TRACES_EXPORTER` (`otlp`, `console`,
 *   `none`; others are warned about); else `otlp` when an OTLP endpoint is set
 *   (`OTEL_EXPORTER_OTLP_ENDPOINT` or `…_TRACES_ENDPOINT`); else nothing. Unlike the SDK's own
 *   default (`otlp` to localhost), nothing set means no export and no connection.
 * - Metrics: pushed over OTLP only when `OTEL_METRICS_EXPORTER` names `otlp` (`prometheus` is what
 *   GET /metrics already serves).
 * - Protocols per signal: `OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`,
 *   else `http/protobuf`.
 */
export function exportChoiceOf(setting: TraceExport, env: NodeJS.ProcessEnv): ExportChoice {
  const warnings: string[] = [];
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true";
  let traces: ("otlp" | "console")[] = [];
  if (setting !== "none") traces = [setting];
  else if (env.OTEL_TRACES_EXPORTER !== undefined && env.OTEL_TRACES_EXPORTER.trim() !== "") {
    const named = listOf(env.OTEL_TRACES_EXPORTER);
    if (!named.includes("none")) {
      for (const exporter of named) {
        if (exporter === "otlp" || exporter === "console") traces.push(exporter);
        else
          warnings.push(
            `OTEL_TRACES_EXPORTER: "${exporter}" is not supported (otlp, console, none); ignored`,
          );
      }
    }
  } else if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) traces = ["otlp"];
  const metricsNamed = listOf(env.OTEL_METRICS_EXPORTER);
  for (const exporter of metricsNamed) {
    if (!["otlp", "prometheus", "none"].includes(exporter)) {
      warnings.push(
        `OTEL_METRICS_EXPORTER: "${exporter}" is not supported (otlp, prometheus, none); ignored`,
      );
    }
  }
  const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL);
  return {
    disabled,
    traces: disabled ? [] : [...new Set(traces)],
    tracesProtocol: protocolOf(env, "TRACES", warnings),
    otlpMetrics: !disabled && metricsNamed.includes("otlp") && !metricsNamed.includes("none"),
    metricsProtocol: protocolOf(env, "METRICS", warnings),
    metricsIntervalMs: Number.isInteger(interval) && interval > 0 ? interval : 60_000,
    warnings: [...new Set(warnings)],
  };
}
