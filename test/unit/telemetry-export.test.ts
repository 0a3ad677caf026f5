/**
 * Telemetry export from the standard OTEL_* environment: the pure choice (export-choice.ts) as a
 * table, and real OTLP receivers started here on loopback (HTTP for http/protobuf and http/json,
 * HTTP/2 for grpc) that must receive the spans and metrics, with the service name from the
 * environment; OTEL_SDK_DISABLED sends nothing; an unreachable collector is logged.
 */
import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttp2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { pino } from "pino";
import { exportChoiceOf } from "../../src/telemetry/export-choice.js";
import { startTelemetry } from "../../src/telemetry/telemetry.js";
import { freePort } from "../support/free-port.js";
import { waitFor } from "../support/wait.js";

interface Received {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** An OTLP/HTTP receiver: answers 200 to every POST and keeps it. */
async function httpReceiver() {
  const received: Received[] = [];
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({
        path: request.url ?? "",
        contentType: request.headers["content-type"] ?? "",
        body: Buffer.concat(chunks),
      });
      response
        .writeHead(200, { "content-type": request.headers["content-type"] ?? "application/json" })
        .end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { received, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** An OTLP/gRPC receiver over plain HTTP/2: answers every call with an empty message and status 0. */
async function grpcReceiver() {
  const received: Received[] = [];
  const server = createHttp2Server();
  server.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      received.push({
        path: String(headers[":path"]),
        contentType: String(headers["content-type"]),
        body: Buffer.concat(chunks),
      });
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { received, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Runs `fn` with `vars` in process.env (the OTLP exporters read it themselves), restored after. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Starts telemetry from the environment, records one span and one counter, and shuts down (flushing). */
async function exportOnce(): Promise<void> {
  const telemetry = startTelemetry({ serviceName: "vpcrouter", replicaId: "r1", traces: "none" });
  telemetry.tracer.startActiveSpan("quorum.confirmed", (span) => span.end());
  telemetry.instruments.reconciles.add(1, { outcome: "applied" });
  await telemetry.shutdown();
}

describe("exportChoiceOf", () => {
  const cases: {
    name: string;
    setting?: "none" | "otlp" | "console";
    env: Record<string, string>;
    traces: string[];
    metrics?: boolean;
    protocol?: string;
  }[] = [
    { name: "nothing set: no export at all", env: {}, traces: [] },
    { name: "the setting", setting: "otlp", env: {}, traces: ["otlp"] },
    { name: "OTEL_TRACES_EXPORTER=otlp", env: { OTEL_TRACES_EXPORTER: "otlp" }, traces: ["otlp"] },
    {
      name: "OTEL_TRACES_EXPORTER=console,otlp",
      env: { OTEL_TRACES_EXPORTER: "console,otlp" },
      traces: ["console", "otlp"],
    },
    {
      name: "OTEL_TRACES_EXPORTER=none",
      env: { OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" },
      traces: [],
    },
    {
      name: "an endpoint alone",
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces" },
      traces: ["otlp"],
    },
    {
      name: "disabled",
      setting: "otlp",
      env: { OTEL_SDK_DISABLED: "true", OTEL_METRICS_EXPORTER: "otlp" },
      traces: [],
      metrics: false,
    },
    { name: "metrics otlp", env: { OTEL_METRICS_EXPORTER: "otlp" }, traces: [], metrics: true },
    {
      name: "grpc for traces only",
      env: { OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "grpc" },
      traces: ["otlp"],
      protocol: "grpc",
    },
    {
      name: "an unknown protocol",
      env: { OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_PROTOCOL: "smoke" },
      traces: ["otlp"],
      protocol: "http/protobuf",
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const choice = exportChoiceOf(testCase.setting ?? "none", testCase.env);
      assert.deepEqual(choice.traces, testCase.traces);
      assert.equal(choice.otlpMetrics, testCase.metrics ?? false);
      if (testCase.protocol) assert.equal(choice.tracesProtocol, testCase.protocol);
    });
  }

  it("warns about what it ignores, naming the variable", () => {
    const choice = exportChoiceOf("none", {
      OTEL_TRACES_EXPORTER: "zipkin",
      OTEL_EXPORTER_OTLP_PROTOCOL: "smoke",
    });
    assert.equal(choice.warnings.length, 2);
    assert.match(choice.warnings.join("\n"), /OTEL_TRACES_EXPORTER: "zipkin"/);
    assert.match(choice.warnings.join("\n"), /OTEL_EXPORTER_OTLP_PROTOCOL: unknown protocol "smoke"/);
  });
});

describe("OTLP export to a real receiver", () => {
  for (const [protocol, contentType] of [
    ["http/protobuf", "application/x-protobuf"],
    ["http/json", "application/json"],
  ] as const) {
    it(`${protocol}: spans and metrics arrive, under the service name of OTEL_SERVICE_NAME`, async () => {
      const receiver = await httpReceiver();
      try {
        await withEnv(
          {
            OTEL_TRACES_EXPORTER: "otlp",
            OTEL_METRICS_EXPORTER: "otlp",
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
            OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
            OTEL_SERVICE_NAME: "vpcrouter-from-env",
          },
          exportOnce,
        );
        await waitFor(() => receiver.received.length >= 2, {
          timeoutMs: 10_000,
          message: "nothing received",
        });
        const traces = receiver.received.find((r) => r.path === "/v1/traces");
        const metrics = receiver.received.find((r) => r.path === "/v1/metrics");
        assert.ok(traces && metrics, JSON.stringify(receiver.received.map((r) => r.path)));
        assert.ok(traces.contentType.startsWith(contentType), traces.contentType);
        assert.ok(metrics.contentType.startsWith(contentType), metrics.contentType);
        // Both encodings carry the strings as such: the span name and the service name.
        assert.ok(traces.body.includes("quorum.confirmed"), "the span is not in the export");
        assert.ok(traces.body.includes("vpcrouter-from-env"), "OTEL_SERVICE_NAME did not win");
        assert.ok(metrics.body.includes("vpcrouter.reconcile"), "OTLP carries the OpenTelemetry name");
      } finally {
        await receiver.close();
      }
    });
  }

  it("grpc: spans and metrics arrive over HTTP/2", async () => {
    const receiver = await grpcReceiver();
    try {
      await withEnv(
        {
          OTEL_TRACES_EXPORTER: "otlp",
          OTEL_METRICS_EXPORTER: "otlp",
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
        },
        exportOnce,
      );
      await waitFor(() => receiver.received.length >= 2, { timeoutMs: 10_000, message: "nothing received" });
      const paths = receiver.received.map((r) => r.path).sort();
      assert.deepEqual(paths, [
        "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
      ]);
      assert.ok(receiver.received.every((r) => r.contentType.startsWith("application/grpc")));
    } finally {
      await receiver.close();
    }
  });

  it("OTEL_SDK_DISABLED=true sends nothing", async () => {
    const receiver = await httpReceiver();
    try {
      await withEnv(
        {
          OTEL_SDK_DISABLED: "true",
          OTEL_TRACES_EXPORTER: "otlp",
          OTEL_METRICS_EXPORTER: "otlp",
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        },
        exportOnce,
      );
      assert.deepEqual(receiver.received, []);
    } finally {
      await receiver.close();
    }
  });

  it("an unreachable collector is logged through our logger", async () => {
    const lines: { msg: string; component?: string }[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const closedPort = await freePort();
    await withEnv(
      {
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}`,
        OTEL_EXPORTER_OTLP_TIMEOUT: "1000",
      },
      async () => {
        const telemetry = startTelemetry({
          serviceName: "vpcrouter",
          replicaId: "r1",
          traces: "none",
          logger,
        });
        telemetry.tracer.startActiveSpan("reconcile", (span) => span.end());
        await telemetry.shutdown();
      },
    );
    assert.ok(
      lines.some((line) => line.component === "otel"),
      JSON.stringify(lines),
    );
  });
});
