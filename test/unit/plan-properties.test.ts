import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type PlanInput, planReconcile } from "../../src/decide/plan.js";
import type { Route, RouterEni, RouteTable, RouteTarget } from "../../src/domain/route-table.js";
import { applyPlan } from "../support/apply-plan.js";

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

/**
 * Which of {@link cidrs} each ignore-routes entry of the generator protects, worked out by hand
 * (containment; `0.0.0.0/0` protects only itself; text that is no CIDR protects nothing here).
 */
const PROTECTS: Record<string, readonly string[]> = {
  "10.1.0.0/16": ["10.1.0.0/16", "10.1.1.0/24"],
  "10.0.0.0/8": ["10.1.0.0/16", "10.1.1.0/24", "10.2.0.0/16", "10.3.0.0/16"],
  "0.0.0.0/0": ["0.0.0.0/0"],
  bogus: [],
};
const isProtected = (cidr: string, ignoreRoutes: readonly string[]) =>
  ignoreRoutes.some((entry) => PROTECTS[entry]?.includes(cidr));
const hasBlackhole = (input: PlanInput) =>
  input.tables.some((t) => t.routes.some((r) => r.state === "blackhole"));

/** The spec routers of `cidr` that resolve and are neither failed nor questionable. */
function healthyRouters(input: PlanInput, cidr: string): RouterEni[] {
  return (input.spec[cidr] ?? [])
    .map((ip) => input.routers.get(ip))
    .filter((r): r is RouterEni => r !== undefined)
    .filter((r) => !input.failed.has(r.ip) && !input.questionable.has(r.ip));
}

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
  it("questionable routers never add a route change (docs/DESIGN.md, safety rule 1: a partial view moves nothing)", () => {
    // One CIDR, routers A B C, up to 5 tables each routing it (actively) to one of them or not at all.
    const [a = "", b = "", c = ""] = routerIps;
    const cidr = cidrs[0] ?? "";
    const oneCidrInput = fc
      .record({
        targets: fc.array(fc.constantFrom(a, b, c, undefined), { minLength: 1, maxLength: 5 }),
        failed: fc.subarray([a, b, c]),
        questionable: fc.subarray([a, b, c], { minLength: 1 }),
      })
      .map(
        ({ targets, failed, questionable }): PlanInput => ({
          spec: { [cidr]: [a, b, c] },
          failed: new Set(failed),
          questionable: new Set(questionable),
          tables: targets.map((ip, i) => ({
            routeTableId: `rtb-${i}`,
            vpcId: "vpc-1",
            main: i === 0,
            subnetIds: [],
            routes:
              ip === undefined
                ? []
                : [
                    {
                      destinationCidrBlock: cidr,
                      target: { kind: "eni", networkInterfaceId: eniFor(ip).networkInterfaceId },
                      state: "active",
                    },
                  ],
          })),
          routers: new Map([a, b, c].map((ip) => [ip, eniFor(ip)])),
          managedCidrs: new Set([cidr]),
          options: { prune: "managed", ignoreRoutes: [] },
        }),
      );
    fc.assert(
      fc.property(oneCidrInput, (input) => {
        const withQuestionable = planReconcile(input).actions.length;
        const without = planReconcile({ ...input, questionable: new Set() }).actions.length;
        assert.ok(
          withQuestionable <= without,
          `${withQuestionable} changes with questionable routers, ${without} without`,
        );
      }),
      runs,
    );
  });

  // vpc-router 1.8 could create a route to its "none-healthy" marker (_update_existing_routes then
  // _add_missing_routes); every target here is a resolved, not failed router of that CIDR's spec.
  it("a plan never targets a router that is failed, unresolved or not in the CIDR's spec", () => {
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
        fc.pre(!hasBlackhole(input));
        const after = applyPlan(input.tables, planReconcile(input));
        assert.deepEqual(planReconcile({ ...input, tables: after }).actions, []);
      }),
      runs,
    );
  });

  it("applying the plan and planning again yields no actions, even with failed routers", () => {
    fc.assert(
      fc.property(planInput, (input) => {
        fc.pre(!hasBlackhole(input));
        const after = applyPlan(input.tables, planReconcile(input));
        assert.deepEqual(planReconcile({ ...input, tables: after }).actions, []);
      }),
      runs,
    );
  });

  // A router behind a blackhole route is only suspected while that route exists: the first plan may
  // move a route to a questionable router rather than to it, and the next plan, no longer seeing the
  // blackhole, moves it off the questionable router (vpc-router 1.8 would too). Generated worlds may
  // even hold one ENI both active and blackholed: convergence still comes within three rounds.
  it("with blackhole routes, plans converge within three rounds, later rounds only replacing", () => {
    fc.assert(
      fc.property(planInput, (input) => {
        let tables = applyPlan(input.tables, planReconcile(input));
        for (let round = 2; round <= 3; round++) {
          const plan = planReconcile({ ...input, tables });
          for (const action of plan.actions)
            assert.equal(action.kind, "replace", `${action.kind} in round ${round}`);
          tables = applyPlan(tables, plan);
        }
        assert.deepEqual(planReconcile({ ...input, tables }).actions, []);
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
          // Routes inside an ignored CIDR are never aligned: only the created ones follow the pick.
          if (!live || isProtected(cidr, input.options.ignoreRoutes)) continue;
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

  it("a plan never replaces nor deletes a route inside an ignored CIDR", () => {
    fc.assert(
      fc.property(planInput, (input) => {
        for (const action of planReconcile(input).actions) {
          if (action.kind === "create") continue;
          assert.equal(isProtected(action.destinationCidrBlock, input.options.ignoreRoutes), false);
        }
      }),
      runs,
    );
  });

  it("an empty spec deletes nothing without allowEmptySpec, and warns for what it would delete", () => {
    fc.assert(
      fc.property(planInput, (generated) => {
        const input = { ...generated, spec: {} };
        const refused = planReconcile(input);
        assert.deepEqual(refused.actions, []);
        const allowed = planReconcile({ ...input, options: { ...input.options, allowEmptySpec: true } });
        assert.equal(refused.warnings.length, allowed.actions.length);
        assert.ok(allowed.actions.every((action) => action.kind === "delete"));
      }),
      runs,
    );
  });

  it("a route is pointed at a questionable router only when it is already in use or no healthy router is usable", () => {
    fc.assert(
      fc.property(planInput, (input) => {
        for (const action of planReconcile(input).actions) {
          if (action.kind === "delete" || !input.questionable.has(action.routerIp)) continue;
          const cidr = action.destinationCidrBlock;
          // Rule 1: a questionable router that active routes use stays in service (tables align on it).
          const inUse = input.tables.some((t) =>
            t.routes.some(
              (r) =>
                r.destinationCidrBlock === cidr &&
                r.state === "active" &&
                destinationOf(r, input.routers) === action.networkInterfaceId,
            ),
          );
          if (inUse) continue;
          // Healthy routers left aside may only be ones behind a blackhole route of this CIDR.
          for (const router of healthyRouters(input, cidr)) {
            const behindBlackhole = input.tables.some((t) =>
              t.routes.some(
                (r) =>
                  r.destinationCidrBlock === cidr &&
                  r.state === "blackhole" &&
                  destinationOf(r, input.routers) === router.networkInterfaceId,
              ),
            );
            assert.ok(
              behindBlackhole,
              `${cidr} → questionable ${action.routerIp} though ${router.ip} is healthy`,
            );
          }
        }
      }),
      runs,
    );
  });

  it("a CIDR whose routes all point at one questionable router stays there when no healthy router is left", () => {
    fc.assert(
      fc.property(planInput, (input) => {
        const actions = planReconcile(input).actions;
        for (const cidr of Object.keys(input.spec)) {
          if (healthyRouters(input, cidr).length > 0) continue;
          const routes = input.tables.flatMap((t) => t.routes.filter((r) => r.destinationCidrBlock === cidr));
          if (routes.length === 0 || routes.some((r) => r.state !== "active" || !isRouterTarget(r.target)))
            continue;
          const targets = new Set(routes.map((r) => destinationOf(r, input.routers)));
          const router = [...input.routers.values()].find((r) => targets.has(r.networkInterfaceId));
          const questionableSpecRouter =
            targets.size === 1 &&
            router !== undefined &&
            input.spec[cidr]?.includes(router.ip) &&
            input.questionable.has(router.ip) &&
            !input.failed.has(router.ip);
          if (!questionableSpecRouter) continue;
          const moves = actions.filter((a) => a.destinationCidrBlock === cidr && a.kind !== "create");
          assert.deepEqual(moves, [], `${cidr} moved off questionable ${router.ip}`);
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
