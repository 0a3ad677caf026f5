import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RouteAction } from "../../src/domain/route-action.js";
import type { ReconcileReport } from "../../src/leader/reconcile-pass.js";
import { type ObservedState, observeReplica } from "../../src/telemetry/observe-replica.js";
import { registerObservedGauges } from "../../src/telemetry/observed-gauges.js";
import { startTelemetry } from "../../src/telemetry/telemetry.js";
import { scrape } from "../support/scrape.js";
import { waitFor } from "../support/wait.js";

const failover: RouteAction = {
  kind: "replace",
  routeTableId: "rtb-1",
  destinationCidrBlock: "10.55.16.0/24",
  routerIp: "10.33.20.93",
  networkInterfaceId: "eni-2",
  failover: true,
  failedRouterIp: "10.33.20.142",
  reason: "router 10.33.20.142 failed",
};

function report(overrides: Partial<ReconcileReport>): ReconcileReport {
  return {
    reason: "test",
    at: new Date(0).toISOString(),
    durationMs: 250,
    results: [],
    stoppedByFence: false,
    ...overrides,
  };
}

describe("observeReplica", () => {
  it("records the state's role, term, spec validity and confirmed failures", async () => {
    const telemetry = startTelemetry({ serviceName: "s", replicaId: "r", traces: "none" });
    const observer = observeReplica(telemetry.instruments);
    try {
      const replica: ObservedState = {
        role: "leader",
        snapshot: { leader: { createRevision: "42" } },
        spec: { error: { revision: "7", message: "bad" } },
        failures: { confirmed: new Set(["10.33.20.142", "10.33.20.143"]), quorum: 2 },
      };
      observer.observe(replica);
      const text = await scrape(telemetry);
      assert.match(text, /^vpcrouter_is_leader 1$/m);
      assert.match(text, /^vpcrouter_leader_term 42$/m);
      assert.match(text, /^vpcrouter_spec_valid 0$/m);
      assert.match(text, /^vpcrouter_routers_failed 2$/m);
      assert.match(text, /^vpcrouter_quorum_size 2$/m);
    } finally {
      await telemetry.shutdown();
    }
  });

  it("counts reconciles by outcome and route changes, and times failovers from confirmation", async () => {
    const telemetry = startTelemetry({ serviceName: "s", replicaId: "r", traces: "none" });
    let clock = 1_000_000;
    const observer = observeReplica(telemetry.instruments, { now: () => clock });
    try {
      const replica = {
        role: "leader" as const,
        snapshot: {},
        spec: {},
        failures: { confirmed: new Set<string>(), quorum: 2 },
      };
      observer.observe(replica);
      observer.leadershipEvents.onReconciled?.(report({}));
      replica.failures.confirmed = new Set(["10.33.20.142"]);
      observer.observe(replica); // a new state: confirmation seen at 1_000_000
      clock += 1_500;
      observer.leadershipEvents.onReconciled?.(
        report({ results: [{ action: failover, ok: true, durationMs: 120 }] }),
      );
      observer.leadershipEvents.onReconciled?.(report({ stoppedByFence: true }));
      observer.leadershipEvents.onReconciled?.(report({ error: "DescribeRouteTables failed" }));
      const text = await scrape(telemetry);
      assert.match(text, /^vpcrouter_reconcile_total\{outcome="noop"\} 1$/m);
      assert.match(text, /^vpcrouter_reconcile_total\{outcome="applied"\} 1$/m);
      assert.match(text, /^vpcrouter_reconcile_total\{outcome="fenced"\} 1$/m);
      assert.match(text, /^vpcrouter_reconcile_total\{outcome="failed"\} 1$/m);
      assert.match(text, /^vpcrouter_reconcile_duration_seconds_count 4$/m);
      assert.match(text, /^vpcrouter_route_changes_total\{kind="replace",failover="true"\} 1$/m);
      assert.match(text, /^vpcrouter_failover_duration_seconds_count 1$/m);
      assert.match(text, /^vpcrouter_failover_duration_seconds_sum 1\.5$/m);
    } finally {
      await telemetry.shutdown();
    }
  });

  it("times each router's failover on its own: a confirmed router without routes is never charged to another's", async () => {
    const telemetry = startTelemetry({ serviceName: "s", replicaId: "r", traces: "none" });
    let clock = 1_000_000;
    const observer = observeReplica(telemetry.instruments, { now: () => clock });
    try {
      const state = {
        role: "leader" as const,
        snapshot: {},
        spec: {},
        failures: { confirmed: new Set<string>(), quorum: 2 },
      };
      // 10.33.20.50 carries no route: confirmed failed, nothing to move, for 10 minutes.
      state.failures.confirmed = new Set(["10.33.20.50"]);
      observer.observe(state);
      clock += 600_000;
      state.failures.confirmed = new Set(["10.33.20.50", "10.33.20.142"]);
      observer.observe(state);
      clock += 20;
      observer.leadershipEvents.onReconciled?.(
        report({ results: [{ action: failover, ok: true, durationMs: 10 }] }),
      );
      // The same router's later changes in another pass are not a second failover.
      clock += 20;
      observer.leadershipEvents.onReconciled?.(
        report({ results: [{ action: failover, ok: true, durationMs: 10 }] }),
      );
      const text = await scrape(telemetry);
      assert.match(text, /^vpcrouter_failover_duration_seconds_count 1$/m);
      assert.match(text, /^vpcrouter_failover_duration_seconds_sum 0\.02$/m);
    } finally {
      await telemetry.shutdown();
    }
  });
});

describe("Node runtime metrics", () => {
  it("are exported beside ours (event loop, heap, process CPU and memory), from the standard packages", async () => {
    const telemetry = startTelemetry({ serviceName: "s", replicaId: "r", traces: "none" });
    try {
      let text = "";
      await waitFor(
        async () => {
          text = await scrape(telemetry);
          return /^nodejs_eventloop_utilization_ratio [\d.e-]+$/m.test(text);
        },
        { timeoutMs: 10_000, intervalMs: 200, message: () => `no runtime metrics in:\n${text}` },
      );
      assert.match(text, /^v8js_memory_heap_used_bytes\{/m);
      assert.match(text, /^process_memory_usage [\d.e+]+$/m);
      assert.match(text, /^process_cpu_time_seconds_total\{process_cpu_state="user"\} [\d.e+-]+$/m);
    } finally {
      await telemetry.shutdown();
    }
  });
});

describe("registerObservedGauges", () => {
  it("reads members, router health, breakers, pause, last reconcile and build at each scrape", async () => {
    const telemetry = startTelemetry({ serviceName: "s", replicaId: "r", traces: "none" });
    let paused = false;
    let breaker: "closed" | "open" = "closed";
    registerObservedGauges(
      telemetry.meter,
      {
        members: () => 3,
        routerHealth: () =>
          new Map([
            ["10.0.0.1", false],
            ["10.0.0.2", true],
          ]),
        breakers: () => ({ ReplaceRoute: breaker }),
        paused: () => paused,
        lastReconcileOkAt: () => 1_796_000_000_000,
        leaseRemainingMs: () => 4_250,
      },
      "1.2.3",
    );
    try {
      let text = await scrape(telemetry);
      assert.match(text, /^vpcrouter_members 3$/m);
      assert.match(text, /^vpcrouter_router_up\{router="10\.0\.0\.1"\} 0$/m);
      assert.match(text, /^vpcrouter_router_up\{router="10\.0\.0\.2"\} 1$/m);
      assert.match(text, /^vpcrouter_ec2_breaker_open\{action="ReplaceRoute"\} 0$/m);
      assert.match(text, /^vpcrouter_paused 0$/m);
      assert.match(text, /^vpcrouter_last_reconcile_success_timestamp_seconds 1796000000$/m);
      assert.match(text, /^vpcrouter_lease_remaining_seconds 4\.25$/m);
      assert.match(text, /^vpcrouter_build_info\{version="1\.2\.3",node="v\d+\.\d+\.\d+"\} 1$/m);
      paused = true;
      breaker = "open";
      text = await scrape(telemetry);
      assert.match(text, /^vpcrouter_paused 1$/m);
      assert.match(text, /^vpcrouter_ec2_breaker_open\{action="ReplaceRoute"\} 1$/m);
    } finally {
      await telemetry.shutdown();
    }
  });
});
