/** Scrapes a telemetry's `GET /metrics` handler through a real loopback server, for tests. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Telemetry } from "../../src/telemetry/telemetry.js";

/** The Prometheus text `telemetry` serves now. */
export async function scrape(telemetry: Telemetry): Promise<string> {
  const server = createServer((request, response) => telemetry.metricsHandler(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)).text();
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * The sum of the series of Prometheus metric `name` at `apiUrl`/metrics whose label text contains
 * `labels`, e.g. `metricSum(url, "vpcrouter_plugin_errors_total", 'operation="emit"')`; 0 when none.
 */
export async function metricSum(apiUrl: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}
