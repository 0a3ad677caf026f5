/**
 * The ec2status health check (probe/ec2-status-check.ts): the pure verdicts, and the monitor run
 * over a fake InstanceStatusReader (no EC2).
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { RouterEni } from "../../src/domain/route-table.js";
import type { HealthCheckContext, MonitorRun, PluginLogger } from "../../src/plugin/api.js";
import { checkPluginExport } from "../../src/plugin/plugin-manifest.js";
import {
  ec2StatusPlugin,
  ec2StatusVerdicts,
  type InstanceStatusReader,
} from "../../src/probe/ec2-status-check.js";
import type { InstanceCondition } from "../../src/vpc/instance-status-reader.js";
import { waitFor } from "../support/wait.js";

const A = "10.0.0.1";
const B = "10.0.0.2";

const eni = (ip: string, instanceId?: string): RouterEni => ({
  ip,
  networkInterfaceId: `eni-${ip}`,
  ...(instanceId ? { instanceId } : {}),
});
const condition = (state: string, systemStatus = "ok", instanceStatus = "ok"): InstanceCondition => ({
  state,
  systemStatus,
  instanceStatus,
});

describe("ec2StatusVerdicts", () => {
  const table: {
    label: string;
    eni?: RouterEni;
    condition?: InstanceCondition;
    reason: string | undefined;
  }[] = [
    { label: "no ENI holds the IP", reason: "no ENI of the VPC holds this IP" },
    { label: "an ENI without an instance", eni: eni(A), reason: "its ENI is not attached to an instance" },
    { label: "no status for the instance", eni: eni(A, "i-1"), reason: "EC2 reports no status for i-1" },
    ...["pending", "stopping", "stopped", "shutting-down", "terminated", "unknown"].map((state) => ({
      label: `state ${state}`,
      eni: eni(A, "i-1"),
      condition: condition(state),
      reason: `instance i-1 is ${state}`,
    })),
    {
      label: "system status impaired",
      eni: eni(A, "i-1"),
      condition: condition("running", "impaired"),
      reason: "instance i-1: system status check impaired",
    },
    {
      label: "instance status impaired",
      eni: eni(A, "i-1"),
      condition: condition("running", "ok", "impaired"),
      reason: "instance i-1: instance status check impaired",
    },
    {
      label: "both impaired: the system check is named",
      eni: eni(A, "i-1"),
      condition: condition("running", "impaired", "impaired"),
      reason: "instance i-1: system status check impaired",
    },
    {
      label: "stopped and impaired: the state is named",
      eni: eni(A, "i-1"),
      condition: condition("stopped", "impaired"),
      reason: "instance i-1 is stopped",
    },
    { label: "running, ok", eni: eni(A, "i-1"), condition: condition("running"), reason: undefined },
    {
      label: "running, initializing",
      eni: eni(A, "i-1"),
      condition: condition("running", "initializing", "initializing"),
      reason: undefined,
    },
    {
      label: "running, insufficient-data",
      eni: eni(A, "i-1"),
      condition: condition("running", "insufficient-data", "insufficient-data"),
      reason: undefined,
    },
    {
      label: "running, not-applicable",
      eni: eni(A, "i-1"),
      condition: condition("running", "not-applicable", "not-applicable"),
      reason: undefined,
    },
  ];
  for (const row of table) {
    it(`${row.label}: ${row.reason ?? "not failed"}`, () => {
      const enis = new Map(row.eni ? [[A, row.eni]] : []);
      const conditions = new Map(row.condition ? [["i-1", row.condition]] : []);
      assert.deepEqual(
        ec2StatusVerdicts([A], enis, conditions),
        row.reason === undefined ? {} : { [A]: row.reason },
      );
    });
  }

  it("judges only the hosts given, each on its own instance", () => {
    const enis = new Map([
      [A, eni(A, "i-1")],
      [B, eni(B, "i-2")],
      ["10.0.0.9", eni("10.0.0.9", "i-9")],
    ]);
    const conditions = new Map([
      ["i-1", condition("running")],
      ["i-2", condition("stopped")],
      ["i-9", condition("stopped")],
    ]);
    assert.deepEqual(ec2StatusVerdicts([A, B], enis, conditions), { [B]: "instance i-2 is stopped" });
    assert.deepEqual(ec2StatusVerdicts([], enis, conditions), {});
  });
});

/** A fake EC2: every host resolves to an ENI on instance `i-<last octet>`, whose condition is in `conditions`. */
class FakeReader implements InstanceStatusReader {
  readonly conditions = new Map<string, InstanceCondition>();
  readonly reads: string[][] = [];
  failWith: Error | undefined;
  /** When set, each read waits for it. */
  gate: Promise<void> | undefined;

  async resolveRouters(ips: readonly string[]): Promise<ReadonlyMap<string, RouterEni>> {
    this.reads.push([...ips]);
    await this.gate;
    if (this.failWith) throw this.failWith;
    return new Map(ips.map((ip) => [ip, eni(ip, `i-${ip.split(".").at(-1)}`)]));
  }

  async instanceConditions(ids: readonly string[]): Promise<ReadonlyMap<string, InstanceCondition>> {
    return new Map(
      ids.flatMap((id) => {
        const found = this.conditions.get(id);
        return found ? [[id, found] as const] : [];
      }),
    );
  }
}

const aborts: AbortController[] = [];
afterEach(() => {
  for (const abort of aborts.splice(0)) abort.abort();
});

/** Starts the plugin over `reader`, polling every `intervalMs` (below the option's minimum, for speed). */
function startOver(reader: FakeReader | undefined, intervalMs = 20) {
  const reports: Record<string, string>[] = [];
  const warnings: string[] = [];
  const logger: PluginLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => warnings.push(message),
    error: () => undefined,
  };
  const abort = new AbortController();
  aborts.push(abort);
  const context: HealthCheckContext = {
    logger,
    options: { intervalMs },
    signal: abort.signal,
    report: (failed) => reports.push({ ...failed }),
  };
  const run = ec2StatusPlugin(() => reader).start(context) as MonitorRun;
  return { run, reports, warnings, abort };
}

describe("ec2status plugin", () => {
  it("passes the plugin API check, as a health check with an intervalMs option", () => {
    const checked = checkPluginExport({ default: ec2StatusPlugin(() => undefined) }, "health-check");
    assert.ok(checked.ok);
    assert.equal(checked.plugin.options?.intervalMs?.default, 5000);
  });

  it("does not start without an EC2 reader", () => {
    assert.throws(() => startOver(undefined), /the EC2 API is not available here/);
  });

  it("reads nothing before watch, and reports the verdicts after it", async () => {
    const reader = new FakeReader();
    reader.conditions.set("i-1", condition("running"));
    reader.conditions.set("i-2", condition("stopped"));
    const { run, reports } = startOver(reader);
    assert.deepEqual(reader.reads, []);
    run.watch([A, B]);
    await waitFor(() => reports.length >= 1, { timeoutMs: 2000 });
    assert.deepEqual(reports[0], { [B]: "instance i-2 is stopped" });
    assert.deepEqual(reader.reads[0], [A, B]);
    await waitFor(() => reports.length >= 3, { timeoutMs: 2000, message: "polls on its interval" });
    await run.stop?.();
  });

  it("a reader that rejects: no report, the last verdicts stay, one warning per problem", async () => {
    const reader = new FakeReader();
    reader.conditions.set("i-1", condition("stopped"));
    const { run, reports, warnings } = startOver(reader);
    run.watch([A]);
    await waitFor(() => reports.length === 1, { timeoutMs: 2000 });
    reader.failWith = new Error("RequestLimitExceeded");
    const readsBefore = reader.reads.length;
    await waitFor(() => reader.reads.length >= readsBefore + 4, { timeoutMs: 2000 });
    assert.equal(reports.length, 1, "no report while EC2 cannot be read");
    assert.deepEqual(warnings, ["cannot read instance status, the last verdicts stay: RequestLimitExceeded"]);
    reader.failWith = new Error("breaker open");
    await waitFor(() => warnings.length === 2, { timeoutMs: 2000 });
    reader.failWith = undefined;
    await waitFor(() => reports.length >= 2, { timeoutMs: 2000 });
    assert.deepEqual(reports.at(-1), { [A]: "instance i-1 is stopped" });
    reader.failWith = new Error("breaker open");
    await waitFor(() => warnings.length === 3, { timeoutMs: 2000, message: "warns again after a good read" });
    await run.stop?.();
  });

  it("hosts changed: read again at once, not an interval later", async () => {
    const reader = new FakeReader();
    const { run, reports } = startOver(reader, 60_000);
    run.watch([A]);
    await waitFor(() => reports.length === 1, { timeoutMs: 2000 });
    run.watch([A, B]);
    await waitFor(() => reports.length === 2, { timeoutMs: 2000 });
    assert.deepEqual(reader.reads, [[A], [A, B]]);
    assert.deepEqual(reports[1], {
      [A]: "EC2 reports no status for i-1",
      [B]: "EC2 reports no status for i-2",
    });
    await run.stop?.();
  });

  it("hosts changed during a read: the new hosts are read right after it, not an interval later", async () => {
    const reader = new FakeReader();
    let open: () => void = () => undefined;
    reader.gate = new Promise<void>((resolve) => (open = resolve));
    const { run, reports } = startOver(reader, 60_000);
    run.watch([A]);
    await waitFor(() => reader.reads.length === 1, { timeoutMs: 2000 });
    run.watch([A, B]);
    reader.gate = undefined;
    open();
    await waitFor(() => reports.some((report) => B in report), { timeoutMs: 2000 });
    await run.stop?.();
  });

  it("stop() stops polling: no read after it", async () => {
    const reader = new FakeReader();
    const { run } = startOver(reader, 10);
    run.watch([A]);
    await waitFor(() => reader.reads.length >= 2, { timeoutMs: 2000 });
    await run.stop?.();
    const reads = reader.reads.length;
    // Observing an absence: ten intervals.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(reader.reads.length, reads);
  });

  it("stop() during a read: it waits for the read, and no read follows", async () => {
    const reader = new FakeReader();
    let open: () => void = () => undefined;
    reader.gate = new Promise<void>((resolve) => (open = resolve));
    const { run } = startOver(reader, 10);
    run.watch([A]);
    await waitFor(() => reader.reads.length === 1, { timeoutMs: 2000 });
    const stopping = run.stop?.();
    open();
    await stopping;
    reader.gate = undefined;
    // Observing an absence: ten intervals.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(reader.reads.length, 1);
  });

  it("an aborted signal stops polling, and a read under way reports nothing", async () => {
    const reader = new FakeReader();
    let open: () => void = () => undefined;
    reader.gate = new Promise<void>((resolve) => (open = resolve));
    const { run, reports, abort } = startOver(reader, 10);
    run.watch([A]);
    await waitFor(() => reader.reads.length === 1, { timeoutMs: 2000 });
    abort.abort();
    open();
    await run.stop?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(reports, []);
    assert.equal(reader.reads.length, 1);
  });
});
