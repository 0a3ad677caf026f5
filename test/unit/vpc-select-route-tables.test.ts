import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RouterEni, RouteTable } from "../../src/domain/route-table.js";
import type { RouteTableSelection } from "../../src/domain/route-table-selection.js";
import { routeTableFilters, selectRouteTables } from "../../src/vpc/select-route-tables.js";

function table(routeTableId: string, subnetIds: string[], main = false): RouteTable {
  return { routeTableId, vpcId: "vpc-1", main, subnetIds, routes: [] };
}

/** main (implicit for every unassociated subnet), A (subnet-a), B (subnet-b, subnet-b2), C (none). */
const TABLES = [
  table("rtb-main", [], true),
  table("rtb-a", ["subnet-a"]),
  table("rtb-b", ["subnet-b", "subnet-b2"]),
  table("rtb-c", []),
];
const router = (ip: string, subnetId?: string): RouterEni => ({
  ip,
  networkInterfaceId: `eni-${ip}`,
  ...(subnetId ? { subnetId } : {}),
});

/** Ids of the tables new routes may go to. */
function openTables(tables: readonly RouteTable[]): string[] {
  return tables.filter((t) => t.newRoutesAllowed !== false).map((t) => t.routeTableId);
}

describe("selectRouteTables", () => {
  const subnets: RouteTableSelection = { kind: "subnets" };
  const cases: { name: string; selection: RouteTableSelection; routers: RouterEni[]; expected: string[] }[] =
    [
      {
        name: "all: every table",
        selection: { kind: "all" },
        routers: [],
        expected: ["rtb-main", "rtb-a", "rtb-b", "rtb-c"],
      },
      {
        name: "subnets: the explicitly associated table only",
        selection: subnets,
        routers: [router("10.0.0.1", "subnet-a")],
        expected: ["rtb-a"],
      },
      {
        name: "subnets: a subnet without explicit association uses the main table",
        selection: subnets,
        routers: [router("10.0.0.1", "subnet-x")],
        expected: ["rtb-main"],
      },
      {
        name: "subnets: both kinds together, each table once, EC2's order",
        selection: subnets,
        routers: [
          router("10.0.0.3", "subnet-x"),
          router("10.0.0.2", "subnet-b2"),
          router("10.0.0.1", "subnet-b"),
        ],
        expected: ["rtb-main", "rtb-b"],
      },
      {
        name: "subnets: routers of unknown subnet select nothing",
        selection: subnets,
        routers: [router("10.0.0.1")],
        expected: [],
      },
      { name: "subnets: no routers, no tables", selection: subnets, routers: [], expected: [] },
      {
        name: "ids: exactly those present",
        selection: { kind: "ids", ids: ["rtb-c", "rtb-a", "rtb-elsewhere"] },
        routers: [],
        expected: ["rtb-a", "rtb-c"],
      },
      {
        name: "tag: what EC2 returned (it filtered)",
        selection: { kind: "tag", key: "k", value: "v" },
        routers: [],
        expected: ["rtb-main", "rtb-a", "rtb-b", "rtb-c"],
      },
    ];
  for (const { name, selection, routers, expected } of cases) {
    it(name, () => {
      assert.deepEqual(openTables(selectRouteTables(TABLES, selection, routers)), expected);
    });
  }

  it("subnets keeps every table, closing the others to new routes only (existing ones still fail over)", () => {
    const selected = selectRouteTables(TABLES, subnets, [router("10.0.0.1", "subnet-a")]);
    assert.deepEqual(
      selected.map((t) => t.routeTableId),
      TABLES.map((t) => t.routeTableId),
    );
    assert.deepEqual(openTables(selected), ["rtb-a"]);
  });

  it("accepts the routers as any iterable (the resolver's map values)", () => {
    const resolved = new Map([["10.0.0.1", router("10.0.0.1", "subnet-a")]]);
    assert.deepEqual(openTables(selectRouteTables(TABLES, subnets, resolved.values())), ["rtb-a"]);
  });
});

describe("routeTableFilters", () => {
  it("filters server-side for tag and ids, not for all and subnets", () => {
    assert.deepEqual(routeTableFilters({ kind: "all" }), []);
    assert.deepEqual(routeTableFilters({ kind: "subnets" }), []);
    assert.deepEqual(routeTableFilters({ kind: "tag", key: "vpcrouter", value: "" }), [
      { Name: "tag:vpcrouter", Values: [""] },
    ]);
    assert.deepEqual(routeTableFilters({ kind: "ids", ids: ["rtb-00000001", "rtb-00000002"] }), [
      { Name: "route-table-id", Values: ["rtb-00000001", "rtb-00000002"] },
    ]);
  });
});
