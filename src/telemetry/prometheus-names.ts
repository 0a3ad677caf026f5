/**
 * OpenTelemetry metric names → Prometheus names, as OpenTelemetry's Prometheus compatibility
 * specification maps them: dots become underscores, the unit becomes a suffix, counters end in `_total`.
 * Source: https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/#metric-metadata-1
 */
import { DataPointType, type MetricData, type ResourceMetrics } from "@opentelemetry/sdk-metrics";

/** How a metric is exposed in Prometheus. */
export type PrometheusKind = "counter" | "gauge" | "histogram";

/** UCUM units (as OpenTelemetry writes them) and their Prometheus words. */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  s: "seconds",
  ms: "milliseconds",
  By: "bytes",
  KiBy: "kibibytes",
  MiBy: "mebibytes",
  "%": "percent",
};

/**
 * The Prometheus suffix of a unit: `s` → `seconds`, `By/s` → `bytes_per_second`, `1` → `ratio`
 * on gauges only; annotations in braces (`{router}`) and unknown units add nothing.
 */
function unitSuffix(unit: string, kind: PrometheusKind): string | undefined {
  const bare = unit.replace(/\{[^}]*\}/g, "").trim();
  if (bare === "") return undefined;
  if (bare === "1") return kind === "gauge" ? "ratio" : undefined;
  const [numerator = "", denominator] = bare.split("/");
  const top = UNIT_WORDS[numerator] ?? (numerator === "" ? undefined : numerator);
  if (denominator === undefined) return UNIT_WORDS[numerator];
  const perWords: Readonly<Record<string, string>> = { s: "second", m: "minute", h: "hour" };
  const per = perWords[denominator];
  return top !== undefined && per !== undefined ? `${top}_per_${per}` : undefined;
}

/**
 * The Prometheus name of one OpenTelemetry metric.
 * @param name the instrument name, e.g. `vpcrouter.failover.duration`
 * @param unit its UCUM unit, e.g. `s`, `By`, `{router}` ("" when none)
 * @returns e.g. `vpcrouter_failover_duration_seconds`; `vpcrouter_ec2_calls_total` for a counter
 */
export function prometheusName(name: string, unit: string, kind: PrometheusKind): string {
  let result = name.replace(/[^a-zA-Z0-9_:]/g, "_").replace(/_+/g, "_");
  const suffix = unitSuffix(unit, kind);
  if (suffix !== undefined && !result.endsWith(`_${suffix}`)) result = `${result}_${suffix}`;
  if (kind === "counter" && !result.endsWith("_total")) result = `${result}_total`;
  return result;
}

/**
 * A copy of collected metrics with each metric renamed to its Prometheus name but the `_total`,
 * which the Prometheus serializer adds itself.
 */
export function withPrometheusNames(metrics: ResourceMetrics): ResourceMetrics {
  return {
    ...metrics,
    scopeMetrics: metrics.scopeMetrics.map((scope) => ({
      ...scope,
      metrics: scope.metrics.map((metric): MetricData => {
        // The unit suffix only: the serializer appends `_total` to monotonic sums itself.
        const name = prometheusName(metric.descriptor.name, metric.descriptor.unit, kindOf(metric));
        return { ...metric, descriptor: { ...metric.descriptor, name: name.replace(/_total$/, "") } };
      }),
    })),
  };
}

function kindOf(metric: MetricData): PrometheusKind {
  if (metric.dataPointType === DataPointType.SUM) return metric.isMonotonic ? "counter" : "gauge";
  return metric.dataPointType === DataPointType.GAUGE ? "gauge" : "histogram";
}
