/**
 * The dashboards and the collector example agree with the daemon: every metric the Grafana
 * dashboard queries is one vpcrouter exports (names taken from the instruments themselves, the
 * runtime and process metrics from a scrape), every
 * panel uses a declared data source, and the collector's pipelines name components it defines.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import type { Meter } from "@opentelemetry/api";
import { parse } from "yaml";
import { createInstruments } from "../../src/telemetry/instruments.js";
import { registerObservedGauges } from "../../src/telemetry/observed-gauges.js";
import { prometheusName } from "../../src/telemetry/prometheus-names.js";
import { startTelemetry } from "../../src/telemetry/telemetry.js";
import { scrape } from "../support/scrape.js";
import { waitFor } from "../support/wait.js";

/** The Prometheus names of every instrument vpcrouter creates, and which of them are histograms. */
function exportedMetrics(): { names: Set<string>; histograms: Set<string> } {
  const names = new Set<string>();
  const histograms = new Set<string>();
  const instrument = { add: () => undefined, record: () => undefined, addCallback: () => undefined };
  const meter = new Proxy(
    {},
    {
      get: (_target, method: string) => (name: string, options?: { unit?: string }) => {
        const kind =
          method === "createHistogram" ? "histogram" : method === "createCounter" ? "counter" : "gauge";
        const exposed = prometheusName(name, options?.unit ?? "", kind);
        names.add(exposed);
        if (kind === "histogram") histograms.add(exposed);
        return instrument;
      },
    },
  ) as Meter;
  createInstruments(meter);
  registerObservedGauges(
    meter,
    {
      members: () => 0,
      routerHealth: () => new Map(),
      breakers: () => ({}),
      paused: () => false,
      lastReconcileOkAt: () => undefined,
      leaseRemainingMs: () => undefined,
    },
    "0",
  );
  return { names, histograms };
}

interface Panel {
  readonly title: string;
  readonly datasource: { readonly uid: string };
  readonly targets: readonly { readonly expr?: string }[];
}

describe("deploy/grafana", () => {
  it("queries only metrics the daemon exports, through declared data sources", async () => {
    const dashboard = JSON.parse(
      await readFile(new URL("../../deploy/grafana/vpcrouter.json", import.meta.url), "utf8"),
    ) as { panels: Panel[]; templating: { list: { name: string }[] } };
    const { names, histograms } = exportedMetrics();
    const sources = new Set(dashboard.templating.list.map((variable) => `\${${variable.name}}`));
    const queried = new Set<string>();
    for (const panel of dashboard.panels) {
      assert.ok(
        sources.has(panel.datasource.uid),
        `${panel.title}: undeclared data source ${panel.datasource.uid}`,
      );
      for (const target of panel.targets) {
        for (const [metric] of (target.expr ?? "").matchAll(/vpcrouter_[a-z0-9_]+/g)) {
          const base = metric.replace(/_(bucket|sum|count)$/, "");
          const name = histograms.has(base) ? base : metric;
          assert.ok(names.has(name), `${panel.title}: ${metric} is not exported`);
          queried.add(name);
        }
      }
    }
    // The runtime and process metrics come from the standard packages: check them against a scrape.
    const runtimeQueried = dashboard.panels.flatMap((panel) =>
      panel.targets.flatMap((target) =>
        [...(target.expr ?? "").matchAll(/\b(?:nodejs|v8js|process)_[a-z0-9_]+/g)].map((m) => m[0]),
      ),
    );
    assert.ok(runtimeQueried.length > 0, "no runtime metric on the dashboard");
    const telemetry = startTelemetry({ serviceName: "s", replicaId: "r", traces: "none" });
    let scraped = "";
    try {
      await waitFor(
        async () => {
          scraped = await scrape(telemetry);
          return runtimeQueried.every((name) => new RegExp(`^${name}[ {]`, "m").test(scraped));
        },
        {
          timeoutMs: 10_000,
          intervalMs: 200,
          message: () => `not all of ${runtimeQueried.join(", ")} exported`,
        },
      );
    } finally {
      await telemetry.shutdown();
    }
    // The headline metrics are on it.
    for (const name of [
      "vpcrouter_failover_duration_seconds",
      "vpcrouter_router_up",
      "vpcrouter_ec2_calls_total",
      "vpcrouter_is_leader",
      "vpcrouter_lease_remaining_seconds",
    ]) {
      assert.ok(queried.has(name), `the dashboard does not show ${name}`);
    }
  });
});

describe("deploy/otel-collector", () => {
  it("names in its pipelines only the receivers, processors and exporters it defines", async () => {
    const config = parse(
      await readFile(new URL("../../deploy/otel-collector/config.yaml", import.meta.url), "utf8"),
    ) as Record<string, Record<string, unknown>> & {
      service: { pipelines: Record<string, Record<string, string[]>> };
    };
    for (const [name, pipeline] of Object.entries(config.service.pipelines)) {
      for (const kind of ["receivers", "processors", "exporters"] as const) {
        for (const component of pipeline[kind] ?? []) {
          assert.ok(
            component in (config[kind] ?? {}),
            `pipeline ${name}: ${kind} ${component} is not defined`,
          );
        }
      }
    }
    assert.ok("otlp" in config.receivers, "no OTLP receiver for the replicas");
  });
});
