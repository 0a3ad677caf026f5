/**
 * OpenTelemetry for one replica: a meter whose instruments are scraped as Prometheus text at
 * GET /metrics, and a tracer for our own spans.
 *
 * Each call builds its own providers (OpenTelemetry JS SDK 2.x), so several replicas can run in one
 * process (tests) with separate metrics. The first running instance is also registered as the
 * process-wide tracer provider, with the AsyncLocalStorage context manager that nested spans need.
 *
 * No automatic instrumentation is registered: in particular not gRPC, whose tracing would record
 * etcd's long-lived Watch and LeaseKeepAlive streams as never-ending spans (LIBRARY-NOTES
 * "OpenTelemetry JS"). Hence nothing has to be loaded before grpc, http or the AWS SDK either.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Meter, type Tracer, trace } from "@opentelemetry/api";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { node as sdkTraceNode } from "@opentelemetry/sdk-node";
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { TraceExport } from "../config/schema.js";
import { createInstruments, type Instruments } from "./instruments.js";

/** Options of {@link startTelemetry}. */
export interface TelemetryOptions {
  /** OpenTelemetry `service.name`, e.g. `"vpcrouter"`. */
  serviceName: string;
  /** Becomes `service.instance.id`, so that traces and metrics name the replica. */
  replicaId: string;
  /**
   * `none`: spans are not recorded; `console`: printed to stdout; `otlp`: batched to an OTLP
   * collector over HTTP/protobuf, configured by the standard `OTEL_EXPORTER_OTLP_*` variables
   * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/; default http://localhost:4318).
   */
  traces: TraceExport;
  /** Extra span processors, e.g. `SimpleSpanProcessor(InMemorySpanExporter)` in tests. */
  spanProcessors?: SpanProcessor[];
}

/** The running telemetry of one replica. */
export interface Telemetry {
  /** Tracer for our own spans (see `withSpan`). */
  readonly tracer: Tracer;
  /** Meter of this replica's metrics. */
  readonly meter: Meter;
  /** vpcrouter's instruments, created on {@link meter}. */
  readonly instruments: Instruments;
  /**
   * Answers a scrape: writes status 200 and the Prometheus text exposition of this replica's
   * instruments. Plain Node request/response; with fastify pass `request.raw`, `reply.raw` and
   * hijack the reply.
   */
  metricsHandler(req: IncomingMessage, res: ServerResponse): void;
  /** Flushes the last spans and stops the providers; idempotent. Await it on SIGTERM. */
  shutdown(): Promise<void>;
}

const SCOPE = "vpcrouter";

/** The instance registered as the process-wide tracer provider, if any. */
let globalOwner: object | undefined;
/** The context manager and propagator are registered once per process and then kept. */
let contextInstalled = false;

/**
 * Starts telemetry for one replica. Never throws for a valid `options`; nothing listens on a port
 * (the HTTP API serves {@link Telemetry.metricsHandler}).
 * @returns the running {@link Telemetry}.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.serviceName,
        "service.instance.id": options.replicaId,
      }),
    );

  // Prometheus pulls: the exporter serves no port of its own.
  const prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const meterProvider = new MeterProvider({ resource, readers: [prometheus] });
  const meter = meterProvider.getMeter(SCOPE);

  const spanProcessors = [...spanProcessorsFor(options.traces), ...(options.spanProcessors ?? [])];
  const tracerProvider = new sdkTraceNode.NodeTracerProvider({
    resource,
    spanProcessors,
    // With nowhere to send spans, do not record them at all.
    ...(spanProcessors.length === 0 ? { sampler: new AlwaysOffSampler() } : {}),
  });
  const owner = {};
  if (globalOwner === undefined) {
    tracerProvider.register(contextInstalled ? { contextManager: null, propagator: null } : {});
    contextInstalled = true;
    globalOwner = owner;
  }

  let stopping: Promise<void> | undefined;
  return {
    tracer: tracerProvider.getTracer(SCOPE),
    meter,
    instruments: createInstruments(meter),
    metricsHandler: (req, res) => prometheus.getMetricsRequestHandler(req, res),
    shutdown: () => {
      stopping ??= (async () => {
        if (globalOwner === owner) {
          trace.disable();
          globalOwner = undefined;
        }
        await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
      })();
      return stopping;
    },
  };
}

function spanProcessorsFor(traces: TraceExport): SpanProcessor[] {
  switch (traces) {
    case "none":
      return [];
    case "console":
      return [new SimpleSpanProcessor(new ConsoleSpanExporter())];
    case "otlp":
      return [new BatchSpanProcessor(new OTLPTraceExporter())];
  }
}
