/**
 * vpc-router's state views, pure: `/ips`, `/route_info` (`routes`), `/vpc`, the state collected
 * from a replica, and the `/status` source/destination check list. Shapes from romana/vpc-router
 * `vpcrouter/currentstate/__init__.py` and `vpcrouter/vpc/__init__.py`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sourceDestCheckEnabled } from "../../src/api/status-view.js";
import {
  latestVpcReading,
  type VpcRouterState,
  type VpcRouterStateInput,
  vpcRouterStateOf,
} from "../../src/api/vpc-router-state.js";
import {
  buildIpsView,
  buildRootView,
  buildRouteInfoView,
  buildVpcView,
  currentRoutes,
  serverVersionLine,
} from "../../src/api/vpc-router-views.js";
import type { Route, RouterEni, RouteTable } from "../../src/domain/route-table.js";
import type { StatusRecord } from "../../src/domain/status-record.js";
import type { ReplicaState } from "../../src/replica/replica-state.js";

// Compile-time check: a replica's state is what vpcRouterStateOf reads.
const _replicaFits = (state: ReplicaState): VpcRouterStateInput => state;
void _replicaFits;

const R1: RouterEni = {
  ip: "10.1.0.1",
  networkInterfaceId: "eni-1",
  instanceId: "i-1",
  sourceDestCheck: false,
};
const R2: RouterEni = {
  ip: "10.1.0.2",
  networkInterfaceId: "eni-2",
  instanceId: "i-2",
  sourceDestCheck: true,
};
/** A secondary IP on R1's ENI. */
const R1B: RouterEni = { ip: "10.1.0.11", networkInterfaceId: "eni-1", instanceId: "i-1" };

function eniRoute(cidr: string, eni: string, instance?: string, state: Route["state"] = "active"): Route {
  return {
    destinationCidrBlock: cidr,
    target: { kind: "eni", networkInterfaceId: eni, ...(instance ? { instanceId: instance } : {}) },
    state,
  };
}

function table(id: string, routes: Route[]): RouteTable {
  return { routeTableId: id, vpcId: "vpc-1", main: false, subnetIds: [], routes };
}

describe("GET / and the version line", () => {
  it("has SERVER, params and the four links", () => {
    const body = buildRootView({
      version: serverVersionLine("1.2.3", "configfile", "multi"),
      startedAt: "2026-01-01T00:00:00.000Z",
      now: new Date("2026-01-01T00:01:00.000Z"),
      params: { a: 1 },
    });
    assert.deepEqual(body, {
      SERVER: {
        version: "vpcrouter (1.2.3): mode: configfile (built-in), health-check: multi (built-in)",
        start_time: "2026-01-01T00:00:00.000Z",
        current_time: "2026-01-01T00:01:00.000Z",
      },
      params: { a: 1 },
      ips: { _href: "/ips" },
      plugins: { _href: "/plugins" },
      route_info: { _href: "/route_info" },
      vpc: { _href: "/vpc" },
    });
  });
});

describe("/ips", () => {
  it("working_set is every router IP of the spec, failed ones included (vpc-router's monitor list)", () => {
    const state: VpcRouterState = {
      spec: { spec: { "10.9.0.0/16": ["10.1.0.2", "10.1.0.1"], "10.8.0.0/16": ["10.1.0.1"] }, revision: "3" },
      failed: new Set(["10.1.0.2"]),
      questionable: new Set(),
      probes: new Map(),
    };
    assert.deepEqual(buildIpsView(state), {
      failed_ips: ["10.1.0.2"],
      questionable_ips: [],
      working_set: ["10.1.0.1", "10.1.0.2"],
    });
  });

  it("lists every IP in numeric order, not as text (10.1.0.9 before 10.1.0.10)", () => {
    const state: VpcRouterState = {
      spec: {
        spec: { "10.9.0.0/16": ["10.1.0.10", "10.1.0.9", "9.1.0.1"], "10.8.0.0/16": ["10.1.0.100"] },
        revision: "3",
      },
      failed: new Set(["10.1.0.100", "10.1.0.9"]),
      questionable: new Set(["10.1.0.10", "9.1.0.1"]),
      probes: new Map(),
    };
    assert.deepEqual(buildIpsView(state), {
      failed_ips: ["10.1.0.9", "10.1.0.100"],
      questionable_ips: ["9.1.0.1", "10.1.0.10"],
      working_set: ["9.1.0.1", "10.1.0.9", "10.1.0.10", "10.1.0.100"],
    });
  });
});

describe("/route_info routes", () => {
  const spec = {
    "10.9.0.0/16": ["10.1.0.1", "10.1.0.2"],
    "10.8.0.0/16": ["10.1.0.2"],
    "10.7.0.0/16": ["10.1.0.1"],
  };

  it("maps each routed spec CIDR to [router_ip, instance_id, eni_id]; unrouted CIDRs are absent", () => {
    const reading = {
      routeTables: [
        table("rtb-a", [
          eniRoute("10.9.0.0/16", "eni-2", "i-2"),
          {
            destinationCidrBlock: "10.8.0.0/16",
            target: { kind: "instance", instanceId: "i-2" },
            state: "active",
          },
        ]),
      ],
      routers: [R1, R2],
    };
    assert.deepEqual(currentRoutes(spec, reading, new Set(), new Set()), {
      "10.9.0.0/16": ["10.1.0.2", "i-2", "eni-2"],
      "10.8.0.0/16": ["10.1.0.2", "i-2", "eni-2"],
    });
  });

  it("the first table with a router route decides; non-router routes are skipped", () => {
    const reading = {
      routeTables: [
        table("rtb-a", [
          { destinationCidrBlock: "10.9.0.0/16", target: { kind: "gateway", id: "igw-1" }, state: "active" },
        ]),
        table("rtb-b", [eniRoute("10.9.0.0/16", "eni-1", "i-1")]),
        table("rtb-c", [eniRoute("10.9.0.0/16", "eni-2", "i-2")]),
      ],
      routers: [R1, R2],
    };
    assert.deepEqual(currentRoutes(spec, reading, new Set(), new Set())["10.9.0.0/16"], [
      "10.1.0.1",
      "i-1",
      "eni-1",
    ]);
  });

  it("names the CIDR's own router when several IPs share the ENI", () => {
    const reading = { routeTables: [table("rtb-a", [eniRoute("10.7.0.0/16", "eni-1")])], routers: [R1B, R1] };
    assert.deepEqual(currentRoutes({ "10.7.0.0/16": ["10.1.0.1"] }, reading, new Set(), new Set()), {
      "10.7.0.0/16": ["10.1.0.1", "i-1", "eni-1"],
    });
  });

  it("a route to no known router shows null and the target's ids", () => {
    const reading = { routeTables: [table("rtb-a", [eniRoute("10.9.0.0/16", "eni-9")])], routers: [R1, R2] };
    assert.deepEqual(currentRoutes(spec, reading, new Set(), new Set()), {
      "10.9.0.0/16": [null, "(unknown)", "eni-9"],
    });
  });

  it("buildRouteInfoView: route_spec, routes and ignore_routes (as configured: canonical CIDRs)", () => {
    const state: VpcRouterState = {
      spec: { spec, revision: "5" },
      failed: new Set(),
      questionable: new Set(),
      vpc: {
        source: "leader's status record",
        routeTables: [table("rtb-a", [eniRoute("10.7.0.0/16", "eni-1")])],
        routers: [R1],
      },
      probes: new Map(),
    };
    assert.deepEqual(buildRouteInfoView(state, ["10.5.0.0/16", "10.6.0.1/32"]), {
      route_spec: spec,
      routes: { "10.7.0.0/16": ["10.1.0.1", "i-1", "eni-1"] },
      ignore_routes: ["10.5.0.0/16", "10.6.0.1/32"],
    });
  });
});

describe("/vpc", () => {
  const spec = {
    "10.9.0.0/16": ["10.1.0.1"],
    "10.8.0.0/16": ["10.1.0.2"],
    "10.6.0.0/16": ["10.1.0.1"],
    "10.4.0.0/16": ["10.1.0.1"],
    "10.3.0.0/16": ["10.1.0.1", "10.1.0.2"],
  };
  const state: VpcRouterState = {
    spec: { spec, revision: "9" },
    failed: new Set(["10.1.0.2"]),
    questionable: new Set(["10.1.0.1"]),
    vpc: {
      source: "this replica (leader)",
      readAt: "2026-11-02T10:00:00.000Z",
      routeTables: [
        table("rtb-a", [
          { destinationCidrBlock: "10.0.0.0/16", target: { kind: "local" }, state: "active" },
          eniRoute("10.9.0.0/16", "eni-2", "i-2"),
          eniRoute("10.8.0.0/16", "eni-2", "i-2"),
          eniRoute("10.7.0.0/16", "eni-1", "i-1"),
          eniRoute("10.6.0.0/16", "eni-1", "i-1", "blackhole"),
          eniRoute("10.5.0.0/16", "eni-1", "i-1"),
          eniRoute("10.4.0.0/16", "eni-9"),
          eniRoute("10.3.0.0/16", "eni-1", "i-1"),
        ]),
      ],
      routers: [R1, R2],
    },
    probes: new Map(),
  };

  it("has time, route_tables {rtb: {cidr: line}} and source, lines in vpc-router's format", () => {
    const view = buildVpcView(state, ["10.5.0.0/16"]);
    assert.equal(view.time, "2026-11-02T10:00:00.000Z");
    assert.equal(view.source, "this replica (leader)");
    const lines = (view.route_tables as Record<string, Record<string, string>>)["rtb-a"] ?? {};
    assert.deepEqual(lines, {
      "10.0.0.0/16":
        "inst: (none), eni: (none), r_ip: (none)         , o_r_ip: (none)         , msg: Ignored: Not a route to an instance",
      "10.9.0.0/16":
        "inst: i-2, eni: eni-2, r_ip: 10.1.0.2       , o_r_ip: (none)         , msg: Router not eligible for this CIDR",
      "10.8.0.0/16":
        "inst: i-2, eni: eni-2, r_ip: 10.1.0.2       , o_r_ip: (none)         , msg: Router failed",
      "10.7.0.0/16":
        "inst: i-1, eni: eni-1, r_ip: 10.1.0.1       , o_r_ip: (none)         , msg: Not in spec",
      "10.6.0.0/16":
        "inst: i-1, eni: eni-1, r_ip: 10.1.0.1       , o_r_ip: (none)         , msg: Blackhole: target gone",
      "10.5.0.0/16":
        "inst: i-1, eni: eni-1, r_ip: 10.1.0.1       , o_r_ip: (none)         , msg: Ignored: Protected CIDR.",
      "10.4.0.0/16":
        "inst: (none), eni: eni-9, r_ip: (none)         , o_r_ip: (none)         , msg: Target is not a router of the spec",
      "10.3.0.0/16":
        "inst: i-1, eni: eni-1, r_ip: 10.1.0.1       , o_r_ip: (none)         , msg: Router questionable",
    });
  });

  it("says a route is up to date when its router is healthy and eligible", () => {
    const healthy: VpcRouterState = { ...state, failed: new Set(), questionable: new Set() };
    const lines =
      (buildVpcView(healthy, []).route_tables as Record<string, Record<string, string>>)["rtb-a"] ?? {};
    assert.match(lines["10.3.0.0/16"] ?? "", /msg: Current: Route exist and up to date$/);
  });

  it("is {} before any read, and has no time for the status record's copy", () => {
    assert.deepEqual(buildVpcView(undefined, []), {});
    assert.deepEqual(buildVpcView({ ...state, vpc: undefined }, []), {});
    const fromStatus = buildVpcView(
      { ...state, vpc: { source: "leader's status record", routeTables: [], routers: [] } },
      [],
    );
    assert.deepEqual(fromStatus, { route_tables: {}, source: "leader's status record" });
  });
});

describe("state collection", () => {
  const status: StatusRecord = {
    leaderId: "b",
    term: "5",
    routeTables: [table("rtb-s", [])],
    routers: [R2],
  };

  it("prefers the leader's own read, falling back to its status record", () => {
    const report = { at: "2026-11-02T10:00:00.000Z", tables: [table("rtb-r", [])], routers: [R1] };
    assert.deepEqual(latestVpcReading(report, status), {
      source: "this replica (leader)",
      readAt: report.at,
      routeTables: report.tables,
      routers: [R1],
    });
    assert.deepEqual(latestVpcReading({ at: report.at, tables: report.tables }, status)?.routers, [R2]);
    assert.deepEqual(latestVpcReading({ at: report.at }, status), {
      source: "leader's status record",
      routeTables: status.routeTables,
      routers: [R2],
    });
    assert.equal(latestVpcReading(undefined, undefined), undefined);
  });

  it("vpcRouterStateOf reads the replica's state and its probes", () => {
    const probes = new Map([
      ["10.1.0.1", { healthy: true, consecutiveFailures: 0, consecutiveSuccesses: 3 }],
    ]);
    const replica: VpcRouterStateInput = {
      spec: { inForce: { spec: { "10.9.0.0/16": ["10.1.0.1"] }, revision: "4" } },
      failures: {
        confirmed: new Set(["10.1.0.2"]),
        questionable: new Set(["10.1.0.1"]),
        votesByRouter: new Map(),
        quorum: 2,
      },
      snapshot: {
        revision: "10",
        members: new Map(),
        votes: new Map(),
        candidates: [],
        status,
        problems: [],
      },
    };
    const state = vpcRouterStateOf(
      replica,
      { snapshot: () => probes },
      { specSourceUpdatedAt: "2026-11-02T09:30:00.000Z" },
    );
    assert.deepEqual(state.spec, replica.spec.inForce);
    assert.deepEqual([...state.failed], ["10.1.0.2"]);
    assert.deepEqual([...state.questionable], ["10.1.0.1"]);
    assert.equal(state.vpc?.source, "leader's status record");
    assert.equal(state.probes, probes);
    assert.equal(state.specSourceUpdatedAt, "2026-11-02T09:30:00.000Z");
  });
});

describe("/status sourceDestCheck", () => {
  it("lists the router IPs whose ENI has the check enabled, sorted, once each", () => {
    const routers: RouterEni[] = [
      { ip: "10.1.0.9", networkInterfaceId: "eni-9", sourceDestCheck: true },
      R2,
      R1,
      R1B,
      { ip: "10.1.0.9", networkInterfaceId: "eni-9", sourceDestCheck: true },
    ];
    assert.deepEqual(sourceDestCheckEnabled(routers), ["10.1.0.2", "10.1.0.9"]);
    assert.deepEqual(sourceDestCheckEnabled([]), []);
  });
});
