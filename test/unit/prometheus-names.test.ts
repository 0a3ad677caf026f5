/** OpenTelemetry names → Prometheus names, as OpenTelemetry's Prometheus compatibility spec maps them. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type PrometheusKind, prometheusName } from "../../src/telemetry/prometheus-names.js";

const CASES: ReadonlyArray<readonly [string, string, PrometheusKind, string]> = [
  ["vpcrouter.failover.duration", "s", "histogram", "vpcrouter_failover_duration_seconds"],
  ["vpcrouter.ec2.calls", "{call}", "counter", "vpcrouter_ec2_calls_total"],
  ["vpcrouter.reconcile", "{pass}", "counter", "vpcrouter_reconcile_total"],
  ["vpcrouter.lease.remaining", "s", "gauge", "vpcrouter_lease_remaining_seconds"],
  ["vpcrouter.is_leader", "", "gauge", "vpcrouter_is_leader"],
  ["v8js.memory.heap.used", "By", "gauge", "v8js_memory_heap_used_bytes"],
  ["process.cpu.time", "s", "counter", "process_cpu_time_seconds_total"],
  ["nodejs.eventloop.utilization", "1", "gauge", "nodejs_eventloop_utilization_ratio"],
  ["requests", "1", "counter", "requests_total"],
  ["net.io", "By/s", "gauge", "net_io_bytes_per_second"],
  ["already_seconds", "s", "histogram", "already_seconds"],
  ["odd-name..x", "furlong", "gauge", "odd_name_x"],
];

describe("prometheusName", () => {
  for (const [name, unit, kind, expected] of CASES) {
    it(`${name} [${unit || "no unit"}] as a ${kind} → ${expected}`, () => {
      assert.equal(prometheusName(name, unit, kind), expected);
    });
  }
});
