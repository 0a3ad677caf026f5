/**
 * vpc-router 1.8's route-table scenarios (`vpcrouter/tests/test_vpc.py`, romana/vpc-router), as data
 * that two tests run: the pure planner against an in-memory VPC (test/unit/vpc-router-scenarios.test.ts)
 * and the planner plus the real EC2 port against the EC2 emulator
 * (test/integration/vpc-router-scenarios.test.ts). Both must see the same actions, warnings and
 * resulting routes.
 *
 * vpc-router checks its log lines; we check the plan (actions, warnings) and the route tables after
 * applying it. Where we deliberately differ from vpc-router, the step says so and why.
 */
import assert from "node:assert/strict";
import { nextManagedCidrs } from "../../src/decide/managed-cidrs.js";
import { type PlanInput, planReconcile } from "../../src/decide/plan.js";
import type { Plan, RouteAction } from "../../src/domain/route-action.js";
import type { RouterEni, RouteTable } from "../../src/domain/route-table.js";
import type { RouteSpec } from "../../src/route-spec/route-spec.js";
import { type DemoRouter, demoRouteTableId, demoWorld } from "./ec2-emulator/index.js";
import type { WorldSpec } from "./ec2-emulator/world-spec.js";

/** The routers of every scenario world, by name. `r1b` is a secondary IP on r1's ENI; `ghost` is on no ENI. */
export type RouterName = "r1" | "r2" | "r3" | "r1b" | "ghost";

/** The VPC's routers (one instance and ENI each, ids by index: `eni-…1` is r1's). */
const DEMO_ROUTERS: readonly DemoRouter[] = [
  { ip: "198.18.30.1", secondaryIps: ["198.18.30.11"] },
  { ip: "198.18.30.2" },
  { ip: "198.18.30.3" },
];

/** Router name → IP. No packet is ever sent to these: the planner only reads them. */
export const ROUTER_IPS: Readonly<Record<RouterName, string>> = {
  r1: "198.18.30.1",
  r2: "198.18.30.2",
  r3: "198.18.30.3",
  r1b: "198.18.30.11",
  ghost: "198.18.30.99",
};

/** ENI id → the router (primary IP's name) that owns it. */
const ENI_OWNER: ReadonlyMap<string, RouterName> = new Map([
  ["eni-00000000000000001", "r1"],
  ["eni-00000000000000002", "r2"],
  ["eni-00000000000000003", "r3"],
]);

/** An operator's or a failure's edit before a step: a route put by hand, or a router's instance stopped. */
export type HandEdit =
  | { readonly table: number; readonly cidr: string; readonly router: RouterName }
  | { readonly stop: RouterName };

/** One reconcile of a scenario: its inputs, and what must come out. */
export interface ScenarioStep {
  /** The vpc-router test (and step) this one ports. */
  readonly origin: string;
  readonly does: string;
  readonly edits?: readonly HandEdit[];
  readonly spec: Readonly<Record<string, readonly RouterName[]>>;
  readonly failed?: readonly RouterName[];
  readonly questionable?: readonly RouterName[];
  readonly ignoreRoutes?: readonly string[];
  /** Default `managed`. */
  readonly prune?: "managed" | "all";
  readonly allowEmptySpec?: boolean;
  /** The plan's actions, as `kind t<table> cidr → router (failover): reason` with router names. */
  readonly actions: readonly string[];
  /** One pattern per expected warning (with router names), in the plan's order. */
  readonly warnings?: readonly RegExp[];
  /** Afterwards, per table: destination → router, for routes to an ENI or instance only. */
  readonly routes: readonly Readonly<Record<string, string>>[];
}

export interface Scenario {
  readonly name: string;
  /** Route tables (table 0 is the main one). */
  readonly tables: number;
  readonly steps: readonly ScenarioStep[];
}

/** The EC2 world of every scenario: VPC 198.18.0.0/15, the routers, `tables` route tables. */
export function scenarioWorld(tables: number): WorldSpec {
  return demoWorld({ vpcId: "vpc-0scenario", routeTableCount: tables, routers: DEMO_ROUTERS });
}

/** What a scenario needs from a VPC: the in-memory one (unit) or the EC2 port on the emulator. */
export interface ScenarioVpc {
  edit(edit: HandEdit): Promise<void>;
  resolveRouters(ips: readonly string[]): Promise<ReadonlyMap<string, RouterEni>>;
  readRouteTables(routers: ReadonlyMap<string, RouterEni>): Promise<RouteTable[]>;
  /** Applies the plan's actions; throws if one fails. */
  apply(actions: readonly RouteAction[]): Promise<void>;
}

const A = "10.1.0.0/16";
const B = "10.2.0.0/16";
const C = "10.3.0.0/16";
const Z = "10.0.0.0/16";

/** Every ported scenario. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: "test_process_route_spec_config: add, questionable, failed, all failed, spec change, ignored",
    tables: 1,
    steps: [
      {
        origin: "test_process_route_spec_config, first process_route_spec_config",
        // vpc-router picks at random (seeded, it picks the first host); we take the first in spec order.
        does: "adds the missing route to the first router",
        spec: { [A]: ["r1", "r2"] },
        actions: [`create t0 ${A} → r1: missing route`],
        routes: [{ [A]: "r1" }],
      },
      {
        origin: 'test_process_route_spec_config, "One of the two IPs questionable, switch over"',
        // Adapted: questionable means fewer than a quorum of replicas see r1 failed, and docs/DESIGN.md
        // rule 1 says one replica's partial view never moves a route; vpc-router (one view) moved it.
        does: "keeps the route on a questionable router: only a quorum-confirmed failure moves it",
        spec: { [A]: ["r1", "r2"] },
        questionable: ["r1"],
        actions: [],
        routes: [{ [A]: "r1" }],
      },
      {
        origin: 'test_process_route_spec_config, "Now switch back"',
        // Adapted as above: the route is still on r1, which is healthy again; nothing moves.
        does: "leaves the route alone when another router is the questionable one",
        spec: { [A]: ["r1", "r2"] },
        questionable: ["r2"],
        actions: [],
        routes: [{ [A]: "r1" }],
      },
      {
        origin: 'test_process_route_spec_config, "One of the two IPs failed, switch over"',
        does: "moves the route off a failed router",
        spec: { [A]: ["r1", "r2"] },
        failed: ["r1"],
        actions: [`replace t0 ${A} → r2 (failover): router r1 failed`],
        routes: [{ [A]: "r2" }],
      },
      {
        origin: 'test_process_route_spec_config, "Now all IPs for a route have failed"',
        does: "leaves the route alone and warns when every router failed (never blackhole)",
        spec: { [A]: ["r1", "r2"] },
        failed: ["r1", "r2"],
        actions: [],
        warnings: [/every router for 10\.1\.0\.0\/16 failed; keeping current target r2/],
        routes: [{ [A]: "r2" }],
      },
      {
        origin: 'test_process_route_spec_config, "Add new route, remove old one"',
        // We delete only CIDRs this cluster manages (docs/DESIGN.md, safety rule 5); 10.1.0.0/16 is one (it came
        // from our spec), so it goes as in vpc-router. The prune scenario shows a foreign route.
        does: "deletes the CIDR that left the spec and adds the new one",
        spec: { [B]: ["r1"] },
        actions: [`create t0 ${B} → r1: missing route`, `delete t0 ${A}`],
        routes: [{ [B]: "r1" }],
      },
      {
        origin:
          'test_process_route_spec_config, "Protect old route (ignore_routes) … watch the old route NOT disappear"',
        does: "keeps a route inside ignore_routes though it left the spec, and adds the new one",
        spec: { [C]: ["r1"] },
        ignoreRoutes: [B],
        actions: [`create t0 ${C} → r1: missing route`],
        routes: [{ [B]: "r1", [C]: "r1" }],
      },
    ],
  },
  {
    name: "test_update_existing_routes: protected route, only router failed, router not in spec",
    tables: 1,
    steps: [
      {
        origin: 'test_update_existing_routes, "Test that a protected route doesn\'t get updated"',
        does: "never changes a route inside an ignored CIDR, and says why",
        edits: [{ table: 0, cidr: Z, router: "r1" }],
        spec: { [Z]: ["r2"] },
        ignoreRoutes: ["10.0.0.0/8"],
        actions: [],
        warnings: [
          /target not in spec, but 10\.0\.0\.0\/16 lies inside ignored CIDR 10\.0\.0\.0\/8.*not touched/,
        ],
        routes: [{ [Z]: "r1" }],
      },
      {
        origin: 'test_update_existing_routes, "Only IP for spec is in failed IPs, can\'t do anything"',
        does: "keeps a route to a router outside the spec when the spec's only router failed, and warns",
        spec: { [Z]: ["r2"] },
        failed: ["r2"],
        actions: [],
        warnings: [/target r1 is not in spec but no usable router for 10\.0\.0\.0\/16 is left/],
        routes: [{ [Z]: "r1" }],
      },
      {
        origin: 'test_update_existing_routes, "Now with available IPs"',
        does: "repoints a route whose router is no longer in the spec",
        spec: { [Z]: ["r2"] },
        actions: [`replace t0 ${Z} → r2: target not in spec`],
        routes: [{ [Z]: "r2" }],
      },
      {
        origin:
          'test_update_existing_routes, "Now with same route spec again" (and test_handle_spec, second call)',
        does: "does nothing when the route exists and is up to date",
        spec: { [Z]: ["r2"] },
        actions: [],
        routes: [{ [Z]: "r2" }],
      },
    ],
  },
  {
    name: "test_add_missing_routes",
    tables: 1,
    steps: [
      {
        origin: 'test_add_missing_routes, "Now try the same with the only possible IP in failed IPs"',
        does: "creates nothing when the only router failed, and warns",
        spec: { [Z]: ["r1"] },
        failed: ["r1"],
        actions: [],
        warnings: [/no usable router for 10\.0\.0\.0\/16 is left .*route not created/],
        routes: [{}],
      },
      {
        origin: "test_add_missing_routes, first _add_missing_routes",
        does: "adds the missing route",
        spec: { [Z]: ["r1"] },
        actions: [`create t0 ${Z} → r1: missing route`],
        routes: [{ [Z]: "r1" }],
      },
      {
        origin: 'test_add_missing_routes, "The route exists already … no new route should be created"',
        does: "creates nothing when the route exists",
        spec: { [Z]: ["r1"] },
        actions: [],
        routes: [{ [Z]: "r1" }],
      },
    ],
  },
  {
    name: "test_multi_address: a router named by a secondary private IP",
    tables: 1,
    steps: [
      {
        origin: "test_multi_address",
        does: "routes to the ENI that holds the secondary IP",
        spec: { [Z]: ["r1b"] },
        actions: [`create t0 ${Z} → r1b: missing route`],
        routes: [{ [Z]: "r1" }],
      },
    ],
  },
  {
    name: "test_add_new_route / test_update_route: a router IP no ENI holds",
    tables: 1,
    steps: [
      {
        origin: 'test_add_new_route, 99.99.99.99 ("Could not find instance/eni")',
        // vpc-router tries, and logs the EC2 lookup error; we never plan a write to an unknown IP.
        does: "writes nothing and warns about the unknown IP",
        spec: { [Z]: ["ghost"] },
        actions: [],
        warnings: [/unknown router IP ghost \(no ENI has it\), not used/, /route not created/],
        routes: [{}],
      },
      {
        origin: 'test_update_route, 9.9.9.9 ("failed to update route")',
        does: "leaves an existing route alone when the spec's only router is unknown",
        edits: [{ table: 0, cidr: Z, router: "r1" }],
        spec: { [Z]: ["ghost"] },
        actions: [],
        warnings: [/unknown router IP ghost/, /not in spec but no usable router/],
        routes: [{ [Z]: "r1" }],
      },
    ],
  },
  {
    name: '_update_existing_routes across tables: "other RT used different IP"',
    tables: 2,
    steps: [
      {
        origin: '_update_existing_routes, update_reason "other RT used different IP"',
        // vpc-router keeps the first table's router; we keep the one most tables use (tie: spec order).
        does: "aligns the tables on one router",
        edits: [
          { table: 0, cidr: A, router: "r1" },
          { table: 1, cidr: A, router: "r2" },
        ],
        spec: { [A]: ["r1", "r2"] },
        actions: [`replace t1 ${A} → r1: align with other tables`],
        routes: [{ [A]: "r1" }, { [A]: "r1" }],
      },
      {
        origin: "_update_existing_routes, router failed, in every table",
        does: "fails over in every table",
        spec: { [A]: ["r1", "r2"] },
        failed: ["r1"],
        actions: [
          `replace t0 ${A} → r2 (failover): router r1 failed`,
          `replace t1 ${A} → r2 (failover): router r1 failed`,
        ],
        routes: [{ [A]: "r2" }, { [A]: "r2" }],
      },
      {
        origin: "_update_existing_routes, healthy current router kept",
        does: "does not fail back when the first router recovers",
        spec: { [A]: ["r1", "r2"] },
        actions: [],
        routes: [{ [A]: "r2" }, { [A]: "r2" }],
      },
    ],
  },
  {
    name: "vpc-router's none-healthy marker (a defect we do not repeat)",
    tables: 2,
    steps: [
      {
        // vpc-router stores "none-healthy" for the CIDR in _update_existing_routes, and
        // _add_missing_routes then tries to create a route to the host "none-healthy".
        origin: "_update_existing_routes NONE_HEALTHY, then _add_missing_routes",
        does: "creates no route in the other table when every router failed",
        edits: [{ table: 0, cidr: A, router: "r1" }],
        spec: { [A]: ["r1", "r2"] },
        failed: ["r1", "r2"],
        actions: [],
        warnings: [/every router for 10\.1\.0\.0\/16 failed; keeping current target r1/, /route not created/],
        routes: [{ [A]: "r1" }, {}],
      },
    ],
  },
  {
    name: "_choose_different_host with only questionable routers: no flapping",
    tables: 1,
    steps: [
      {
        origin: 'test_host_choices rows ("B", [A, B, C], [], [A, B, C]) → None',
        does: "keeps a questionable router when the others are questionable or failed",
        edits: [{ table: 0, cidr: A, router: "r2" }],
        spec: { [A]: ["r1", "r2", "r3"] },
        failed: ["r3"],
        questionable: ["r1", "r2"],
        actions: [],
        routes: [{ [A]: "r2" }],
      },
      {
        origin: "test_host_choices row (None, [A, B], [A], [B]) → B",
        does: "moves off a failed router to a questionable one when no healthy one is left",
        spec: { [A]: ["r1", "r2", "r3"] },
        failed: ["r2", "r3"],
        questionable: ["r1"],
        actions: [`replace t0 ${A} → r1 (failover): router r2 failed`],
        routes: [{ [A]: "r1" }],
      },
    ],
  },
  {
    name: "_get_host_for_route: a blackhole route (the router's instance stopped)",
    tables: 1,
    steps: [
      {
        origin: '_get_host_for_route, "doesn\'t point to instance anymore" (black hole route)',
        does: "repoints a blackhole route to a live router",
        edits: [{ table: 0, cidr: A, router: "r1" }, { stop: "r1" }],
        spec: { [A]: ["r1", "r2"] },
        actions: [`replace t0 ${A} → r2 (failover): route is blackhole (target r1 is gone)`],
        routes: [{ [A]: "r2" }],
      },
    ],
  },
  {
    name: "deleting routes not in the spec: prune managed / all, and the empty spec",
    tables: 1,
    steps: [
      {
        origin: '_update_existing_routes, "route not in spec, deleting" (a route vpcrouter never managed)',
        // Deliberate difference: by default we delete only CIDRs this cluster manages (docs/DESIGN.md, safety rule 5).
        does: "keeps a foreign router route by default",
        edits: [{ table: 0, cidr: "10.77.0.0/16", router: "r3" }],
        spec: { [A]: ["r1"] },
        actions: [`create t0 ${A} → r1: missing route`],
        routes: [{ [A]: "r1", "10.77.0.0/16": "r3" }],
      },
      {
        origin: '_update_existing_routes, "route not in spec, deleting" with --prune all',
        does: "deletes every router route not in the spec with prune all, as vpc-router does",
        spec: { [A]: ["r1"] },
        prune: "all",
        actions: ["delete t0 10.77.0.0/16"],
        routes: [{ [A]: "r1" }],
      },
      {
        origin: 'handle_spec, "No route spec provided" (an empty spec changes nothing)',
        does: "an empty spec deletes nothing unless allowed, and warns",
        spec: {},
        prune: "all",
        actions: [],
        warnings: [/not deleted: the spec is empty/],
        routes: [{ [A]: "r1" }],
      },
      {
        origin: "no vpc-router counterpart: reconcile.allowEmptySpec",
        does: "an allowed empty spec deletes the managed routes",
        spec: {},
        allowEmptySpec: true,
        actions: [`delete t0 ${A}`],
        routes: [{}],
      },
    ],
  },
];

/** Replaces router IPs and router ENI ids in `text` by router names. */
function withNames(text: string): string {
  const byIp = new Map(Object.entries(ROUTER_IPS).map(([name, ip]) => [ip, name]));
  return text
    .replace(/\b\d+\.\d+\.\d+\.\d+\b/g, (ip) => byIp.get(ip) ?? ip)
    .replace(/\beni-[0-9a-f]{17}\b/g, (eni) => ENI_OWNER.get(eni) ?? eni);
}

/** `kind t<table> cidr → router (failover): reason`, with router names. */
function actionRow(action: RouteAction, tableIds: readonly string[]): string {
  const table = `t${tableIds.indexOf(action.routeTableId)}`;
  if (action.kind === "delete") return `delete ${table} ${action.destinationCidrBlock}`;
  const failover = action.failover ? " (failover)" : "";
  return withNames(
    `${action.kind} ${table} ${action.destinationCidrBlock} → ${action.routerIp}${failover}: ${action.reason}`,
  );
}

/** Per table: destination → router name (or target id), routes to an ENI or instance only. */
function routerRoutes(tables: readonly RouteTable[], tableIds: readonly string[]): Record<string, string>[] {
  return tableIds.map((id) => {
    const table = tables.find((t) => t.routeTableId === id);
    const routes: Record<string, string> = {};
    for (const route of table?.routes ?? []) {
      const target = route.target;
      if (target.kind === "eni") routes[route.destinationCidrBlock] = withNames(target.networkInterfaceId);
      if (target.kind === "instance") routes[route.destinationCidrBlock] = target.instanceId;
    }
    return routes;
  });
}

const names = (list: readonly RouterName[] = []) => new Set(list.map((name) => ROUTER_IPS[name]));

/**
 * Runs every step of `scenario` on `vpc` the way the leader does (resolve the spec's routers, read
 * the tables, plan, apply, track managed CIDRs) and asserts each step's actions, warnings and the
 * route tables read back afterwards.
 */
export async function runScenario(scenario: Scenario, vpc: ScenarioVpc): Promise<void> {
  const tableIds = Array.from({ length: scenario.tables }, (_, i) => demoRouteTableId(i));
  let managed: string[] = [];
  for (const [index, step] of scenario.steps.entries()) {
    const where = `${scenario.name}, step ${index + 1} (${step.origin}): ${step.does}`;
    for (const edit of step.edits ?? []) await vpc.edit(edit);
    const spec: RouteSpec = Object.fromEntries(
      Object.entries(step.spec).map(([cidr, hosts]) => [cidr, hosts.map((name) => ROUTER_IPS[name])]),
    );
    const routers = await vpc.resolveRouters([...new Set(Object.values(spec).flat())]);
    const tables = await vpc.readRouteTables(routers);
    const input: PlanInput = {
      spec,
      failed: names(step.failed),
      questionable: names(step.questionable),
      tables,
      routers,
      managedCidrs: new Set(managed),
      options: {
        prune: step.prune ?? "managed",
        ignoreRoutes: step.ignoreRoutes ?? [],
        allowEmptySpec: step.allowEmptySpec ?? false,
      },
    };
    const plan: Plan = planReconcile(input);
    assert.deepEqual(
      plan.actions.map((action) => actionRow(action, tableIds)),
      step.actions,
      `${where}: actions`,
    );
    const warnings = plan.warnings.map((warning) => withNames(warning.message));
    const expected = step.warnings ?? [];
    assert.equal(warnings.length, expected.length, `${where}: warnings ${JSON.stringify(warnings)}`);
    for (const [i, pattern] of expected.entries()) {
      assert.match(warnings[i] ?? "", pattern, `${where}: warning ${i + 1}`);
    }
    await vpc.apply(plan.actions);
    const after = await vpc.readRouteTables(routers);
    assert.deepEqual(routerRoutes(after, tableIds), step.routes, `${where}: route tables afterwards`);
    managed = nextManagedCidrs(managed, spec, after);
  }
}
