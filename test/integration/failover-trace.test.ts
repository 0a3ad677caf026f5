/**
 * One failover, one trace, across replicas: three replicas export their spans over OTLP/HTTP
 * (http/json) to a receiver started here on loopback. After a router's link goes down, the leader's
 * `quorum.confirmed` span links to the `probe.view_changed` spans of the replicas whose votes
 * confirmed it, and its reconcile pass and the EC2 calls are in the confirmation's trace.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const CIDR = "10.55.16.0/24";

interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly links?: readonly { readonly traceId: string; readonly spanId: string }[];
  /** The service.instance.id of the replica that sent it (added here). */
  replica?: string;
}

interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

describe("a failover as one trace across replicas", () => {
  let world: TestWorld;
  let r1: string;
  let r2: string;
  const spans: OtlpSpan[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.url === "/v1/traces") {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as OtlpExport;
        for (const resourceSpans of body.resourceSpans ?? []) {
          const replica = resourceSpans.resource?.attributes?.find((a) => a.key === "service.instance.id")
            ?.value.stringValue;
          for (const scope of resourceSpans.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) spans.push({ ...span, ...(replica ? { replica } : {}) });
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    world = await TestWorld.create({ tag: "trace", subnet: 244, etcdMembers: 1, routers: 2, routeTables: 1 });
    [r1, r2] = world.routers.routerIps as [string, string];
    const env = {
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "100",
    };
    for (const [id, zone] of [
      ["tr-a", "az-a"],
      ["tr-b", "az-b"],
      ["tr-c", "az-c"],
    ] as const) {
      await world.startReplica(id, zone, ["--expected-replicas", "3"], { env });
    }
    await world.putSpecAndWait({ [CIDR]: [r1, r2] });
  });

  after(async () => {
    await world?.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("links the leader's confirmation to the voters' probe spans, and holds the pass and the EC2 write", async () => {
    const leader = await world.agreedLeader();
    await world.routers.linkDown(r1);
    await waitFor(() => world.allTablesRoute(CIDR, r2), {
      timeoutMs: 20_000,
      message: () => `no failover\n${world.tails()}`,
    });
    let confirmation: OtlpSpan | undefined;
    await waitFor(
      () => {
        confirmation = spans.find((s) => s.name === "quorum.confirmed" && s.replica === leader.id);
        const replace = spans.find(
          (s) => s.name === "EC2/ReplaceRoute" && s.traceId === confirmation?.traceId,
        );
        // Each replica exports on its own schedule: wait for the voters' linked spans too.
        const linkedArrived = (confirmation?.links ?? []).every((link) =>
          spans.some((s) => s.name === "probe.view_changed" && s.spanId === link.spanId),
        );
        return confirmation !== undefined && replace !== undefined && linkedArrived;
      },
      { timeoutMs: 20_000, message: () => `spans: ${spans.map((s) => `${s.replica}:${s.name}`).join(", ")}` },
    );
    assert.ok(confirmation);
    const inTrace = spans.filter((s) => s.traceId === confirmation?.traceId);
    const reconcile = inTrace.find((s) => s.name === "reconcile" && s.parentSpanId === confirmation?.spanId);
    assert.ok(
      reconcile,
      `no reconcile pass under the confirmation: ${inTrace.map((s) => s.name).join(", ")}`,
    );
    const apply = inTrace.find((s) => s.name === "reconcile.apply" && s.parentSpanId === reconcile.spanId);
    assert.ok(apply, "no apply step");
    assert.ok(
      inTrace.some((s) => s.name === "EC2/ReplaceRoute" && s.parentSpanId === apply.spanId),
      "the ReplaceRoute is not under the apply step",
    );
    // Detection in the voters' zones: the links point at their probe spans.
    const probeSpans = new Map(
      spans.filter((s) => s.name === "probe.view_changed").map((s) => [s.spanId, s]),
    );
    const linked = (confirmation.links ?? []).map((link) => probeSpans.get(link.spanId));
    assert.ok(linked.length >= 2, `links: ${JSON.stringify(confirmation.links)}`);
    const voters = new Set(linked.map((span) => span?.replica));
    assert.ok(voters.size >= 2 && !voters.has(undefined), `linked probe spans of ${[...voters].join(", ")}`);
  });
});
