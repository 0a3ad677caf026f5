/**
 * OpenTelemetry for one replica: a meter whose instruments are scraped as Prometheus text at
 * GET /metrics (and pushed over OTLP when `OTEL_METRICS_EXPORTER=otlp`), and a tracer for our own
 * spans, exported as the standard `OTEL_*` environment says (export-choice.ts) through the NodeSDK.
 *
 * Each call builds its own meter provider, so several replicas can run in one process (tests) with
 * separate metrics. The first running instance is also the process-wide tracer provider (the
 * NodeSDK when it exports), with the AsyncLocalStorage context manager that nested spans need.
 *
 * No automatic instrumentation that patches modules is registered (only the runtime metrics): in particular not gRPC, whose tracing would record
 * etcd's long-lived Watch and LeaseKeepAlive streams as never-ending spans (LIBRARY-NOTES
 * "OpenTelemetry JS"). Hence nothing has to be loaded before grpc, http or the AWS SDK either.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { context, DiagLogLevel, diag, type Meter, propagation, type Tracer, trace } from "@opentelemetry/api";
import { OTLPMetricExporter as OtlpGrpcMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { OTLPMetricExporter as OtlpJsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as OtlpProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { OTLPTraceExporter as OtlpGrpcTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as OtlpJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { HostMetrics } from "@opentelemetry/host-metrics";
import { RuntimeNodeInstrumentation } from "@opentelemetry/instrumentation-runtime-node";
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { type IMetricReader, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { NodeSDK, node as sdkTraceNode } from "@opentelemetry/sdk-node";
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { Logger } from "pino";
import type { TraceExport } from "../config/schema.js";
import { type ExportChoice, exportChoiceOf, type OtlpProtocol } from "./export-choice.js";
import { createInstruments, type Instruments } from "./instruments.js";
import { withPrometheusNames } from "./prometheus-names.js";

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
  /** The standard `OTEL_*` variables (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Receives OpenTelemetry's own diagnostics (export failures), at `OTEL_LOG_LEVEL` (default warn). */
  logger?: Logger;
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

/** No prefix, no timestamps, no resource-label filter, target_info kept, scope info left out. */
const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);

/**
 * Writes the Prometheus text exposition of what `reader` collects, each metric under its
 * Prometheus name with the unit suffix (prometheus-names.ts), which the JS exporter leaves out.
 */
function servePrometheusText(reader: PrometheusExporter, res: ServerResponse): void {
  res.statusCode = 200;
  res.setHeader("content-type", "text/plain; version=0.0.4; charset=utf-8");
  reader.collect().then(
    ({ resourceMetrics, errors }) => {
      if (errors.length > 0) diag.error("metrics collection errors", ...errors);
      res.end(serializer.serialize(withPrometheusNames(resourceMetrics)));
    },
    (error: unknown) => res.end(`# failed to collect metrics: ${String(error)}\n`),
  );
}

/** The instance registered as the process-wide tracer provider, if any. */
let globalOwner: object | undefined;
/** The context manager and propagator are registered once per process and then kept. */
let contextInstalled = false;

/**
 * Starts telemetry for one replica. Never throws for a valid `options`; nothing listens on a port
 * (the HTTP API serves {@link Telemetry.metricsHandler}); with no exporter named in the settings or
 * the environment, no connection is attempted.
 * @returns the running {@link Telemetry}.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  const choice = exportChoiceOf(options.traces, env);
  if (options.logger) installDiagLogger(options.logger, env);
  for (const warning of choice.warnings) diag.warn(warning);
  // Standard precedence: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES over our defaults.
  const ours = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName,
    "service.instance.id": options.replicaId,
  });
  const resource = defaultResource()
    .merge(ours)
    .merge(detectResources({ detectors: [envDetector] }));

  // Prometheus pulls: the exporter serves no port of its own. OTLP pushes when asked for.
  const prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const readers: IMetricReader[] = [prometheus];
  if (choice.otlpMetrics) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: otlpMetricExporter(choice.metricsProtocol),
        exportIntervalMillis: choice.metricsIntervalMs,
        exportTimeoutMillis: Math.min(30_000, choice.metricsIntervalMs),
      }),
    );
  }
  const meterProvider = new MeterProvider({ resource, readers });
  const meter = meterProvider.getMeter(SCOPE);
  // Node runtime metrics (event loop delay and utilisation, heap, GC) from the standard package;
  // it reads perf_hooks and patches no module.
  const runtime = new RuntimeNodeInstrumentation({ enabled: false, monitoringPrecision: 5_000 });
  runtime.setMeterProvider(meterProvider);
  runtime.enable();
  // This process's CPU time and memory (the host's are the node exporter's business).
  new HostMetrics({ meterProvider, name: SCOPE, metricGroups: ["process.cpu", "process.memory"] }).start();

  const owner = {};
  const exported = spanProcessorsFor(choice);
  // The daemon's exports go through the NodeSDK (sampler, propagators, resource detectors and
  // OTEL_SDK_DISABLED from the environment); it registers itself process-wide, so only once.
  const sdk =
    exported.length > 0 && !options.spanProcessors && globalOwner === undefined
      ? new NodeSDK({ resource: defaultResource().merge(ours), spanProcessors: exported, metricReaders: [] })
      : undefined;
  let tracerProvider: sdkTraceNode.NodeTracerProvider | undefined;
  if (sdk) {
    sdk.start();
    if (options.logger) installDiagLogger(options.logger, env); // the SDK may have replaced it
    globalOwner = owner;
    contextInstalled = true;
  } else {
    const spanProcessors = [...exported, ...(options.spanProcessors ?? [])];
    tracerProvider = new sdkTraceNode.NodeTracerProvider({
      resource,
      spanProcessors,
      // With nowhere to send spans, do not record them at all.
      ...(spanProcessors.length === 0 ? { sampler: new AlwaysOffSampler() } : {}),
    });
    if (globalOwner === undefined) {
      tracerProvider.register(contextInstalled ? { contextManager: null, propagator: null } : {});
      contextInstalled = true;
      globalOwner = owner;
    }
  }
  const tracer = tracerProvider ? tracerProvider.getTracer(SCOPE) : trace.getTracer(SCOPE);

  let stopping: Promise<void> | undefined;
  return {
    tracer,
    meter,
    instruments: createInstruments(meter),
    metricsHandler: (_req, res) => servePrometheusText(prometheus, res),
    shutdown: () => {
      stopping ??= (async () => {
        await Promise.allSettled([sdk?.shutdown(), tracerProvider?.shutdown(), meterProvider.shutdown()]);
        if (globalOwner === owner) {
          trace.disable();
          if (sdk) {
            // The SDK registered these too; a later instance (tests) registers its own.
            context.disable();
            propagation.disable();
            contextInstalled = false;
          }
          globalOwner = undefined;
        }
      })();
      return stopping;
    },
  };
}

function spanProcessorsFor(choice: ExportChoice): SpanProcessor[] {
  return choice.traces.map((exporter) =>
    exporter === "console"
      ? new SimpleSpanProcessor(new ConsoleSpanExporter())
      : new BatchSpanProcessor(otlpTraceExporter(choice.tracesProtocol)),
  );
}

/** The OTLP span exporter of `protocol`; each reads its endpoint, headers and compression from OTEL_EXPORTER_OTLP_*. */
function otlpTraceExporter(protocol: OtlpProtocol) {
  switch (protocol) {
    case "grpc":
      return new OtlpGrpcTraceExporter();
    case "http/json":
      return new OtlpJsonTraceExporter();
    case "http/protobuf":
      return new OtlpProtoTraceExporter();
  }
}

function otlpMetricExporter(protocol: OtlpProtocol) {
  switch (protocol) {
    case "grpc":
      return new OtlpGrpcMetricExporter();
    case "http/json":
      return new OtlpJsonMetricExporter();
    case "http/protobuf":
      return new OtlpProtoMetricExporter();
  }
}

const DIAG_LEVELS: Readonly<Record<string, DiagLogLevel>> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/** OpenTelemetry's diagnostics (an exporter that cannot reach its collector, …) as our log lines. */
function installDiagLogger(logger: Logger, env: NodeJS.ProcessEnv): void {
  const log = logger.child({ component: "otel" });
  const text = (message: string, args: unknown[]) =>
    [message, ...args.map((arg) => (arg instanceof Error ? arg.message : String(arg)))].join(" ");
  diag.setLogger(
    {
      error: (message, ...args) => log.error(text(message, args)),
      warn: (message, ...args) => log.warn(text(message, args)),
      info: (message, ...args) => log.info(text(message, args)),
      debug: (message, ...args) => log.debug(text(message, args)),
      verbose: (message, ...args) => log.trace(text(message, args)),
    },
    {
      logLevel: DIAG_LEVELS[env.OTEL_LOG_LEVEL?.trim().toLowerCase() ?? ""] ?? DiagLogLevel.WARN,
      suppressOverrideMessage: true,
    },
  );
}
