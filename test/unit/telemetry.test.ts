import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createInstruments } from "../../src/telemetry/instruments.js";
import { startTelemetry, type Telemetry } from "../../src/telemetry/telemetry.js";
import { withSpan } from "../../src/telemetry/with-span.js";

/** Serves `telemetry.metricsHandler` on loopback; returns the URL and a close function. */
async function serveMetrics(telemetry: Telemetry): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => telemetry.metricsHandler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, server };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe("telemetry", () => {
  const spans = new InMemorySpanExporter();
  let telemetry: Telemetry;
  let server: Server;
  let metricsUrl: string;

  before(async () => {
    telemetry = startTelemetry({
      serviceName: "vpcrouter-test",
      replicaId: "replica-a",
      traces: "none",
      spanProcessors: [new SimpleSpanProcessor(spans)],
    });
    ({ url: metricsUrl, server } = await serveMetrics(telemetry));
  });

  after(async () => {
    await close(server);
    await telemetry.shutdown();
  });

  it("withSpan records a span with its attributes and returns the result", async () => {
    spans.reset();
    const result = await withSpan(telemetry.tracer, "reconcile", { "vpcrouter.term": 42 }, async (span) => {
      span.setAttribute("vpcrouter.actions", 2);
      return "done";
    });
    assert.equal(result, "done");
    const finished = spans.getFinishedSpans();
    assert.equal(finished.length, 1);
    const [span] = finished;
    assert.equal(span?.name, "reconcile");
    assert.equal(span?.attributes["vpcrouter.term"], 42);
    assert.equal(span?.attributes["vpcrouter.actions"], 2);
    assert.equal(span?.resource.attributes["service.name"], "vpcrouter-test");
    assert.equal(span?.resource.attributes["service.instance.id"], "replica-a");
  });

  it("withSpan marks a failing span as an error and rethrows", async () => {
    spans.reset();
    await assert.rejects(
      withSpan(telemetry.tracer, "ec2.ReplaceRoute", {}, () => {
        throw new Error("RequestLimitExceeded");
      }),
      /RequestLimitExceeded/,
    );
    const [span] = spans.getFinishedSpans();
    assert.equal(span?.status.code, SpanStatusCode.ERROR);
    assert.equal(span?.status.message, "RequestLimitExceeded");
    assert.equal(span?.events[0]?.name, "exception");
  });

  it("nests spans: a child started inside withSpan belongs to the parent's trace", async () => {
    spans.reset();
    await withSpan(telemetry.tracer, "parent", {}, async () => {
      await Promise.resolve();
      await withSpan(telemetry.tracer, "child", {}, () => undefined);
    });
    const byName = new Map(spans.getFinishedSpans().map((span) => [span.name, span]));
    const parent = byName.get("parent");
    const child = byName.get("child");
    assert.ok(parent && child);
    assert.equal(child.spanContext().traceId, parent.spanContext().traceId);
    assert.equal(child.parentSpanContext?.spanId, parent.spanContext().spanId);
  });

  it("GET /metrics serves the instruments in Prometheus text", async () => {
    const { instruments } = telemetry;
    instruments.probeChecks.add(3, { result: "ok" });
    instruments.probeChecks.add(1, { result: "fail" });
    instruments.isLeader.record(1);
    instruments.routeChanges.add(1, { kind: "replace", failover: true });
    instruments.ec2Calls.add(1, { action: "ReplaceRoute", outcome: "ok" });
    instruments.probeRtt.record(0.0003);
    instruments.failoverSeconds.record(0.8);
    const response = await fetch(metricsUrl);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
    const text = await response.text();
    assert.match(text, /^# TYPE vpcrouter_probe_checks_total counter$/m);
    assert.match(text, /^vpcrouter_probe_checks_total\{result="ok"\} 3( \d+)?$/m);
    assert.match(text, /^vpcrouter_probe_checks_total\{result="fail"\} 1( \d+)?$/m);
    assert.match(text, /^vpcrouter_is_leader 1( \d+)?$/m);
    assert.match(text, /^vpcrouter_route_changes_total\{kind="replace",failover="true"\} 1( \d+)?$/m);
    assert.match(text, /^vpcrouter_ec2_calls_total\{action="ReplaceRoute",outcome="ok"\} 1( \d+)?$/m);
    // Histograms use second-scale buckets, not the SDK's millisecond defaults.
    assert.match(text, /^vpcrouter_probe_rtt_seconds_bucket\{le="0.0005"\} 1( \d+)?$/m);
    assert.match(text, /^vpcrouter_failover_duration_seconds_bucket\{le="1"\} 1( \d+)?$/m);
    assert.match(text, /^target_info\{.*service_instance_id="replica-a".*\} 1$/m);
    assert.doesNotMatch(text, /_total_total/);
  });
});

describe("telemetry with several replicas in one process", () => {
  it("keeps each replica's metrics and spans apart", async () => {
    const spansA = new InMemorySpanExporter();
    const spansB = new InMemorySpanExporter();
    const a = startTelemetry({
      serviceName: "s",
      replicaId: "a",
      traces: "none",
      spanProcessors: [new SimpleSpanProcessor(spansA)],
    });
    const b = startTelemetry({
      serviceName: "s",
      replicaId: "b",
      traces: "none",
      spanProcessors: [new SimpleSpanProcessor(spansB)],
    });
    const servedA = await serveMetrics(a);
    const servedB = await serveMetrics(b);
    try {
      a.instruments.isLeader.record(1);
      b.instruments.isLeader.record(0);
      await withSpan(b.tracer, "only-b", {}, () => undefined);
      assert.match(await (await fetch(servedA.url)).text(), /^vpcrouter_is_leader 1$/m);
      assert.match(await (await fetch(servedB.url)).text(), /^vpcrouter_is_leader 0$/m);
      assert.deepEqual(
        spansB.getFinishedSpans().map((span) => span.name),
        ["only-b"],
      );
      assert.equal(spansA.getFinishedSpans().length, 0);
    } finally {
      await Promise.all([close(servedA.server), close(servedB.server)]);
      await Promise.all([a.shutdown(), b.shutdown(), a.shutdown()]);
    }
  });

  it("registers a global tracer provider again after the first one shut down", async () => {
    const spans = new InMemorySpanExporter();
    const first = startTelemetry({ serviceName: "first", replicaId: "r", traces: "none" });
    await first.shutdown();
    const second = startTelemetry({
      serviceName: "second",
      replicaId: "r",
      traces: "none",
      spanProcessors: [new SimpleSpanProcessor(spans)],
    });
    try {
      trace.getTracer("other-library").startSpan("via-global-api").end();
      assert.equal(spans.getFinishedSpans()[0]?.resource.attributes["service.name"], "second");
    } finally {
      await second.shutdown();
    }
  });

  it("records no spans when traces are none", async () => {
    const telemetry = startTelemetry({ serviceName: "quiet", replicaId: "r", traces: "none" });
    try {
      const span = telemetry.tracer.startSpan("ignored");
      assert.equal(span.isRecording(), false);
      span.end();
    } finally {
      await telemetry.shutdown();
    }
  });

  it("createInstruments works on any meter (here: the no-op global meter)", async () => {
    const { metrics } = await import("@opentelemetry/api");
    const instruments = createInstruments(metrics.getMeter("noop"));
    instruments.reconciles.add(1, { outcome: "noop" });
    instruments.reconcileDuration.record(0.1);
    assert.equal(typeof instruments.specValid.record, "function");
  });
});
