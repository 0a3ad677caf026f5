import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import type { StatusRecord } from "../../src/cluster/records.js";
import type { Candidate } from "../../src/cluster/snapshot.js";
import type { FailureView } from "../../src/decide/quorum.js";
import type { RouteAction } from "../../src/decide/route-action.js";
import { type LeaderInputs, Leadership, type ReconcileReport } from "../../src/replica/leadership.js";
import type { ChangeResult, VpcPort } from "../../src/replica/vpc-port.js";
import type { RouterEni, RouteTable } from "../../src/vpc/model.js";
import { waitFor } from "../support/wait.js";

const CIDR = "10.55.16.0/24";
const routers: RouterEni[] = [
  { ip: "198.18.0.10", networkInterfaceId: "eni-10" },
  { ip: "198.18.0.11", networkInterfaceId: "eni-11" },
];

/** An in-memory VPC behind the VpcPort interface (a fake for unit tests only). */
class FakeVpc implements VpcPort {
  tables: RouteTable[];
  mutations: RouteAction[] = [];
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
  async readRouteTables(): Promise<RouteTable[]> {
    this.reads++;
    return structuredClone(this.tables);
  }
  async resolveRouters(ips: readonly string[]): Promise<ReadonlyMap<string, RouterEni>> {
    return new Map(routers.filter((r) => ips.includes(r.ip)).map((r) => [r.ip, r]));
  }
  async apply(actions: readonly RouteAction[], guard: { mayMutate(): boolean | Promise<boolean> }) {
    const results: ChangeResult[] = [];
    for (const action of actions) {
      if (!(await guard.mayMutate())) return { results, stoppedByGuard: true };
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
    return { results, stoppedByGuard: false };
  }
}

const candidate: Candidate = { key: "/t/election/1", replicaId: "a", createRevision: "7", lease: "1" };
const spec = { spec: { [CIDR]: ["198.18.0.10", "198.18.0.11"] }, revision: "3" };
const healthy: FailureView = { confirmed: new Set(), questionable: new Set(), votesByRouter: new Map() };
const r10Failed: FailureView = {
  confirmed: new Set(["198.18.0.10"]),
  questionable: new Set(),
  votesByRouter: new Map([["198.18.0.10", ["a", "b"]]]),
};
const options = {
  routeRecheckIntervalSeconds: 0,
  safetyMarginMs: 1000,
  prune: "managed" as const,
  ignoreRoutes: [],
  retryDelayMs: 60_000,
};
const silent = pino({ level: "silent" });

function setUp(
  opts: { holdsTerm?: () => boolean; validForMs?: number; tables?: number; retryDelayMs?: number } = {},
) {
  const vpc = new FakeVpc(opts.tables ?? 3, "eni-10");
  const written: StatusRecord[] = [];
  const reports: ReconcileReport[] = [];
  let validUntil = performance.now() + (opts.validForMs ?? 60_000);
  const session = { isLost: false, validUntil: () => validUntil };
  const store = {
    holdsTerm: async () => opts.holdsTerm?.() ?? true,
    writeStatus: async (_c: Candidate, status: StatusRecord) => {
      written.push(status);
      return true;
    },
  };
  const inputs: LeaderInputs = { spec, failure: healthy };
  const settings = { ...options, retryDelayMs: opts.retryDelayMs ?? options.retryDelayMs };
  const leadership = new Leadership(candidate, session, store, vpc, settings, silent, inputs, {
    onReconciled: (report) => reports.push(report),
  });
  return {
    vpc,
    written,
    reports,
    leadership,
    expireLease: () => {
      validUntil = 0;
    },
  };
}

describe("Leadership", () => {
  it("replaces a confirmed-failed target in every table, failovers flagged, and records the status", async () => {
    const { vpc, written, reports, leadership } = setUp();
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
    assert.deepEqual(last?.managedCidrs, [CIDR]);
    assert.equal(last?.lastApply?.changes.length, 3);
    await leadership.stop();
  });

  it("makes no EC2 mutation when the etcd fence says the term is gone", async () => {
    const { vpc, reports, leadership } = setUp({ holdsTerm: () => false });
    leadership.start();
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => reports.some((r) => r.stoppedByFence), { timeoutMs: 2000 });
    assert.equal(vpc.mutations.length, 0);
    await leadership.stop();
  });

  it("makes no EC2 mutation once the local lease deadline has passed", async () => {
    const { vpc, reports, leadership } = setUp({ validForMs: 500 /* < safety margin */ });
    leadership.start();
    leadership.update({ spec, failure: r10Failed });
    await waitFor(() => reports.some((r) => r.stoppedByFence), { timeoutMs: 2000 });
    assert.equal(vpc.mutations.length, 0);
    assert.equal(leadership.mayMutate(), false);
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
    assert.equal(leadership.mayMutate(), false);
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
});
