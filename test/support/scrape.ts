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
