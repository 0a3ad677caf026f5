import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { applyPlan } from "../../src/decide/apply-plan.js";
import { type PlanInput, planReconcile } from "../../src/decide/plan.js";
import type { Route, RouterEni, RouteTable, RouteTarget } from "../../src/vpc/model.js";

/**
 * A small world so that collisions are frequent: 6 router IPs (each with its own ENI `eni-k` on
 * instance `i-k`), one IP that never resolves, 6 CIDRs, up to 4 tables.
 */
const routerIps = ["10.0.9.1", "10.0.9.2", "10.0.9.3", "10.0.9.4", "10.0.9.5", "10.0.9.6"];
const ghostIp = "10.0.9.99";
const cidrs = ["10.1.0.0/16", "10.1.1.0/24", "10.2.0.0/16", "10.3.0.0/16", "0.0.0.0/0", "172.16.0.0/12"];
const eniFor = (ip: string): RouterEni => {
  const k = routerIps.indexOf(ip) + 1;
  return { ip, networkInterfaceId: `eni-${k}`, instanceId: `i-${k}` };
};

const target: fc.Arbitrary<RouteTarget> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(...routerIps.slice(0, 3)).map(
      (ip): RouteTarget => ({
        kind: "eni",
        networkInterfaceId: eniFor(ip).networkInterfaceId,
      }),
    ),
  },
  fc.constantFrom(...routerIps, "unknown").map(
    (ip): RouteTarget => ({
      kind: "eni",
      networkInterfaceId: ip === "unknown" ? "eni-x" : eniFor(ip).networkInterfaceId,
    }),
  ),
  fc
    .constantFrom("i-1", "i-2", "i-3", "i-x")
    .map((instanceId): RouteTarget => ({ kind: "instance", instanceId })),
  fc.constant<RouteTarget>({ kind: "local" }),
  fc.constant<RouteTarget>({ kind: "gateway", id: "igw-1" }),
  fc.constant<RouteTarget>({ kind: "other", id: "pcx-1" }),
);
const route: fc.Arbitrary<Route> = fc.record({
  destinationCidrBlock: fc.constantFrom(...cidrs),
  target,
  state: fc.constantFrom<Route["state"][]>("active", "active", "blackhole"),
});
const tables: fc.Arbitrary<RouteTable[]> = fc
  .array(fc.uniqueArray(route, { selector: (r) => r.destinationCidrBlock, maxLength: 6 }), { maxLength: 4 })
  .map((routeLists) =>
    routeLists.map((routes, i) => ({
      routeTableId: `rtb-${i}`,
      vpcId: "vpc-1",
      main: i === 0,
      subnetIds: [],
      routes,
    })),
  );
const spec = fc.subarray(cidrs, { minLength: 2 }).chain((keys) =>
  fc
    .tuple(
      ...keys.map(() =>
        fc.uniqueArray(fc.constantFrom(...routerIps.slice(0, 3), ...routerIps, ghostIp), {
          minLength: 1,
          maxLength: 4,
        }),
      ),
    )
    .map((lists) => Object.fromEntries(keys.map((key, i) => [key, lists[i] ?? []]))),
);

const planInput: fc.Arbitrary<PlanInput> = fc.record({
  spec,
  failed: fc.subarray(routerIps, { maxLength: 3 }).map((ips) => new Set(ips)),
  questionable: fc.subarray(routerIps, { maxLength: 2 }).map((ips) => new Set(ips)),
  tables,
  routers: fc.subarray(routerIps, { minLength: 4 }).map((ips) => new Map(ips.map((ip) => [ip, eniFor(ip)]))),
  managedCidrs: fc.subarray(cidrs).map((list) => new Set(list)),
  options: fc.record({
    prune: fc.constantFrom<("managed" | "all")[]>("managed", "all"),
    ignoreRoutes: fc.subarray(["10.1.0.0/16", "0.0.0.0/0", "10.0.0.0/8", "bogus"]),
  }),
});

const isRouterTarget = (t: RouteTarget) => t.kind === "eni" || t.kind === "instance";

/** Which router box a route sends traffic to: the ENI id (an instance target maps to its router's ENI). */
function destinationOf(r: Route, routers: ReadonlyMap<string, RouterEni>): string {
  if (r.target.kind === "eni") return r.target.networkInterfaceId;
  if (r.target.kind === "instance") {
    const id = r.target.instanceId;
    return (
      [...routers.values()].find((router) => router.instanceId === id)?.networkInterfaceId ?? `instance:${id}`
    );
  }
  return r.target.kind;
}

const runs = { numRuns: 1000 };

describe("planReconcile properties", () => {
  it("a plan never targets a confirmed-failed or unresolved router", () => {
    fc.assert(
      fc.property(planInput, (input) => {
        for (const action of planReconcile(input).actions) {
          if (action.kind === "delete") continue;
          assert.equal(input.failed.has(action.routerIp), false, `targets failed ${action.routerIp}`);
          assert.equal(input.routers.get(action.routerIp)?.networkInterfaceId, action.networkInterfaceId);
          assert.ok(input.spec[action.destinationCidrBlock]?.includes(action.routerIp));
        }
      }),
      runs,
    );
  });

  it("a plan never changes a non-ENI/instance route", () => {
    fc.assert(
      fc.property(planInput, (input) => {
        for (const action of planReconcile(input).actions) {
          const table = input.tables.find((t) => t.routeTableId === action.routeTableId);
          const existing = table?.routes.find((r) => r.destinationCidrBlock === action.destinationCidrBlock);
          if (action.kind === "create") assert.equal(existing, undefined);
          else
            assert.ok(
              existing && isRouterTarget(existing.target),
              `${action.kind} of ${JSON.stringify(existing)}`,
            );
        }
      }),
      runs,
    );
  });

  it("with prune managed, a plan never touches a CIDR outside spec ∪ managed", () => {
    fc.assert(
      fc.property(planInput, (input) => {
        const managedInput = { ...input, options: { ...input.options, prune: "managed" as const } };
        for (const action of planReconcile(managedInput).actions) {
          const cidr = action.destinationCidrBlock;
          assert.ok(cidr in input.spec || input.managedCidrs.has(cidr), `touches ${cidr}`);
        }
      }),
      runs,
    );
  });

  it("a plan never deletes a spec CIDR nor an ignored one", () => {
    fc.assert(
      fc.property(planInput, (input) => {
        for (const action of planReconcile(input).actions) {
          if (action.kind !== "delete") continue;
          assert.equal(action.destinationCidrBlock in input.spec, false);
          assert.equal(input.options.ignoreRoutes.includes(action.destinationCidrBlock), false);
        }
      }),
      runs,
    );
  });

  it("applying the plan and planning again yields no actions when no router is failed", () => {
    fc.assert(
      fc.property(planInput, (generated) => {
        const input = { ...generated, failed: new Set<string>() };
        const after = applyPlan(input.tables, planReconcile(input));
        assert.deepEqual(planReconcile({ ...input, tables: after }).actions, []);
      }),
      runs,
    );
  });

  it("applying the plan and planning again yields no actions, even with failed routers", () => {
    fc.assert(
      fc.property(planInput, (input) => {
        const after = applyPlan(input.tables, planReconcile(input));
        assert.deepEqual(planReconcile({ ...input, tables: after }).actions, []);
      }),
      runs,
    );
  });

  it("after applying, each spec CIDR with a live router has exactly one target across all tables", () => {
    fc.assert(
      fc.property(planInput, (input) => {
        const after = applyPlan(input.tables, planReconcile(input));
        for (const [cidr, hosts] of Object.entries(input.spec)) {
          const live = hosts.some((ip) => input.routers.has(ip) && !input.failed.has(ip));
          if (!live) continue;
          const routes = after
            .map((table) => table.routes.find((r) => r.destinationCidrBlock === cidr))
            .filter((r): r is Route => r !== undefined);
          const heldByOthers = routes.some((r) => !isRouterTarget(r.target));
          const destinations = new Set(
            routes.filter((r) => isRouterTarget(r.target)).map((r) => destinationOf(r, input.routers)),
          );
          if (after.length > 0 && !heldByOthers)
            assert.equal(destinations.size, 1, `${cidr}: ${[...destinations]}`);
          else assert.ok(destinations.size <= 1, `${cidr}: ${[...destinations]}`);
        }
      }),
      runs,
    );
  });

  it("failover actions come first, and deletes last", () => {
    fc.assert(
      fc.property(planInput, (input) => {
        const groups = planReconcile(input).actions.map((a) =>
          a.failover ? 0 : a.kind === "delete" ? 2 : 1,
        );
        assert.deepEqual(
          groups,
          [...groups].sort((a, b) => a - b),
        );
      }),
      runs,
    );
  });

  it("the plan does not depend on the order of the tables", () => {
    fc.assert(
      fc.property(planInput, (input) => {
        const reversed = planReconcile({ ...input, tables: [...input.tables].reverse() });
        assert.deepEqual(reversed.actions, planReconcile(input).actions);
      }),
      runs,
    );
  });
});
