import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { trace } from "@opentelemetry/api";
import pino from "pino";
import type { ClusterStore, LeaderRecordWrites } from "../../src/cluster/cluster-store.js";
import type { Session } from "../../src/cluster/session.js";
import type { Candidate, ClusterSnapshot } from "../../src/cluster/snapshot.js";
import type { FailureView } from "../../src/decide/quorum.js";
import type { BatchOptions, RouteChangeOutcome, SourceDestFixOutcome } from "../../src/domain/outcome.js";
import { failureOf } from "../../src/domain/outcome.js";
import type { RouteAction } from "../../src/domain/route-action.js";
import type { RouterEni, RouteTable } from "../../src/domain/route-table.js";
import type { StatusRecord } from "../../src/domain/status-record.js";
import type { Vote } from "../../src/domain/vote.js";
import type { VpcPort } from "../../src/domain/vpc-port.js";
import { Leadership } from "../../src/leader/leadership.js";
import type { LeaderInputs, ReconcileReport } from "../../src/leader/reconcile-pass.js";
import { inQuorumSpan } from "../../src/replica/cluster-view.js";
import { LeaderTerms } from "../../src/replica/leader-terms.js";
import { activeTraceparent, inProbeViewSpan } from "../../src/replica/trace-links.js";
import { toFailure } from "../../src/vpc/ec2-errors.js";
import { captureSpans } from "../support/span-capture.js";
import { waitFor } from "../support/wait.js";

const CIDR = "10.55.16.0/24";
/** An in-memory VPC behind the VpcPort interface (a fake for unit tests only). */
class FakeVpc implements VpcPort {
  tables: RouteTable[];
  mutations: RouteAction[] = [];
  routers: RouterEni[] = [
    { ip: "198.18.0.10", networkInterfaceId: "eni-10", subnetId: "subnet-r", sourceDestCheck: false },
    { ip: "198.18.0.11", networkInterfaceId: "eni-11", subnetId: "subnet-r", sourceDestCheck: false },
  ];
  /** ENIs whose source/destination check was disabled, in call order. */
  checkFixes: string[] = [];
  /** How many of the next source/destination check calls fail, and with which EC2 error code. */
  failingFixes = 0;
  failingFixCode = "InternalError";
  /** The routers the last readRouteTables was given. */
  tablesReadFor: ReadonlyMap<string, RouterEni> | undefined;
  constructor(tableCount: number, eni: string) {
    this.tables = Array.from({ length: tableCount }, (_, i) => ({
      routeTableId: `rtb-${i}`,
      vpcId: "vpc-1",
      main: i === 0,
      subnetIds: [],
      routes: [
        {
          destinationCidrBlock: "198.18.0.0/15",
          target: { kind: "local" as const },
          state: "active" as const,
        },
        {
          destinationCidrBlock: CIDR,
          target: { kind: "eni" as const, networkInterfaceId: eni },
          state: "active" as const,
        },
      ],
    }));
  }
  reads = 0;
  async readRouteTables(routers: ReadonlyMap<string, RouterEni>): Promise<RouteTable[]> {
    this.reads++;
    this.tablesReadFor = routers;
    return structuredClone(this.tables);
  }
  async resolveRouters(ips: readonly string[]): Promise<ReadonlyMap<string, RouterEni>> {
    return new Map(this.routers.filter((r) => ips.includes(r.ip)).map((r) => [r.ip, { ...r }]));
  }
  async disableSourceDestCheck(
    routers: readonly RouterEni[],
    guard: { mayMutate(): boolean | Promise<boolean> },
  ) {
    const results: SourceDestFixOutcome[] = [];
    for (const router of routers) {
      if (!(await guard.mayMutate())) return { results, stoppedByFence: true };
      const base = { networkInterfaceId: router.networkInterfaceId, routerIps: [router.ip], durationMs: 0 };
      if (this.failingFixes > 0) {
        this.failingFixes--;
        results.push({ ...base, ok: false, failure: toFailure(new Error("boom"), this.failingFixCode) });
        continue;
      }
      this.checkFixes.push(router.networkInterfaceId);
      this.routers = this.routers.map((r) =>
        r.networkInterfaceId === router.networkInterfaceId ? { ...r, sourceDestCheck: false } : r,
      );
      results.push({ ...base, ok: true });
    }
    return { results, stoppedByFence: false };
  }
  /** How long each mutation takes, ms (0: none). */
  mutationMs = 0;
  async apply(
    actions: readonly RouteAction[],
    guard: { mayMutate(): boolean | Promise<boolean> },
    options: BatchOptions = {},
  ) {
    const results: RouteChangeOutcome[] = [];
    for (const action of actions) {
      if (options.preempt?.()) return { results, stoppedByFence: false, preempted: true };
      if (!(await guard.mayMutate())) return { results, stoppedByFence: true };
      if (this.mutationMs > 0) await new Promise((resolve) => setTimeout(resolve, this.mutationMs));
      this.mutations.push(action);
      this.tables = this.tables.map((table) =>
        table.routeTableId !== action.routeTableId || action.kind === "delete"
          ? table
          : {
              ...table,
              routes: table.routes.map((route) =>
                route.destinationCidrBlock === action.destinationCidrBlock
                  ? {
                      ...route,
                      target: { kind: "eni" as const, networkInterfaceId: action.networkInterfaceId },
                    }
                  : route,
              ),
            },
      );
      results.push({ action, ok: true, durationMs: 0 });
    }
    return { results, stoppedByFence: false };
  }
}

const candidate: Candidate = { key: "/t/election/1", replicaId: "a", createRevision: "7", lease: "1" };
const spec = { spec: { [CIDR]: ["198.18.0.10", "198.18.0.11"] }, revision: "3" };
const healthy: FailureView = {
  confirmed: new Set(),
  questionable: new Set(),
  votesByRouter: new Map(),
  quorum: 2,
};
const r10Failed: FailureView = {
  confirmed: new Set(["198.18.0.10"]),
  questionable: new Set(),
  votesByRouter: new Map([["198.18.0.10", ["a", "b"]]]),
  quorum: 2,
};
const options = {
  routeRecheckIntervalSeconds: 0,
  safetyMarginMs: 1000,
  prune: "managed" as const,
  ignoreRoutes: [],
  retryDelayMs: 60_000,
};
const silent = pino({ level: "silent" });

/** A logger whose JSON lines land in `lines` (level warn and above). */
function capturingLogger() {
  const lines: { msg: string; routerIp?: string; level: number }[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

function setUp(
  opts: {
    holdsTerm?: () => boolean;
    validForMs?: number;
    tables?: number;
    retryDelayMs?: number;
    fixSourceDestCheck?: boolean;
    sourceDestCheckOn?: readonly string[];
    logger?: pino.Logger;
    dryRun?: boolean;
  } = {},
) {
  const vpc = new FakeVpc(opts.tables ?? 3, "eni-10");
  const on = new Set(opts.sourceDestCheckOn ?? []);
  vpc.routers = vpc.routers.map((r) => ({ ...r, sourceDestCheck: on.has(r.ip) }));
  const written: StatusRecord[] = [];
  const reports: ReconcileReport[] = [];
  let validUntil = performance.now() + (opts.validForMs ?? 60_000);
  // The leader's monotonic clock, which a test may move forward (the lease deadline stays put).
  let clockOffsetMs = 0;
  const session = { isLost: false, remainingMs: () => validUntil - (performance.now() + clockOffsetMs) };
  const managed: (readonly string[])[] = [];
  const store = {
    holdsTerm: async () => opts.holdsTerm?.() ?? true,
    writeLeaderRecords: async (_c: Candidate, writes: LeaderRecordWrites) => {
      if (writes.status) written.push(writes.status);
      if (writes.managed) managed.push(writes.managed.cidrs);
      return true;
    },
  };
  const inputs: LeaderInputs = { spec, failure: healthy };
  const settings = {
    ...options,
    retryDelayMs: opts.retryDelayMs ?? options.retryDelayMs,
    fixSourceDestCheck: opts.fixSourceDestCheck ?? false,
    dryRun: opts.dryRun ?? false,
  };
  const logger = opts.logger ?? silent;
  const leadership = new Leadership(
    candidate,
    session,
    store,
    vpc,
    settings,
    logger,
    inputs,
    { onReconciled: (report) => reports.push(report) },
    () => performance.now() + clockOffsetMs,
  );
  return {
    vpc,
    written,
    managed,
    reports,
    leadership,
    expireLease: () => {
      validUntil = 0;
    },
    advanceClock: (ms: number) => {
      clockOffsetMs += ms;
      validUntil += ms;
    },
  };
}

/**
 * A leader in the middle of a long batch: 100 new routes to create, all to 198.18.0.10 (the first
 * router of each list), 5 ms each; returns once 10 are made.
 */
async function startLongBatch() {
  const harness = setUp({ tables: 1 });
  harness.vpc.mutationMs = 5;
  const many = Object.fromEntries(
    Array.from({ length: 100 }, (_, i) => [`10.9.${i}.0/24`, ["198.18.0.10", "198.18.0.11"]]),
  );
  const big = { spec: { ...spec.spec, ...many }, revision: "4" };
  harness.leadership.update({ spec: big, failure: healthy });
  harness.leadership.start();
  await waitFor(() => harness.vpc.mutations.length >= 10, {
    timeoutMs: 5000,
    message: "the batch did not start",
  });
  return { ...harness, big };
}

describe("Leadership", () => {
  it("traces a failover as one trace: the quorum confirmation, its reconcile pass, a child per step", async () => {
    const { exporter, telemetry } = captureSpans();
    try {
      const { vpc, reports, leadership } = setUp();
      leadership.start();
      await waitFor(() => reports.length === 1, { timeoutMs: 2000 });
      // Two replicas' probes saw the router fail; their votes carry those spans' context.
      const probeSpans: string[] = [];
      const votes = new Map<string, Vote>();
      for (const voter of ["a", "b"]) {
        inProbeViewSpan(["198.18.0.10"], () => {
          probeSpans.push(trace.getActiveSpan()?.spanContext().spanId ?? "");
          votes.set(voter, { failed: ["198.18.0.10"], specRevision: "3", traceparent: activeTraceparent() });
        });
      }
      // As the replica does: the confirmation's span is active when the term is fed the failure.
      const members = new Map([
        ["a", {}],
        ["b", {}],
      ]);
      const confirmation = await inQuorumSpan(
        healthy,
        r10Failed,
        { revision: "9", members, votes } as unknown as ClusterSnapshot,
        async () => {
          leadership.update({ spec, failure: r10Failed });
          return trace.getActiveSpan()?.spanContext();
        },
      );
      await waitFor(() => reports.length === 2, { timeoutMs: 2000 });
      await leadership.stop();
      assert.equal(vpc.mutations.length, 3);
      const spans = exporter.getFinishedSpans();
      const roots = spans.filter((span) => span.name === "reconcile");
      const root = roots.find((span) => span.attributes["vpcrouter.reason"] === "failures changed");
      assert.ok(
        root,
        `no reconcile span of the failover: ${roots.map((r) => r.attributes["vpcrouter.reason"])}`,
      );
      const quorumSpan = spans.find((span) => span.name === "quorum.confirmed");
      assert.deepEqual(quorumSpan?.attributes["vpcrouter.routers"], ["198.18.0.10"]);
      assert.deepEqual(quorumSpan?.attributes["vpcrouter.voters"], ["a", "b"]);
      assert.deepEqual(
        quorumSpan?.links.map((link) => link.context.spanId),
        probeSpans,
        "the confirmation links to the voters' probe spans",
      );
      assert.equal(
        root.parentSpanContext?.spanId,
        confirmation?.spanId,
        "the pass is not the confirmation's child",
      );
      assert.equal(root.spanContext().traceId, confirmation?.traceId);
      const children = spans.filter((span) => span.parentSpanContext?.spanId === root.spanContext().spanId);
      assert.deepEqual(
        children.map((span) => span.name),
        // The failover plans from the view the first pass read: no read before its changes.
        ["reconcile.plan", "reconcile.fence", "reconcile.apply", "reconcile.verify"],
      );
      assert.ok(children.every((span) => span.spanContext().traceId === root.spanContext().traceId));
    } finally {
      await telemetry.shutdown();
    }
  });

  it("records election events as spans of their own: elected, ended", async () => {
    const { exporter, telemetry } = captureSpans();
    try {
      const store = {
        holdsTerm: async () => true,
        writeLeaderRecords: async () => true,
        resign: async () => undefined,
      };
      const terms = new LeaderTerms({
        store: store as unknown as ClusterStore,
        vpc: new FakeVpc(1, "eni-10"),
        options,
        logger: silent,
        onChange: () => undefined,
      });
      const session = { isLost: false, remainingMs: () => 60_000 } as unknown as Session;
      await terms.follow({ candidate, session }, { spec, failure: healthy }, "a");
      await terms.end("switchover requested", { resign: true });
      const events = exporter.getFinishedSpans().filter((span) => span.name.startsWith("leadership."));
      assert.deepEqual(
        events.map((span) => [span.name, span.attributes["vpcrouter.term"]]),
        [
          ["leadership.elected", "7"],
          ["leadership.ended", "7"],
        ],
      );
      assert.equal(events[1]?.attributes["vpcrouter.reason"], "switchover requested");
    } finally {
      await telemetry.shutdown();
    }
  });

  it("while paused plans the failover but writes nothing to EC2, and applies it at once on resume", async () => {
    const { vpc, written, reports, leadership } = setUp();
    const paused = { by: "alice@ops", at: "2026-12-02T01:00:00.000Z", reason: "maintenance" };
    leadership.start();
    await waitFor(() => reports.length === 1, { timeoutMs: 2000 });
    leadership.update({ spec, failure: r10Failed, paused });
    await waitFor(() => reports.length === 2, { timeoutMs: 2000 });
    assert.equal(vpc.mutations.length, 0, "a mutation while paused");
    assert.equal(reports[1]?.held, "paused by alice@ops at 2026-12-02T01:00:00.000Z (maintenance)");
    assert.equal(reports[1]?.plan?.actions.length, 3, "the plan is still made and shown");
    assert.equal(written.at(-1)?.lastPlan?.actions.length, 3);
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => reports.length === 3, { timeoutMs: 2000 });
    assert.equal(vpc.mutations.length, 3);
    assert.equal(reports[2]?.held, undefined);
    await leadership.stop();
  });

  it("a pause set during a batch ends it before its next change", async () => {
    const { vpc, reports, leadership, big } = await startLongBatch();
    leadership.update({
      spec: big,
      failure: healthy,
      paused: { by: "bob@ops", at: "2026-12-02T01:00:00.000Z" },
    });
    await waitFor(() => reports.some((report) => report.held !== undefined), { timeoutMs: 5000 });
    const made = vpc.mutations.length;
    assert.ok(made < 100, `the batch went on after the pause: ${made} changes`);
    assert.ok(reports[0]?.preempted, "the batch was ended by the pause");
    assert.match(reports.at(-1)?.held ?? "", /^paused by bob@ops/);
    await leadership.stop();
    assert.equal(vpc.mutations.length, made, "a change after the held pass");
  });

  it("in a dry run never writes to EC2, whatever fails", async () => {
    const { vpc, reports, leadership } = setUp({ dryRun: true });
    leadership.start();
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => reports.some((report) => report.plan?.actions.length === 3), { timeoutMs: 2000 });
    assert.equal(vpc.mutations.length, 0);
    assert.equal(reports.at(-1)?.held, "dry run (reconcile.dryRun)");
    await leadership.stop();
  });

  it("replaces a confirmed-failed target in every table, failovers flagged, and records the status", async () => {
    const { vpc, written, managed, reports, leadership } = setUp();
    leadership.start();
    await waitFor(() => reports.length === 1, { timeoutMs: 2000 });
    assert.equal(vpc.mutations.length, 0, "healthy current target: nothing to do");
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => reports.length === 2, { timeoutMs: 2000 });
    assert.equal(vpc.mutations.length, 3);
    assert.ok(
      vpc.mutations.every((a) => a.kind === "replace" && a.failover && a.networkInterfaceId === "eni-11"),
    );
    for (const table of vpc.tables) {
      const route = table.routes.find((r) => r.destinationCidrBlock === CIDR);
      assert.deepEqual(route?.target, { kind: "eni", networkInterfaceId: "eni-11" });
    }
    const last = written.at(-1);
    assert.equal(last?.term, "7");
    assert.deepEqual(managed.at(-1), [CIDR]);
    assert.equal(last?.lastApply?.changes.length, 3);
    await leadership.stop();
  });

  it("fails over from the view it last read: no read (routers or tables) before the changes, one read after", async () => {
    const { vpc, reports, leadership } = setUp();
    let resolves = 0;
    const resolve = vpc.resolveRouters.bind(vpc);
    vpc.resolveRouters = (ips) => {
      resolves++;
      return resolve(ips);
    };
    leadership.start();
    await waitFor(() => reports.length === 1, { timeoutMs: 2000 });
    assert.deepEqual([resolves, vpc.reads], [1, 1]);
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => reports.length === 2, { timeoutMs: 2000 });
    assert.equal(vpc.mutations.length, 3);
    assert.equal(reports[1]?.fromCachedView, true);
    assert.deepEqual([resolves, vpc.reads], [1, 2], "only the verifying read");
    await leadership.stop();
  });

  it("reads first when its view is older than a minute; a new spec's pass brings its routers into the view", async () => {
    const { vpc, reports, leadership, advanceClock } = setUp();
    leadership.start();
    await waitFor(() => reports.length === 1, { timeoutMs: 2000 });
    advanceClock(61_000);
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => reports.length === 2, { timeoutMs: 2000 });
    assert.equal(reports[1]?.fromCachedView, undefined);
    assert.equal(vpc.reads, 3, "read before and after");
    // Recovered, then a spec with a third router: its first failure must read.
    leadership.update({ spec, failure: healthy });
    await waitFor(() => reports.length === 3, { timeoutMs: 2000 });
    const third = { spec: { [CIDR]: ["198.18.0.10", "198.18.0.11", "198.18.0.12"] }, revision: "9" };
    vpc.routers.push({
      ip: "198.18.0.12",
      networkInterfaceId: "eni-12",
      subnetId: "subnet-r",
      sourceDestCheck: false,
    });
    leadership.update({ spec: third, failure: healthy });
    await waitFor(() => reports.length === 4, { timeoutMs: 2000 });
    const readsBefore = vpc.reads;
    leadership.update({ spec: third, failure: r10Failed });
    await waitFor(() => reports.length === 5, { timeoutMs: 2000 });
    assert.equal(reports[4]?.fromCachedView, true, "the view of the new spec's pass resolves all three");
    // The route already avoids 198.18.0.10 (the first failover): nothing to change, nothing read.
    assert.equal(vpc.reads, readsBefore);
    await leadership.stop();
  });

  it("does not fail over from a view read for other routers: a spec that dropped one reads afresh", async () => {
    const { vpc, reports, leadership } = setUp();
    const three = { spec: { [CIDR]: ["198.18.0.10", "198.18.0.11", "198.18.0.12"] }, revision: "5" };
    vpc.routers.push({
      ip: "198.18.0.12",
      networkInterfaceId: "eni-12",
      subnetId: "subnet-r",
      sourceDestCheck: false,
    });
    leadership.start();
    await waitFor(() => reports.length === 1, { timeoutMs: 2000 });
    leadership.update({ spec: three, failure: healthy });
    await waitFor(() => reports.length === 2, { timeoutMs: 2000 });
    // The spec drops 198.18.0.12 and a failure is confirmed, both before the next pass.
    leadership.update({ spec: { ...spec, revision: "6" }, failure: r10Failed });
    await waitFor(() => reports.length === 3, { timeoutMs: 2000 });
    assert.equal(reports[2]?.fromCachedView, undefined, "the view of three routers was used for two");
    assert.equal(vpc.mutations.length, 3);
    await leadership.stop();
  });

  it("records a CIDR as managed before it creates its first route (a crash in between leaves no unprunable route)", async () => {
    const { vpc, managed, reports, leadership } = setUp();
    // The spec's CIDR has no route yet in any table: the pass creates three.
    vpc.tables = vpc.tables.map((table) => ({
      ...table,
      routes: table.routes.filter((route) => route.destinationCidrBlock !== CIDR),
    }));
    const managedAtApply: (readonly string[] | undefined)[] = [];
    const apply = vpc.apply.bind(vpc);
    vpc.apply = async (actions, guard) => {
      managedAtApply.push(managed.at(-1));
      return apply(actions, guard);
    };
    leadership.start();
    await waitFor(() => reports.length === 1, { timeoutMs: 2000 });
    assert.deepEqual(
      vpc.mutations.map((a) => a.kind),
      ["create", "create", "create"],
    );
    assert.deepEqual(managedAtApply, [[CIDR]], "managed before the first CreateRoute was sent");
    await leadership.stop();
  });

  it("a newly confirmed failure pre-empts a long batch: its failover does not wait for the rest", async () => {
    const { vpc, reports, leadership, big } = await startLongBatch();
    // 198.18.0.10 fails while the batch is creating routes to it.
    leadership.update({ spec: big, failure: r10Failed });
    await waitFor(() => vpc.mutations.some((a) => a.failover), { timeoutMs: 5000, message: "no failover" });
    await leadership.stop();
    const firstFailover = vpc.mutations.findIndex((a) => a.failover);
    const toFailedBefore = vpc.mutations
      .slice(0, firstFailover)
      .filter((a) => a.kind !== "delete" && a.networkInterfaceId === "eni-10").length;
    assert.ok(
      toFailedBefore < 100,
      `the failover waited behind ${toFailedBefore} creates to the failed router`,
    );
    assert.ok(
      reports.some((r) => r.preempted === true),
      "the first pass says it was pre-empted",
    );
  });

  it("a timed route recheck still respects the failures: no move back, even when a table drifted", async () => {
    // vpc-router lost its failure state between ticks; here every reconcile reads the current view.
    const { vpc, reports, leadership } = setUp();
    leadership.start();
    await waitFor(() => reports.length >= 1, { timeoutMs: 2000 });
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => vpc.mutations.length === 3, { timeoutMs: 2000, message: "no failover" });
    const before = reports.length;
    // Someone points one table back at the failed router in the console.
    const drifted = vpc.tables[0];
    assert.ok(drifted);
    vpc.tables[0] = {
      ...drifted,
      routes: drifted.routes.map((r) =>
        r.destinationCidrBlock === CIDR ? { ...r, target: { kind: "eni", networkInterfaceId: "eni-10" } } : r,
      ),
    };
    leadership.request("route recheck");
    await waitFor(() => reports.length > before && vpc.mutations.length > 3, { timeoutMs: 2000 });
    await leadership.stop();
    assert.deepEqual(
      vpc.mutations
        .slice(3)
        .map((a) => [a.routeTableId, a.kind === "delete" ? undefined : a.networkInterfaceId, a.failover]),
      [["rtb-0", "eni-11", true]],
      "the recheck repaired the drifted table, and moved nothing back to the failed router",
    );
  });

  it("makes no EC2 mutation when the etcd fence says the term is gone", async () => {
    const { vpc, reports, leadership } = setUp({ holdsTerm: () => false });
    leadership.start();
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => reports.some((r) => r.stoppedByFence), { timeoutMs: 2000 });
    assert.equal(vpc.mutations.length, 0);
    await leadership.stop();
  });

  it("says etcd could not be asked, not that the term is gone, when the term check fails", async () => {
    const { logger, lines } = capturingLogger();
    const { vpc, reports, leadership } = setUp({
      holdsTerm: () => {
        throw new Error("etcd unavailable");
      },
      logger,
    });
    leadership.start();
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => reports.some((r) => r.stoppedByFence), { timeoutMs: 2000 });
    await leadership.stop();
    assert.equal(vpc.mutations.length, 0);
    const refusals = lines.filter((l) => l.msg.startsWith("not mutating")).map((l) => l.msg);
    assert.ok(refusals.length > 0);
    assert.ok(
      refusals.every((m) => m === "not mutating: could not check the term in etcd"),
      refusals.join(),
    );
  });

  it("makes no EC2 mutation once the local lease deadline has passed", async () => {
    const { vpc, reports, leadership } = setUp({ validForMs: 500 /* < safety margin */ });
    leadership.start();
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => reports.some((r) => r.stoppedByFence), { timeoutMs: 2000 });
    assert.equal(vpc.mutations.length, 0);
    assert.equal(leadership.fence.mayMutate(), false);
    await leadership.stop();
  });

  it("stops mid-batch when the deadline passes between two mutations", async () => {
    const { vpc, reports, leadership, expireLease } = setUp();
    const apply = vpc.apply.bind(vpc);
    vpc.apply = async (actions, guard) =>
      apply(actions, {
        mayMutate: () => {
          if (vpc.mutations.length === 1) expireLease();
          return guard.mayMutate();
        },
      });
    leadership.start();
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => reports.some((r) => r.stoppedByFence), { timeoutMs: 2000 });
    assert.equal(vpc.mutations.length, 1);
    await leadership.stop();
  });

  it("retries a failover the fence refused, without waiting for another input change", async () => {
    let checks = 0;
    const { vpc, reports, leadership } = setUp({ holdsTerm: () => ++checks > 1, retryDelayMs: 20 });
    leadership.start();
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => vpc.mutations.length === 3, { timeoutMs: 5000, message: "failover never retried" });
    assert.ok(reports.some((r) => r.stoppedByFence));
    assert.equal(reports.at(-1)?.stoppedByFence, false);
    await leadership.stop();
  });

  it("stop() waits for mutations in flight, and none starts after it", async () => {
    const { vpc, leadership } = setUp();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const apply = vpc.apply.bind(vpc);
    let entered = false;
    vpc.apply = async (actions, guard) => {
      entered = true;
      await gate; // EC2 is slow to answer
      return apply(actions, guard);
    };
    leadership.start();
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => entered, { timeoutMs: 2000 });
    let stopped = false;
    const stopping = leadership.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stopped, false, "stop() must wait for the batch in flight");
    release();
    await stopping;
    assert.equal(vpc.mutations.length, 0, "the guard refused every mutation once stopped");
  });

  it("stop() does not wait for a slow read of the route tables", async () => {
    const { vpc, leadership } = setUp();
    let reading = false;
    vpc.readRouteTables = () => {
      reading = true;
      return new Promise(() => undefined); // EC2 never answers
    };
    leadership.start();
    await waitFor(() => reading, { timeoutMs: 2000 });
    await leadership.stop();
    assert.equal(leadership.fence.mayMutate(), false);
  });

  it("does nothing after stop()", async () => {
    const { vpc, reports, leadership } = setUp();
    await leadership.stop();
    leadership.update({ spec, failure: r10Failed });
    leadership.request("test");
    // Give any wrongly started reconcile the chance to read the VPC before looking.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(vpc.reads, 0);
    assert.equal(reports.length, 0);
    assert.equal(vpc.mutations.length, 0);
  });

  it("reads the route tables for the routers it just resolved (the subnets selection needs them)", async () => {
    const { vpc, reports, leadership } = setUp();
    leadership.start();
    await waitFor(() => reports.length === 1, { timeoutMs: 2000 });
    assert.deepEqual([...(vpc.tablesReadFor?.keys() ?? [])].sort(), ["198.18.0.10", "198.18.0.11"]);
    assert.equal(vpc.tablesReadFor?.get("198.18.0.10")?.subnetId, "subnet-r");
    await leadership.stop();
  });

  it("records the routers in the status and warns once per router with source/destination check on", async () => {
    const { logger, lines } = capturingLogger();
    const { vpc, written, reports, leadership } = setUp({ sourceDestCheckOn: ["198.18.0.11"], logger });
    leadership.start();
    await waitFor(() => reports.length === 1, { timeoutMs: 2000 });
    leadership.request("route recheck");
    await waitFor(() => reports.length === 2, { timeoutMs: 2000 });
    const warnings = () => lines.filter((l) => l.msg.includes("source/destination check enabled"));
    assert.deepEqual(
      warnings().map((l) => l.routerIp),
      ["198.18.0.11"],
      "one warning, not one per reconcile",
    );
    assert.deepEqual(
      written.at(-1)?.routers?.map((r) => [r.ip, r.sourceDestCheck]),
      [
        ["198.18.0.10", false],
        ["198.18.0.11", true],
      ],
    );
    assert.deepEqual(vpc.checkFixes, [], "without the fix setting nothing is changed");
    // The router is replaced by one on a new ENI with the check still on: that is a change, warned again.
    vpc.routers = vpc.routers.map((r) =>
      r.ip === "198.18.0.11" ? { ...r, networkInterfaceId: "eni-11b" } : r,
    );
    leadership.request("route recheck");
    await waitFor(() => reports.length === 3, { timeoutMs: 2000 });
    assert.equal(warnings().length, 2);
    await leadership.stop();
  });

  it("with fixSourceDestCheck disables the check under the fence and records it off", async () => {
    const { vpc, written, reports, leadership } = setUp({
      sourceDestCheckOn: ["198.18.0.10"],
      fixSourceDestCheck: true,
    });
    leadership.start();
    await waitFor(() => reports.length === 1, { timeoutMs: 2000 });
    assert.deepEqual(vpc.checkFixes, ["eni-10"]);
    assert.equal(reports[0]?.sourceDestFixes?.[0]?.ok, true);
    assert.equal(written.at(-1)?.routers?.find((r) => r.ip === "198.18.0.10")?.sourceDestCheck, false);
    leadership.request("route recheck");
    await waitFor(() => reports.length === 2, { timeoutMs: 2000 });
    assert.deepEqual(vpc.checkFixes, ["eni-10"], "fixed once, not again");
    await leadership.stop();
  });

  it("does not touch the source/destination check when the fence refuses", async () => {
    const { vpc, reports, leadership } = setUp({
      sourceDestCheckOn: ["198.18.0.10"],
      fixSourceDestCheck: true,
      holdsTerm: () => false,
    });
    leadership.start();
    await waitFor(() => reports.length === 1, { timeoutMs: 2000 });
    assert.equal(reports[0]?.stoppedByFence, true);
    assert.deepEqual(vpc.checkFixes, []);
    await leadership.stop();
  });

  it("retries a failed source/destination check fix with backoff, never giving up the duty", async () => {
    const { vpc, reports, leadership } = setUp({
      sourceDestCheckOn: ["198.18.0.10"],
      fixSourceDestCheck: true,
      retryDelayMs: 20,
    });
    vpc.failingFixes = 2;
    leadership.start();
    await waitFor(() => vpc.checkFixes.length === 1, { timeoutMs: 5000, message: "fix never retried" });
    assert.ok(reports.filter((r) => r.sourceDestFixes?.some((f) => !f.ok)).length >= 2);
    assert.equal(reports.at(-1)?.error, undefined);
    await leadership.stop();
  });

  it("logs the same plan warnings once, not at every reconcile", async () => {
    const { logger, lines } = capturingLogger();
    const { reports, leadership } = setUp({ logger });
    const allFailed = (questionable: string[]): FailureView => ({
      confirmed: new Set(["198.18.0.10", "198.18.0.11"]),
      questionable: new Set(questionable),
      votesByRouter: new Map(),
      quorum: 2,
    });
    leadership.update({ spec, failure: allFailed([]) });
    leadership.start();
    await waitFor(() => reports.length >= 1, { timeoutMs: 5000, message: "no reconcile" });
    // A route recheck: another reconcile with the same warnings.
    leadership.request("route recheck");
    await waitFor(() => reports.length >= 2, { timeoutMs: 5000, message: "no second reconcile" });
    await leadership.stop();
    assert.ok(
      reports.every((r) => (r.plan?.warnings.length ?? 0) > 0),
      "every router failed: warnings",
    );
    const warned = lines.filter((l) => l.msg === "plan warning");
    assert.equal(warned.length, reports[0]?.plan?.warnings.length);
  });

  it("does not retry early, asks again only after a pause, and logs once, a fix EC2 refuses for good (e.g. no IAM permission)", async () => {
    const { logger, lines } = capturingLogger();
    const { vpc, reports, leadership, advanceClock } = setUp({
      sourceDestCheckOn: ["198.18.0.10"],
      fixSourceDestCheck: true,
      retryDelayMs: 1,
      logger,
    });
    vpc.failingFixes = 1000;
    vpc.failingFixCode = "UnauthorizedOperation";
    leadership.start();
    await waitFor(() => reports.length === 1, { timeoutMs: 5000, message: "no first reconcile" });
    // Two more reconciles, each asked for by an input change: without them nothing would run.
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => reports.length === 2, { timeoutMs: 5000, message: "no second reconcile" });
    leadership.update({ spec, failure: healthy });
    await waitFor(() => reports.length === 3, { timeoutMs: 5000, message: "no third reconcile" });
    // Ten minutes later the fix is asked for again (the IAM policy may have been attached since).
    advanceClock(10 * 60_000 + 1);
    leadership.request("route recheck");
    await waitFor(() => reports.length === 4, { timeoutMs: 5000, message: "no fourth reconcile" });
    await leadership.stop();
    assert.equal(reports.length, 4, "a permanent refusal schedules no retry of its own");
    assert.deepEqual(
      reports.map((r) => r.sourceDestFixes?.map((f) => failureOf(f)?.code) ?? []),
      [["UnauthorizedOperation"], [], [], ["UnauthorizedOperation"]],
      "refused, not asked again at every reconcile, asked again after the pause",
    );
    const errors = lines.filter((l) => l.msg.startsWith("could not disable source/destination check"));
    assert.equal(errors.length, 1, "logged once per ENI and error code");
  });
});
