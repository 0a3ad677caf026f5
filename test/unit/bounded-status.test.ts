/**
 * The status record stays small whatever the VPC's size (etcd refuses requests over 1.5 MiB; gRPC
 * replies over 4 MiB): tested at 1,000 routes × 50 tables.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { boundStatusRecord, STATUS_RECORD_MAX_BYTES } from "../../src/leader/bounded-status.js";
import { nextStatus } from "../../src/leader/next-status.js";
import { bigVpc } from "../support/big-vpc.js";

describe("boundStatusRecord", () => {
  it(`keeps the record of 1,000 routes × 50 tables under ${STATUS_RECORD_MAX_BYTES} bytes, counting what it left out`, () => {
    const { tables, actions } = bigVpc(1000, 50);
    const full = nextStatus({
      leaderId: "a",
      term: "7",
      pass: {
        plan: { actions, warnings: [] },
        tables,
        results: actions.map((action) => ({ action, ok: true, durationMs: 1 })),
        stoppedByFence: false,
      },
      at: "2026-12-01T00:00:00.000Z",
    });
    assert.ok(JSON.stringify(full).length > 1.5 * 1024 * 1024, "the unbounded record is over etcd's limit");
    const bounded = boundStatusRecord(full);
    assert.ok(Buffer.byteLength(JSON.stringify(bounded)) <= STATUS_RECORD_MAX_BYTES);
    assert.deepEqual(bounded.omitted, { actions: 49_900, changes: 49_900, routeTables: 50 });
    assert.equal(bounded.lastPlan?.actions.length, 100);
    assert.equal(bounded.routeTables, undefined);
  });

  it("leaves a record that fits as it is", () => {
    const record = { leaderId: "a", term: "7", planWarnings: ["x"] };
    assert.equal(boundStatusRecord(record), record);
  });
});
