import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type PlanInput, planReconcile } from "../../src/decide/plan.js";
import type { RouteAction } from "../../src/domain/route-action.js";
import type { Route, RouterEni, RouteTable, RouteTarget } from "../../src/domain/route-table.js";
import { applyPlan } from "../support/apply-plan.js";

// Three routers: A, B, C, each with its own ENI on its own instance.
const A = "10.33.20.1";
const B = "10.33.20.2";
const C = "10.33.20.3";
const routerEni = (ip: string, n: number): RouterEni => ({
  ip,
  networkInterfaceId: `eni-${n}`,
  instanceId: `i-${n}`,
});
const routers = new Map([A, B, C].map((ip, i) => [ip, routerEni(ip, i + 1)]));
const eniOf = (ip: string) => routers.get(ip)?.networkInterfaceId ?? "eni-unknown";

const NET = "10.55.16.0/24";
const NET2 = "10.66.17.0/24";

const eni = (cidr: string, ip: string, state: Route["state"] = "active"): Route => ({
  destinationCidrBlock: cidr,
  target: { kind: "eni", networkInterfaceId: eniOf(ip) },
  state,
});
const routeTo = (cidr: string, target: RouteTarget, state: Route["state"] = "active"): Route => ({
  destinationCidrBlock: cidr,
  target,
  state,
});
const localRoute: Route = routeTo("10.33.0.0/16", { kind: "local" });
const table = (id: string, ...routes: Route[]): RouteTable => ({
  routeTableId: id,
  vpcId: "vpc-1",
  main: false,
  subnetIds: [],
  routes: [localRoute, ...routes],
});

function plan(overrides: Partial<PlanInput> & Pick<PlanInput, "spec" | "tables">) {
  return planReconcile({
    failed: new Set(),
    questionable: new Set(),
    routers,
    managedCidrs: new Set(),
    options: { prune: "managed", ignoreRoutes: [] },
    ...overrides,
  });
}

/** Actions as compact rows: "kind table cidr → ip (failover) reason". */
function rows(actions: readonly RouteAction[]): string[] {
  return actions.map((action) =>
    action.kind === "delete"
      ? `delete ${action.routeTableId} ${action.destinationCidrBlock}`
      : `${action.kind} ${action.routeTableId} ${action.destinationCidrBlock} → ${action.routerIp}${action.failover ? " (failover)" : ""}: ${action.reason}`,
  );
}

describe("planReconcile: creating routes", () => {
  it("creates a missing route in every table, to the first router in spec order", () => {
    const result = plan({ spec: { [NET]: [A, B] }, tables: [table("rtb-2"), table("rtb-1")] });
    assert.deepEqual(rows(result.actions), [
      `create rtb-1 ${NET} → ${A}: missing route`,
      `create rtb-2 ${NET} → ${A}: missing route`,
    ]);
    const [first] = result.actions;
    assert.ok(first && first.kind === "create");
    assert.equal(first.networkInterfaceId, "eni-1");
    assert.deepEqual(result.warnings, []);
  });

  it("creates missing routes toward the router the other tables already use", () => {
    const result = plan({ spec: { [NET]: [A, B] }, tables: [table("rtb-1", eni(NET, B)), table("rtb-2")] });
    assert.deepEqual(rows(result.actions), [`create rtb-2 ${NET} → ${B}: missing route`]);
  });

  it("does not create a route when every router failed, and says so", () => {
    const result = plan({ spec: { [NET]: [A, B] }, tables: [table("rtb-1")], failed: new Set([A, B]) });
    assert.deepEqual(result.actions, []);
    assert.match(result.warnings[0]?.message ?? "", /no usable router .* is left.*route not created/);
  });
});

describe("planReconcile: keeping and moving", () => {
  it("keeps a healthy current target, even when it is not first in spec order (no failback)", () => {
    const result = plan({ spec: { [NET]: [A, B] }, tables: [table("rtb-1", eni(NET, B))] });
    assert.deepEqual(result.actions, []);
    assert.deepEqual(result.warnings, []);
  });

  it("replaces a failed target with a healthy one, as a failover naming the failed router", () => {
    const result = plan({
      spec: { [NET]: [A, B] },
      tables: [table("rtb-1", eni(NET, A))],
      failed: new Set([A]),
    });
    assert.deepEqual(rows(result.actions), [`replace rtb-1 ${NET} → ${B} (failover): router ${A} failed`]);
  });

  it("moves off a failed router to a healthy one rather than a questionable one", () => {
    const result = plan({
      spec: { [NET]: [A, B, C] },
      tables: [table("rtb-1", eni(NET, A))],
      failed: new Set([A]),
      questionable: new Set([B]),
    });
    assert.deepEqual(rows(result.actions), [`replace rtb-1 ${NET} → ${C} (failover): router ${A} failed`]);
  });

  it("moves to a questionable router when it is the only one that has not failed", () => {
    const result = plan({
      spec: { [NET]: [A, B] },
      tables: [table("rtb-1", eni(NET, A))],
      failed: new Set([A]),
      questionable: new Set([B]),
    });
    assert.deepEqual(rows(result.actions), [`replace rtb-1 ${NET} → ${B} (failover): router ${A} failed`]);
  });

  it("keeps a questionable current target although a healthy one exists (rule 1; vpc-router moved it)", () => {
    const result = plan({
      spec: { [NET]: [A, B] },
      tables: [table("rtb-1", eni(NET, A))],
      questionable: new Set([A]),
    });
    assert.deepEqual(result.actions, []);
  });

  it("aligns tables on the router most tables use, even a questionable one (rule 1: no extra move)", () => {
    const result = plan({
      spec: { [NET]: [A, B] },
      tables: [table("rtb-1", eni(NET, A)), table("rtb-2", eni(NET, B)), table("rtb-3", eni(NET, B))],
      questionable: new Set([B]),
    });
    assert.deepEqual(rows(result.actions), [`replace rtb-1 ${NET} → ${B}: align with other tables`]);
  });

  it("breaks an alignment tie towards the healthy router, whatever the spec order", () => {
    const result = plan({
      spec: { [NET]: [A, B] },
      tables: [table("rtb-1", eni(NET, A)), table("rtb-2", eni(NET, B))],
      questionable: new Set([A]),
    });
    assert.deepEqual(rows(result.actions), [`replace rtb-1 ${NET} → ${B}: align with other tables`]);
  });

  it("keeps a questionable current target when only questionable routers are left (no flapping)", () => {
    const result = plan({
      spec: { [NET]: [A, B, C] },
      tables: [table("rtb-1", eni(NET, B)), table("rtb-2", eni(NET, B))],
      failed: new Set([C]),
      questionable: new Set([A, B]),
    });
    assert.deepEqual(result.actions, []);
    assert.deepEqual(result.warnings, []);
  });

  it("moves off a failed router to a questionable one only when no healthy one is left", () => {
    const result = plan({
      spec: { [NET]: [A, B, C] },
      tables: [table("rtb-1", eni(NET, C))],
      failed: new Set([C]),
      questionable: new Set([A, B]),
    });
    assert.deepEqual(rows(result.actions), [`replace rtb-1 ${NET} → ${A} (failover): router ${C} failed`]);
  });

  it("keeps the current target when every router for the CIDR failed (never blackhole)", () => {
    const result = plan({
      spec: { [NET]: [A, B] },
      tables: [table("rtb-1", eni(NET, A))],
      failed: new Set([A, B]),
    });
    assert.deepEqual(result.actions, []);
    assert.equal(result.warnings.length, 1);
    assert.equal(result.warnings[0]?.routeTableId, "rtb-1");
    assert.equal(result.warnings[0]?.destinationCidrBlock, NET);
    assert.match(
      result.warnings[0]?.message ?? "",
      new RegExp(`every router for .* failed; keeping current target ${A}`),
    );
  });

  it("recognises instance targets by the router's instance id", () => {
    const onInstance = routeTo(NET, { kind: "instance", instanceId: "i-2" });
    assert.deepEqual(plan({ spec: { [NET]: [A, B] }, tables: [table("rtb-1", onInstance)] }).actions, []);
    const failedB = plan({
      spec: { [NET]: [A, B] },
      tables: [table("rtb-1", onInstance)],
      failed: new Set([B]),
    });
    assert.deepEqual(rows(failedB.actions), [`replace rtb-1 ${NET} → ${A} (failover): router ${B} failed`]);
  });

  it("replaces a route whose target is not in the spec (not a failover)", () => {
    const foreign = routeTo(NET, { kind: "eni", networkInterfaceId: "eni-elsewhere" });
    const result = plan({
      spec: { [NET]: [B] },
      tables: [table("rtb-1", foreign), table("rtb-2", eni(NET, A))],
    });
    assert.deepEqual(rows(result.actions), [
      `replace rtb-1 ${NET} → ${B}: target not in spec`,
      `replace rtb-2 ${NET} → ${B}: target not in spec`,
    ]);
  });

  it("keeps a route not in spec when no router is left for it, and warns", () => {
    const foreign = routeTo(NET, { kind: "eni", networkInterfaceId: "eni-elsewhere" });
    const result = plan({ spec: { [NET]: [B] }, tables: [table("rtb-1", foreign)], failed: new Set([B]) });
    assert.deepEqual(result.actions, []);
    assert.match(result.warnings[0]?.message ?? "", /not in spec but no usable router/);
  });
});

describe("planReconcile: blackhole routes", () => {
  it("repairs routes in a table closed to new routes, but creates nothing there (--route-tables subnets)", () => {
    const closed = (t: RouteTable): RouteTable => ({ ...t, newRoutesAllowed: false });
    const result = plan({
      spec: { [NET]: [A, B] },
      tables: [
        closed(table("rtb-1", eni(NET, A, "blackhole"))),
        closed(table("rtb-2")),
        table("rtb-3", eni(NET, A, "blackhole")),
        table("rtb-4"),
      ],
    });
    assert.deepEqual(rows(result.actions), [
      `replace rtb-1 ${NET} → ${B} (failover): route is blackhole (target eni-1 is gone)`,
      `replace rtb-3 ${NET} → ${B} (failover): route is blackhole (target eni-1 is gone)`,
      `create rtb-4 ${NET} → ${B}: missing route`,
    ]);
    assert.deepEqual(result.warnings, []);
  });

  it("repairs a blackhole route as a failover", () => {
    const result = plan({ spec: { [NET]: [A, B] }, tables: [table("rtb-1", eni(NET, A, "blackhole"))] });
    assert.deepEqual(rows(result.actions), [
      `replace rtb-1 ${NET} → ${B} (failover): route is blackhole (target eni-1 is gone)`,
    ]);
  });

  it("repairs a blackhole route toward the router the other tables use", () => {
    const result = plan({
      spec: { [NET]: [A, B, C] },
      tables: [table("rtb-1", eni(NET, B, "blackhole")), table("rtb-2", eni(NET, C))],
    });
    assert.deepEqual(rows(result.actions), [
      `replace rtb-1 ${NET} → ${C} (failover): route is blackhole (target eni-2 is gone)`,
    ]);
  });

  it("keeps a blackhole route whose target is the only router left, and warns", () => {
    const result = plan({ spec: { [NET]: [A] }, tables: [table("rtb-1", eni(NET, A, "blackhole"))] });
    assert.deepEqual(result.actions, []);
    assert.match(result.warnings[0]?.message ?? "", /blackhole/);
  });

  it("prefers a router behind a blackhole over one also questionable", () => {
    const result = plan({
      spec: { [NET]: [A, B] },
      tables: [table("rtb-1", eni(NET, A, "blackhole")), table("rtb-2", eni(NET, B, "blackhole"))],
      questionable: new Set([A]),
    });
    assert.deepEqual(rows(result.actions), [
      `replace rtb-1 ${NET} → ${B} (failover): route is blackhole (target eni-1 is gone)`,
    ]);
    assert.match(result.warnings[0]?.message ?? "", new RegExp(`blackhole but ${B} is the best router left`));
  });

  it("keeps a blackhole route when every router failed", () => {
    const result = plan({
      spec: { [NET]: [A, B] },
      tables: [table("rtb-1", eni(NET, A, "blackhole"))],
      failed: new Set([A, B]),
    });
    assert.deepEqual(result.actions, []);
    assert.match(result.warnings[0]?.message ?? "", /blackhole and no usable router/);
  });
});

describe("planReconcile: tables that disagree", () => {
  it("aligns every table on the target most tables use", () => {
    const result = plan({
      spec: { [NET]: [A, B] },
      tables: [table("rtb-1", eni(NET, A)), table("rtb-2", eni(NET, B)), table("rtb-3", eni(NET, B))],
    });
    assert.deepEqual(rows(result.actions), [`replace rtb-1 ${NET} → ${B}: align with other tables`]);
  });

  it("breaks a tie by spec order", () => {
    const result = plan({
      spec: { [NET]: [A, B] },
      tables: [table("rtb-1", eni(NET, B)), table("rtb-2", eni(NET, A))],
    });
    assert.deepEqual(rows(result.actions), [`replace rtb-1 ${NET} → ${A}: align with other tables`]);
  });

  it("follows the surviving table when the other table's target failed", () => {
    const result = plan({
      spec: { [NET]: [A, B, C] },
      tables: [table("rtb-1", eni(NET, A)), table("rtb-2", eni(NET, C))],
      failed: new Set([A]),
    });
    assert.deepEqual(rows(result.actions), [`replace rtb-1 ${NET} → ${C} (failover): router ${A} failed`]);
  });
});

describe("planReconcile: unresolved router IPs", () => {
  it("warns about an unresolved IP and never targets it", () => {
    const ghost = "10.33.20.99";
    const result = plan({ spec: { [NET]: [ghost, B] }, tables: [table("rtb-1")] });
    assert.deepEqual(rows(result.actions), [`create rtb-1 ${NET} → ${B}: missing route`]);
    assert.deepEqual(result.warnings, [
      { destinationCidrBlock: NET, message: `unknown router IP ${ghost} (no ENI has it), not used` },
    ]);
  });

  it("creates nothing when no router of a CIDR resolves", () => {
    const result = plan({ spec: { [NET]: ["10.33.20.99"] }, tables: [table("rtb-1")] });
    assert.deepEqual(result.actions, []);
    assert.equal(result.warnings.length, 2);
  });
});

describe("planReconcile: routes that are not ours", () => {
  it("never touches a local or gateway route holding a spec CIDR", () => {
    const result = plan({
      spec: { "10.33.0.0/16": [A], [NET]: [A] },
      tables: [table("rtb-1", routeTo(NET, { kind: "gateway", id: "igw-1" }))],
      failed: new Set([B]),
      options: { prune: "all", ignoreRoutes: [] },
    });
    assert.deepEqual(result.actions, []);
    assert.deepEqual(
      result.warnings.map((warning) => warning.message),
      [
        "10.33.0.0/16 is held by a non-router route (local); not touched",
        `${NET} is held by a non-router route (igw-1); not touched`,
      ],
    );
  });

  it("never deletes local, gateway or other routes, even with prune all", () => {
    const result = plan({
      spec: {},
      tables: [
        table(
          "rtb-1",
          routeTo("0.0.0.0/0", { kind: "gateway", id: "igw-1" }),
          routeTo("10.9.0.0/16", { kind: "other", id: "pcx-1" }),
        ),
      ],
      managedCidrs: new Set(["10.9.0.0/16", "10.33.0.0/16"]),
      options: { prune: "all", ignoreRoutes: [], allowEmptySpec: true },
    });
    assert.deepEqual(result.actions, []);
  });

  it("with prune managed, never touches a CIDR outside spec and managed set", () => {
    const result = plan({
      spec: { [NET]: [A] },
      tables: [table("rtb-1", eni(NET, A), eni("10.77.0.0/16", B), eni("10.88.0.0/16", B))],
      managedCidrs: new Set(["10.88.0.0/16"]),
    });
    assert.deepEqual(rows(result.actions), ["delete rtb-1 10.88.0.0/16"]);
    assert.equal(result.actions[0]?.reason, "managed route no longer in spec");
  });

  it("with prune all, deletes every ENI/instance route not in the spec", () => {
    const result = plan({
      spec: { [NET]: [A] },
      tables: [
        table(
          "rtb-1",
          eni(NET, A),
          eni("10.77.0.0/16", B),
          routeTo("10.88.0.0/16", { kind: "instance", instanceId: "i-9" }),
        ),
      ],
      options: { prune: "all", ignoreRoutes: [] },
    });
    assert.deepEqual(rows(result.actions), ["delete rtb-1 10.77.0.0/16", "delete rtb-1 10.88.0.0/16"]);
  });

  it("never deletes a spec CIDR even when it is managed", () => {
    const result = plan({
      spec: { [NET]: [A] },
      tables: [table("rtb-1", eni(NET, A))],
      managedCidrs: new Set([NET]),
      options: { prune: "all", ignoreRoutes: [] },
    });
    assert.deepEqual(result.actions, []);
  });

  it("ignore_routes protects the CIDRs they contain; 0.0.0.0/0 protects only itself", () => {
    const result = plan({
      spec: { "10.200.0.0/16": [B] },
      tables: [
        table(
          "rtb-1",
          eni("0.0.0.0/0", A),
          eni("10.1.0.0/16", A),
          eni("10.1.2.0/24", A),
          eni("10.2.0.0/16", A),
          eni("172.16.0.0/12", A),
        ),
      ],
      options: { prune: "all", ignoreRoutes: ["10.1.0.0/16", "0.0.0.0/0", "172.16.0.0/16"] },
    });
    assert.deepEqual(rows(result.actions), [
      `create rtb-1 10.200.0.0/16 → ${B}: missing route`,
      "delete rtb-1 10.2.0.0/16",
      "delete rtb-1 172.16.0.0/12",
    ]);
  });
});

describe("planReconcile: ignore_routes on every action", () => {
  const ignoreRoutes = ["10.55.0.0/16"];

  it("never replaces an existing route inside an ignored CIDR, even off a failed router, and says why", () => {
    const result = plan({
      spec: { [NET]: [A, B] },
      tables: [table("rtb-1", eni(NET, A))],
      failed: new Set([A]),
      options: { prune: "managed", ignoreRoutes },
    });
    assert.deepEqual(result.actions, []);
    assert.deepEqual(result.warnings, [
      {
        routeTableId: "rtb-1",
        destinationCidrBlock: NET,
        message: `router ${A} failed, but ${NET} lies inside ignored CIDR 10.55.0.0/16 (ignore_routes); not touched`,
      },
    ]);
  });

  it("never replaces a route to a router outside the spec, nor a blackhole, inside an ignored CIDR", () => {
    const foreign = routeTo(NET, { kind: "eni", networkInterfaceId: "eni-elsewhere" });
    const result = plan({
      spec: { [NET]: [B], [NET2]: [B] },
      tables: [table("rtb-1", foreign, eni(NET2, A, "blackhole"))],
      options: { prune: "managed", ignoreRoutes: [NET, NET2] },
    });
    assert.deepEqual(result.actions, []);
    assert.deepEqual(
      result.warnings.map((warning) => warning.message),
      [
        `target not in spec, but ${NET} lies inside ignored CIDR ${NET} (ignore_routes); not touched`,
        `route is blackhole (target eni-1 is gone), but ${NET2} lies inside ignored CIDR ${NET2} (ignore_routes); not touched`,
      ],
    );
  });

  it("still creates a missing spec route inside an ignored CIDR, as vpc-router 1.8 does, and says so", () => {
    const result = plan({
      spec: { [NET]: [A, B] },
      tables: [table("rtb-1", eni(NET, A)), table("rtb-2")],
      failed: new Set([A]),
      options: { prune: "managed", ignoreRoutes },
    });
    assert.deepEqual(rows(result.actions), [
      `create rtb-2 ${NET} → ${B}: missing route; ${NET} lies inside ignored CIDR 10.55.0.0/16 (ignore_routes): created, never replaced`,
    ]);
    assert.equal(result.warnings.length, 1, "the failed route in rtb-1 is left, with a warning");
  });

  it("a bare IP entry protects its /32 and 0.0.0.0 protects the default route only", () => {
    const result = plan({
      spec: { "10.1.2.3/32": [A, B], "0.0.0.0/0": [A, B], [NET]: [A, B] },
      tables: [table("rtb-1", eni("10.1.2.3/32", A), eni("0.0.0.0/0", A), eni(NET, A))],
      failed: new Set([A]),
      options: { prune: "managed", ignoreRoutes: ["10.1.2.3", "0.0.0.0"] },
    });
    assert.deepEqual(rows(result.actions), [`replace rtb-1 ${NET} → ${B} (failover): router ${A} failed`]);
    assert.equal(result.warnings.length, 2);
  });
});

describe("planReconcile: an empty spec", () => {
  const tables = [table("rtb-1", eni(NET, A), eni(NET2, B))];

  it("deletes nothing by default, and warns for every route it would have deleted", () => {
    const result = plan({
      spec: {},
      tables,
      managedCidrs: new Set([NET, NET2]),
      options: { prune: "all", ignoreRoutes: [] },
    });
    assert.deepEqual(result.actions, []);
    assert.deepEqual(
      result.warnings.map(
        (warning) => `${warning.routeTableId} ${warning.destinationCidrBlock}: ${warning.message}`,
      ),
      [NET, NET2].map(
        (cidr) =>
          `rtb-1 ${cidr}: not deleted: the spec is empty (set reconcile.allowEmptySpec to let an empty spec delete routes)`,
      ),
    );
  });

  it("with allowEmptySpec, deletes the managed routes (prune managed) or all router routes (prune all)", () => {
    const managed = plan({
      spec: {},
      tables,
      managedCidrs: new Set([NET]),
      options: { prune: "managed", ignoreRoutes: [], allowEmptySpec: true },
    });
    assert.deepEqual(rows(managed.actions), [`delete rtb-1 ${NET}`]);
    const all = plan({ spec: {}, tables, options: { prune: "all", ignoreRoutes: [], allowEmptySpec: true } });
    assert.deepEqual(rows(all.actions), [`delete rtb-1 ${NET}`, `delete rtb-1 ${NET2}`]);
    assert.deepEqual(all.warnings, []);
  });

  it("a spec with at least one route prunes as usual, without the opt-in", () => {
    const result = plan({
      spec: { [NET]: [A] },
      tables,
      managedCidrs: new Set([NET2]),
      options: { prune: "managed", ignoreRoutes: [] },
    });
    assert.deepEqual(rows(result.actions), [`delete rtb-1 ${NET2}`]);
  });
});

describe("planReconcile: ordering", () => {
  it("puts failovers first, then other creates/replaces, then deletes, each by CIDR then table", () => {
    const result = plan({
      spec: { [NET2]: [A, B], [NET]: [A, B], "10.9.0.0/16": [C] },
      tables: [
        table("rtb-2", eni(NET2, A), eni(NET, A), eni("10.99.0.0/16", C)),
        table("rtb-1", eni(NET2, A), eni(NET, A), eni("10.100.0.0/16", C)),
      ],
      failed: new Set([A]),
      options: { prune: "all", ignoreRoutes: [] },
    });
    assert.deepEqual(rows(result.actions), [
      `replace rtb-1 ${NET} → ${B} (failover): router ${A} failed`,
      `replace rtb-2 ${NET} → ${B} (failover): router ${A} failed`,
      `replace rtb-1 ${NET2} → ${B} (failover): router ${A} failed`,
      `replace rtb-2 ${NET2} → ${B} (failover): router ${A} failed`,
      `create rtb-1 10.9.0.0/16 → ${C}: missing route`,
      `create rtb-2 10.9.0.0/16 → ${C}: missing route`,
      "delete rtb-2 10.99.0.0/16",
      "delete rtb-1 10.100.0.0/16",
    ]);
  });

  it("is deterministic whatever the order of the tables", () => {
    const tables = [table("rtb-b", eni(NET, A)), table("rtb-a"), table("rtb-c", eni(NET, B))];
    const input = { spec: { [NET]: [A, B] }, failed: new Set([A]) };
    const forward = plan({ ...input, tables });
    const backward = plan({ ...input, tables: [...tables].reverse() });
    assert.deepEqual(forward.actions, backward.actions);
  });
});

describe("applyPlan", () => {
  it("applies creates, replaces and deletes like EC2 would", () => {
    const tables = [table("rtb-1", eni(NET, A), eni("10.77.0.0/16", A))];
    const result = plan({
      spec: { [NET]: [A, B], [NET2]: [B] },
      tables,
      failed: new Set([A]),
      options: { prune: "all", ignoreRoutes: [] },
    });
    const [after] = applyPlan(tables, result);
    assert.deepEqual(after?.routes, [
      localRoute,
      routeTo(NET, { kind: "eni", networkInterfaceId: "eni-2" }),
      routeTo(NET2, { kind: "eni", networkInterfaceId: "eni-2" }),
    ]);
    assert.deepEqual(tables[0]?.routes.length, 3, "input tables are not changed");
  });
});
