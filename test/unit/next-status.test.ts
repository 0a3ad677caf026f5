import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nextManagedCidrs } from "../../src/decide/managed-cidrs.js";
import type { RouteAction } from "../../src/domain/route-action.js";
import type { RouteTable } from "../../src/domain/route-table.js";
import { nextStatus, type RecordedPass } from "../../src/leader/next-status.js";

const table: RouteTable = {
  routeTableId: "rtb-1",
  vpcId: "vpc-1",
  main: true,
  subnetIds: [],
  routes: [
    { destinationCidrBlock: "172.16.0.0/16", target: { kind: "local" }, state: "active" },
    {
      destinationCidrBlock: "10.1.0.0/16",
      target: { kind: "eni", networkInterfaceId: "eni-1" },
      state: "active",
    },
    { destinationCidrBlock: "0.0.0.0/0", target: { kind: "gateway", id: "igw-1" }, state: "active" },
  ],
};

const replace: RouteAction = {
  kind: "replace",
  routeTableId: "rtb-1",
  destinationCidrBlock: "10.1.0.0/16",
  routerIp: "198.18.0.11",
  networkInterfaceId: "eni-2",
  failover: true,
  reason: "198.18.0.10 failed",
};

describe("nextManagedCidrs", () => {
  it("manages every spec CIDR and keeps a former one only while a router route remains", () => {
    const managed = nextManagedCidrs(["10.1.0.0/16", "10.2.0.0/16", "0.0.0.0/0"], { "10.3.0.0/16": ["x"] }, [
      table,
    ]);
    assert.deepEqual(managed, ["10.1.0.0/16", "10.3.0.0/16"]);
  });
});

describe("nextStatus", () => {
  const base = {
    leaderId: "a",
    term: "7",
    spec: { spec: { "10.1.0.0/16": ["198.18.0.10", "198.18.0.11"] }, revision: "3" },
    managedCidrs: ["10.1.0.0/16"],
    at: "2026-01-01T00:00:00.000Z",
  };
  /** A reconcile that replaced one route successfully. */
  const applied: RecordedPass = {
    plan: { actions: [replace], warnings: [] },
    tables: [table],
    results: [{ action: replace, ok: true, durationMs: 3 }],
    stoppedByFence: false,
  };

  it("records the plan and the apply when the plan had actions", () => {
    const status = nextStatus({
      ...base,
      pass: applied,
    });
    assert.deepEqual(status.lastPlan, { at: base.at, actions: [replace] });
    assert.deepEqual(status.lastApply?.changes, [{ action: replace, ok: true, error: undefined }]);
    // Only router routes are recorded: local and gateway routes would only make the record big.
    assert.deepEqual(
      status.routeTables?.[0]?.routes.map((r) => r.destinationCidrBlock),
      ["10.1.0.0/16"],
    );
  });

  it("is unchanged by a steady-state reconcile at a later time (nothing to write)", () => {
    const first = nextStatus({
      ...base,
      pass: applied,
    });
    const stored = JSON.parse(JSON.stringify(first));
    const later = nextStatus({
      ...base,
      previous: stored,
      at: "2026-01-01T00:05:00.000Z",
      pass: { plan: { actions: [], warnings: [] }, tables: [table], results: [], stoppedByFence: false },
    });
    assert.equal(JSON.stringify(later), JSON.stringify(stored));
  });

  it("formats plan warnings with CIDR and table", () => {
    const status = nextStatus({
      ...base,
      pass: {
        plan: {
          actions: [],
          warnings: [{ routeTableId: "rtb-1", destinationCidrBlock: "10.1.0.0/16", message: "all failed" }],
        },
        tables: [table],
        results: [],
        stoppedByFence: false,
      },
    });
    assert.deepEqual(status.planWarnings, ["10.1.0.0/16 in rtb-1: all failed"]);
  });

  describe("routers", () => {
    const r10 = {
      ip: "198.18.0.10",
      networkInterfaceId: "eni-10",
      subnetId: "subnet-1",
      sourceDestCheck: true,
      instanceId: "i-10",
    };
    const r9 = { sourceDestCheck: false, ip: "198.18.0.9", networkInterfaceId: "eni-9" };

    it("records the resolved routers sorted by address, fields in one order, one entry per IP", () => {
      const status = nextStatus({ ...base, routers: [r10, r9, { ...r10, networkInterfaceId: "eni-dup" }] });
      assert.deepEqual(status.routers, [
        { ip: "198.18.0.9", networkInterfaceId: "eni-9", sourceDestCheck: false },
        {
          ip: "198.18.0.10",
          networkInterfaceId: "eni-10",
          instanceId: "i-10",
          subnetId: "subnet-1",
          sourceDestCheck: true,
        },
      ]);
      assert.equal(
        JSON.stringify(status.routers),
        JSON.stringify(nextStatus({ ...base, routers: [r9, r10] }).routers),
        "resolve order does not change the record",
      );
    });

    it("keeps the previous routers when a reconcile resolved none (no spec), replaces them otherwise", () => {
      const first = nextStatus({ ...base, routers: [r10] });
      assert.deepEqual(nextStatus({ ...base, previous: first }).routers, first.routers);
      assert.deepEqual(nextStatus({ ...base, previous: first, routers: [] }).routers, []);
    });

    it("is unchanged when the same routers are resolved again (nothing to write)", () => {
      const stored = JSON.parse(JSON.stringify(nextStatus({ ...base, routers: [r10, r9] })));
      const later = nextStatus({ ...base, previous: stored, routers: [r9, r10], at: "2026-01-02T00:00:00Z" });
      assert.equal(JSON.stringify(later), JSON.stringify(stored));
    });
  });
});
