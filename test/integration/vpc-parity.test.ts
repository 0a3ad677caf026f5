/**
 * vpc-router parity of the VPC side (issue 3 "Route semantics"), against the EC2 emulator through
 * the real SDK, our EC2 VPC port and the planner (no etcd): route table selection (all, subnets
 * with the main table's implicit association, tag, ids), a router on a secondary IP, a route to the
 * wrong ENI for the router's IP (vpc-router issue 40) and a blackhole repaired, the
 * source/destination check reported and fixed, and EC2 failing every call without anything thrown
 * past the port or the leader's loop.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import type { Candidate } from "../../src/cluster/snapshot.js";
import type { VpcrouterConfig } from "../../src/config/schema.js";
import { planReconcile } from "../../src/decide/plan.js";
import { failureOf } from "../../src/domain/outcome.js";
import type { StatusRecord } from "../../src/domain/status-record.js";
import { Leadership } from "../../src/leader/leadership.js";
import type { ReconcileReport } from "../../src/leader/reconcile-pass.js";
import type { RouteSpec } from "../../src/route-spec/route-spec.js";
import { createEc2VpcPort, type Ec2VpcPort } from "../../src/vpc/ec2-vpc-port.js";
import { emulatorAwsSettings } from "../support/aws-settings.js";
import {
  type DemoWorldOptions,
  demoRouteTableId,
  demoSubnetId,
  demoWorld,
  type Ec2Emulator,
  startEc2Emulator,
  type WorldMutation,
} from "../support/ec2-emulator/index.js";
import { waitFor } from "../support/wait.js";

const VPC = "vpc-0parity";
const CIDR = "10.80.0.0/24";
const ALLOW = { mayMutate: () => true };
const silent = pino({ level: "silent" });

/** Everything started by a test, closed in `after` even when the test fails. */
const running: { emulators: Ec2Emulator[]; ports: Ec2VpcPort[] } = { emulators: [], ports: [] };

async function world(options: Omit<DemoWorldOptions, "vpcId">, edits: WorldMutation[] = []) {
  const emulator = await startEc2Emulator({ world: demoWorld({ vpcId: VPC, ...options }) });
  running.emulators.push(emulator);
  if (edits.length > 0) emulator.mutate(edits);
  return emulator;
}

function portFor(
  emulator: Ec2Emulator,
  settings: Partial<VpcrouterConfig["aws"]> = {},
  routerCacheTtlMs?: number,
): Ec2VpcPort {
  const aws = emulatorAwsSettings(VPC, { maxRetries: 1, maxBackoffMs: 5, breakerThreshold: 50, ...settings });
  // Explicit endpoint and credentials: the SDK's default chain (which may ask IMDS) is never used.
  const port = createEc2VpcPort(aws, silent, {
    endpoint: emulator.url,
    credentials: { accessKeyId: "AKIDPARITY", secretAccessKey: "not-a-secret" },
    ...(routerCacheTtlMs !== undefined ? { routerCacheTtlMs } : {}),
  });
  running.ports.push(port);
  return port;
}

/** One leader's reconcile, by hand: resolve, read the selected tables, plan, apply. */
async function reconcileOnce(port: Ec2VpcPort, spec: RouteSpec, failed: readonly string[] = []) {
  const routers = await port.resolveRouters([...new Set(Object.values(spec).flat())]);
  const tables = await port.readRouteTables(routers);
  const plan = planReconcile({
    spec,
    failed: new Set(failed),
    questionable: new Set(),
    tables,
    routers,
    managedCidrs: new Set(),
    options: { prune: "managed", ignoreRoutes: [] },
  });
  const outcome = await port.apply(plan.actions, ALLOW);
  return { routers, tables, plan, outcome };
}

/** Table id → the ENI its route for `cidr` points at (tables without that route omitted). */
function routedEnis(emulator: Ec2Emulator, cidr = CIDR): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const table of emulator.routeTables()) {
    const route = table.routes.find((r) => r.destinationCidrBlock === cidr);
    if (route) result[table.routeTableId] = route.networkInterfaceId;
  }
  return result;
}

before(() => {
  // Belt and braces: nothing in this file may fall back to the real instance metadata service.
  process.env.AWS_EC2_METADATA_DISABLED = "true";
});

after(async () => {
  for (const port of running.ports) port.close();
  await Promise.all(running.emulators.map((emulator) => emulator.close()));
});

describe("route table selection", () => {
  /**
   * Four tables: main (0), 1 and 2 with their own subnets, 3 tagged "other". Router A sits in the
   * routers subnet (no explicit association: the main table's), router B in table 2's subnet.
   */
  const options: Omit<DemoWorldOptions, "vpcId"> = {
    routeTableCount: 4,
    routeTableTags: [undefined, undefined, { vpcrouter: "managed" }, { vpcrouter: "other" }],
    routers: [
      { ip: "198.18.0.10", eniId: "eni-0a" },
      { ip: "198.19.1.10", eniId: "eni-0b", subnetId: demoSubnetId(2) },
    ],
  };
  const spec: RouteSpec = { [CIDR]: ["198.18.0.10", "198.19.1.10"] };
  const t = demoRouteTableId;

  const cases: { name: string; routeTables: string; spec?: RouteSpec; expected: string[] }[] = [
    { name: "all: every table of the VPC", routeTables: "all", expected: [t(0), t(1), t(2), t(3)] },
    {
      name: "subnets: the routers' explicit tables and the main table of an unassociated router subnet",
      routeTables: "subnets",
      expected: [t(0), t(2)],
    },
    {
      name: "subnets: no main table when every router subnet is explicitly associated",
      routeTables: "subnets",
      spec: { [CIDR]: ["198.19.1.10"] },
      expected: [t(2)],
    },
    {
      name: "tag: only tables carrying the tag and value",
      routeTables: "tag:vpcrouter=managed",
      expected: [t(2)],
    },
    {
      name: "ids: only those ids, an unknown one ignored",
      routeTables: `${t(3)},${t(1)},rtb-0000000000000abcd`,
      expected: [t(1), t(3)],
    },
  ];
  for (const { name, routeTables, spec: caseSpec, expected } of cases) {
    it(name, async () => {
      const emulator = await world(options);
      const port = portFor(emulator, { routeTables });
      const { tables, outcome } = await reconcileOnce(port, caseSpec ?? spec);
      assert.deepEqual(
        tables.filter((table) => table.newRoutesAllowed !== false).map((table) => table.routeTableId),
        expected,
        "tables open to new routes",
      );
      assert.ok(outcome.results.every((result) => result.ok));
      assert.deepEqual(Object.keys(routedEnis(emulator)).sort(), expected, "routes created only there");
    });
  }

  it("filters by tag and id in DescribeRouteTables itself (EC2's filters, AND-ed with vpc-id)", async () => {
    const emulator = await world(options);
    const mark = emulator.logCursor();
    await portFor(emulator, { routeTables: "tag:vpcrouter=managed" }).readRouteTables(new Map());
    await portFor(emulator, { routeTables: t(1) }).readRouteTables(new Map());
    const filters = emulator
      .log(mark)
      .filter((entry) => entry.action === "DescribeRouteTables")
      .map((entry) => [
        entry.params["Filter.1.Name"],
        entry.params["Filter.2.Name"],
        entry.params["Filter.2.Value.1"],
      ]);
    assert.deepEqual(filters, [
      ["vpc-id", "tag:vpcrouter", "managed"],
      ["vpc-id", "route-table-id", t(1)],
    ]);
  });
});

describe("routers and stale routes", () => {
  it("routes to a router's secondary private IP through its ENI", async () => {
    const emulator = await world({
      routeTableCount: 2,
      routers: [{ ip: "198.18.0.20", eniId: "eni-0multi", secondaryIps: ["198.18.0.21"] }],
    });
    const { routers, outcome } = await reconcileOnce(portFor(emulator), { [CIDR]: ["198.18.0.21"] });
    assert.equal(routers.get("198.18.0.21")?.networkInterfaceId, "eni-0multi");
    assert.ok(outcome.results.length === 2 && outcome.results.every((r) => r.ok));
    assert.deepEqual(routedEnis(emulator), {
      [demoRouteTableId(0)]: "eni-0multi",
      [demoRouteTableId(1)]: "eni-0multi",
    });
  });

  it("issue 40: a router replaced by a new instance with the same IP gets its routes moved to the new ENI", async () => {
    const emulator = await world({
      routeTableCount: 2,
      routers: [{ ip: "198.18.0.10", eniId: "eni-0old", instanceId: "i-0old" }],
    });
    const port = portFor(emulator, {}, 0);
    await reconcileOnce(port, { [CIDR]: ["198.18.0.10"] });
    assert.deepEqual(Object.values(routedEnis(emulator)), ["eni-0old", "eni-0old"]);
    // The instance dies (its primary ENI goes with it); a new one comes up with the same IP.
    emulator.mutate([
      { op: "set-instance-state", instanceId: "i-0old", state: "terminated" },
      { op: "add-instance", instance: { instanceId: "i-0new" } },
      {
        op: "add-network-interface",
        networkInterface: {
          networkInterfaceId: "eni-0new",
          subnetId: "subnet-0routers",
          attachment: { instanceId: "i-0new" },
          privateIpAddresses: [{ privateIpAddress: "198.18.0.10" }],
          sourceDestCheck: false,
        },
      },
    ]);
    const { plan, outcome } = await reconcileOnce(port, { [CIDR]: ["198.18.0.10"] });
    assert.deepEqual(
      plan.actions.map((a) => [a.kind, a.kind === "delete" ? "" : a.networkInterfaceId]),
      [
        ["replace", "eni-0new"],
        ["replace", "eni-0new"],
      ],
    );
    assert.ok(outcome.results.every((r) => r.ok));
    for (const table of emulator.routeTables()) {
      const route = table.routes.find((r) => r.destinationCidrBlock === CIDR);
      assert.deepEqual(
        [route?.networkInterfaceId, route?.instanceId, route?.state],
        ["eni-0new", "i-0new", "active"],
      );
    }
  });

  it("issue 40: a route to an ENI that no longer holds the router's IP is moved, though still active", async () => {
    // The router IP is a secondary (floating) IP, taken over by another instance's ENI.
    const emulator = await world({
      routeTableCount: 1,
      routers: [
        { ip: "198.18.0.29", eniId: "eni-0first", secondaryIps: ["198.18.0.30"] },
        { ip: "198.18.0.31", eniId: "eni-0second" },
      ],
    });
    const port = portFor(emulator, {}, 0);
    await reconcileOnce(port, { [CIDR]: ["198.18.0.30"] });
    assert.deepEqual(Object.values(routedEnis(emulator)), ["eni-0first"]);
    emulator.mutate({
      op: "reassign-private-ip",
      privateIpAddress: "198.18.0.30",
      networkInterfaceId: "eni-0second",
    });
    assert.equal(emulator.route(demoRouteTableId(0), CIDR)?.state, "active", "EC2 sees nothing wrong");
    const { plan, outcome } = await reconcileOnce(port, { [CIDR]: ["198.18.0.30"] });
    assert.equal(plan.actions.length, 1);
    assert.ok(outcome.results[0]?.ok);
    assert.equal(emulator.route(demoRouteTableId(0), CIDR)?.networkInterfaceId, "eni-0second");
  });

  it("repairs a blackhole route (its ENI deleted) to the spec's router, as a failover", async () => {
    const emulator = await world({
      routeTableCount: 2,
      routers: [
        { ip: "198.18.0.10", eniId: "eni-0live" },
        { ip: "198.18.0.40", eniId: "eni-0doomed" },
      ],
    });
    emulator.mutate([
      {
        op: "put-route",
        routeTableId: demoRouteTableId(0),
        route: { destinationCidrBlock: CIDR, networkInterfaceId: "eni-0doomed" },
      },
      {
        op: "put-route",
        routeTableId: demoRouteTableId(1),
        route: { destinationCidrBlock: CIDR, networkInterfaceId: "eni-0doomed" },
      },
      { op: "delete-network-interface", networkInterfaceId: "eni-0doomed" },
    ]);
    assert.equal(emulator.route(demoRouteTableId(0), CIDR)?.state, "blackhole");
    const { plan, outcome } = await reconcileOnce(portFor(emulator), { [CIDR]: ["198.18.0.10"] });
    assert.ok(plan.actions.every((a) => a.kind === "replace" && a.failover));
    assert.ok(outcome.results.length === 2 && outcome.results.every((r) => r.ok));
    for (const table of emulator.routeTables()) {
      const route = table.routes.find((r) => r.destinationCidrBlock === CIDR);
      assert.deepEqual([route?.networkInterfaceId, route?.state], ["eni-0live", "active"]);
    }
  });
});

/** A leader with a fake etcd side (always holding its term) over a real EC2 VPC port. */
function leaderOver(port: Ec2VpcPort, spec: RouteSpec, fixSourceDestCheck: boolean, logger = silent) {
  const candidate: Candidate = {
    key: "/parity/election/1",
    replicaId: "parity",
    createRevision: "9",
    lease: "1",
  };
  const written: StatusRecord[] = [];
  const reports: ReconcileReport[] = [];
  const leadership = new Leadership(
    candidate,
    { isLost: false, remainingMs: () => 60_000 },
    {
      holdsTerm: async () => true,
      writeLeaderRecords: async (_candidate, writes) => {
        if (writes.status) written.push(writes.status);
        return true;
      },
    },
    port,
    {
      routeRecheckIntervalSeconds: 0,
      safetyMarginMs: 1000,
      prune: "managed",
      ignoreRoutes: [],
      retryDelayMs: 20,
      fixSourceDestCheck,
    },
    logger,
    {
      spec: { spec, revision: "1" },
      failure: { confirmed: new Set(), questionable: new Set(), votesByRouter: new Map(), quorum: 2 },
    },
    { onReconciled: (report) => reports.push(report) },
  );
  return { leadership, written, reports };
}

describe("a route change EC2 made but did not answer in time", () => {
  it("is read back after the batch and reported done, not failed", async () => {
    const emulator = await world({ routers: [{ ip: "198.18.0.10" }, { ip: "198.18.0.11" }] });
    const spec: RouteSpec = { [CIDR]: ["198.18.0.10", "198.18.0.11"] };
    const port = portFor(emulator, { callTimeoutMs: 300, maxRetries: 0 });
    // The route exists, to the router that has just failed.
    await reconcileOnce(port, spec);
    emulator.setFaults({ replyDelayMs: { ReplaceRoute: 800 } }); // made at once, answered late
    const lines: { msg: string }[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const { leadership, reports } = leaderOver(port, spec, false, logger);
    leadership.update({
      spec: { spec, revision: "1" },
      failure: {
        confirmed: new Set(["198.18.0.10"]),
        questionable: new Set(),
        votesByRouter: new Map(),
        quorum: 1,
      },
    });
    leadership.start();
    await waitFor(() => reports.some((r) => r.results.length > 0), {
      timeoutMs: 10_000,
      message: "no failover",
    });
    await leadership.stop();
    emulator.clearFaults();
    const failover = reports.find((r) => r.results.length > 0);
    assert.ok(
      failover?.results.every((r) => r.ok && r.confirmedByRead === true),
      JSON.stringify(failover?.results.map((r) => [r.ok, failureOf(r)?.code])),
    );
    assert.ok(
      lines.some((l) => /EC2 did not answer, the route tables read afterwards show it made/.test(l.msg)),
    );
  });
});

describe("source/destination check", () => {
  const routers = [
    { ip: "198.18.0.10", eniId: "eni-0checked", sourceDestCheck: true },
    { ip: "198.18.0.11", eniId: "eni-0clear" },
  ];
  const spec: RouteSpec = { [CIDR]: ["198.18.0.10", "198.18.0.11"] };

  it("is read for every router and reported in the status; nothing is changed without the fix", async () => {
    const emulator = await world({ routers });
    const lines: { msg: string; routerIp?: string }[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const { leadership, written, reports } = leaderOver(portFor(emulator), spec, false, logger);
    leadership.start();
    await waitFor(() => reports.length >= 1, { timeoutMs: 5000 });
    await leadership.stop();
    assert.deepEqual(
      written.at(-1)?.routers?.map((r) => [r.ip, r.networkInterfaceId, r.sourceDestCheck]),
      [
        ["198.18.0.10", "eni-0checked", true],
        ["198.18.0.11", "eni-0clear", false],
      ],
    );
    assert.deepEqual(
      lines.filter((l) => l.msg.includes("source/destination check enabled")).map((l) => l.routerIp),
      ["198.18.0.10"],
    );
    assert.equal(emulator.log().filter((e) => e.action === "ModifyNetworkInterfaceAttribute").length, 0);
  });

  it("with --fix-source-dest-check is disabled through ModifyNetworkInterfaceAttribute", async () => {
    const emulator = await world({ routers });
    const { leadership, written, reports } = leaderOver(portFor(emulator), spec, true);
    leadership.start();
    await waitFor(() => reports.length >= 1, { timeoutMs: 5000 });
    leadership.request("route recheck");
    await waitFor(() => reports.length >= 2, { timeoutMs: 5000 });
    await leadership.stop();
    const eni = (id: string) => emulator.world.networkInterfaces().find((e) => e.networkInterfaceId === id);
    assert.equal(eni("eni-0checked")?.sourceDestCheck, false, "the emulator's ENI attribute is off now");
    const calls = emulator.log().filter((e) => e.action === "ModifyNetworkInterfaceAttribute");
    assert.deepEqual(
      calls.map((c) => [c.params.NetworkInterfaceId, c.params["SourceDestCheck.Value"], c.status]),
      [["eni-0checked", "false", 200]],
      "one call, for the ENI that needed it, not repeated by the next reconcile",
    );
    assert.equal(written.at(-1)?.routers?.find((r) => r.ip === "198.18.0.10")?.sourceDestCheck, false);
  });

  it("is not changed when the guard refuses, and a failed change is an error result", async () => {
    const emulator = await world({ routers });
    const port = portFor(emulator);
    const resolved = [...(await port.resolveRouters(["198.18.0.10"])).values()];
    const refused = await port.disableSourceDestCheck(resolved, { mayMutate: () => false });
    assert.deepEqual(refused, { results: [], stoppedByFence: true });
    emulator.mutate({ op: "delete-network-interface", networkInterfaceId: "eni-0checked" });
    const failed = await port.disableSourceDestCheck(resolved, ALLOW);
    assert.equal(failed.results[0]?.ok, false);
    assert.equal(failureOf(failed.results[0])?.code, "InvalidNetworkInterfaceID.NotFound");
    assert.equal(emulator.log().filter((e) => e.action === "ModifyNetworkInterfaceAttribute").length, 1);
  });
});

describe("EC2 failing every call", () => {
  it("makes the port report errors, never throw past it, and the leader carry on until EC2 is back", async () => {
    const emulator = await world({
      routeTableCount: 2,
      routers: [{ ip: "198.18.0.10", sourceDestCheck: true }],
    });
    const port = portFor(emulator);
    emulator.setFaults({ inject: [{ count: 100_000, status: 500, code: "InternalError" }] });

    await assert.rejects(port.readRouteTables(new Map()), { name: "InternalError" });
    await assert.rejects(port.resolveRouters(["198.18.0.10"]), { name: "InternalError" });
    const router = { ip: "198.18.0.10", networkInterfaceId: "eni-00000000000000001" };
    const action = {
      kind: "create" as const,
      routeTableId: demoRouteTableId(0),
      destinationCidrBlock: CIDR,
      routerIp: router.ip,
      networkInterfaceId: router.networkInterfaceId,
      failover: false,
      reason: "test",
    };
    const applied = await port.apply([action], ALLOW);
    assert.deepEqual(
      applied.results.map((r) => [r.ok, failureOf(r)?.code]),
      [[false, "InternalError"]],
    );
    const fixed = await port.disableSourceDestCheck([router], ALLOW);
    assert.deepEqual(
      fixed.results.map((r) => [r.ok, failureOf(r)?.code]),
      [[false, "InternalError"]],
    );

    const { leadership, reports } = leaderOver(port, { [CIDR]: ["198.18.0.10"] }, true);
    leadership.start();
    await waitFor(() => reports.filter((r) => r.error !== undefined).length >= 2, {
      timeoutMs: 5000,
      message: "the leader did not retry after EC2 errors",
    });
    emulator.clearFaults();
    await waitFor(() => Object.keys(routedEnis(emulator)).length === 2, {
      timeoutMs: 10_000,
      message: "the leader did not recover once EC2 answered again",
    });
    await waitFor(() => emulator.world.networkInterfaces().every((eni) => eni.sourceDestCheck === false), {
      timeoutMs: 10_000,
      message: "source/destination check not fixed after recovery",
    });
    await leadership.stop();
  });
});
