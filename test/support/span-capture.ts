/** Telemetry whose spans are kept in memory, for tests that check what was traced. */
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { startTelemetry, type Telemetry } from "../../src/telemetry/telemetry.js";

/**
 * Starts telemetry recording every span into `exporter` (`getFinishedSpans()`); the first one in a
 * process is the global tracer provider. Shut it down at the end of the test.
 */
export function captureSpans(): { telemetry: Telemetry; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  const telemetry = startTelemetry({
    serviceName: "s",
    replicaId: "r",
    traces: "none",
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { telemetry, exporter };
}
