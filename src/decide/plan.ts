/**
 * The reconcile planner, the heart of vpcrouter: spec + confirmed failures + route tables as read →
 * the route changes to make, written as a rulebook (docs/DESIGN.md, safety rules 3–5). Pure.
 */
import type { Plan, PlanWarning, RouteAction } from "../domain/route-action.js";
import type { Route, RouterEni, RouteTable } from "../domain/route-table.js";
import { cidrKey } from "../route-spec/cidr.js";
import { findIgnoringCidr } from "../route-spec/ignore-routes.js";
import type { RouteSpec } from "../route-spec/route-spec.js";
import { pickCidrTarget } from "./cidr-target.js";
import { orderActions } from "./order-actions.js";
import { planPrune } from "./prune.js";
import { currentRouter, describeTarget, isRouterRoute, pointsAt } from "./route-target.js";

/** Everything the leader knows when it reconciles; the planner reads nothing else. */
export interface PlanInput {
  readonly spec: RouteSpec;
  /** Quorum-confirmed failed router IPs. */
  readonly failed: ReadonlySet<string>;
  /** Router IPs some, but not a quorum of, replicas see as failed. */
  readonly questionable: ReadonlySet<string>;
  /** Every route table to manage, as read from EC2 `DescribeRouteTables`. */
  readonly tables: readonly RouteTable[];
  /** Router IP → its ENI; a spec IP missing here is unresolved and never a target. */
  readonly routers: ReadonlyMap<string, RouterEni>;
  /** CIDRs this cluster manages (recorded under `<prefix>/status`). */
  readonly managedCidrs: ReadonlySet<string>;
  readonly options: {
    /** `managed`: delete only managed CIDRs not in the spec; `all`: any ENI/instance route not in it. */
    readonly prune: "managed" | "all";
    /**
     * vpc-router's `ignore_routes`: CIDRs (or bare IPs) whose routes, and routes inside them, are
     * never replaced nor deleted; `0.0.0.0/0` protects only itself. A spec CIDR inside one is still
     * created where missing, as vpc-router 1.8 does.
     */
    readonly ignoreRoutes: readonly string[];
    /**
     * Let an empty spec `{}` delete routes (subject to `prune`). Default false: an empty spec is
     * far more often a mistake (a truncated file, a bad template) than a wish to remove every
     * route, so it deletes nothing and each route it would have deleted gets a warning.
     * (vpc-router ignores an empty spec altogether.)
     */
    readonly allowEmptySpec?: boolean;
  };
}

/**
 * Computes the route changes that bring the route tables in line with the spec and the confirmed
 * failures (docs/DESIGN.md, safety rules 3, 4, 5). Level-triggered: the plan depends only on
 * this input, never on history.
 *
 * For each spec CIDR one router is picked for all tables ({@link pickCidrTarget}); then each table:
 * - no route: create it to that router (unless the table is closed to new routes);
 * - a local, gateway or other route holds the CIDR: never touched;
 * - points at that router: nothing to do;
 * - blackholed, or its router failed: replace (a failover);
 * - points outside the spec: replace;
 * - points at another live spec router (tables disagree): replace to align;
 * and when no router is left (all failed or unresolved) the route keeps its target: never blackhole.
 * An existing route inside an `ignoreRoutes` CIDR is never replaced: the replace becomes a warning.
 * Finally, ENI/instance routes outside the spec are deleted if {@link planPrune} allows, and not at
 * all when the spec is empty unless `allowEmptySpec` (each such route gets a warning instead).
 *
 * @returns actions ordered failovers first, other creates/replaces next, deletes last (each group by
 *   CIDR, then table id), and warnings for everything left alone on purpose. Pure; never throws.
 */
export function planReconcile(input: PlanInput): Plan {
  const tables = distinctTables(input.tables);
  const routesByCidr = new Map(tables.map((table) => [table, indexRoutesByCidr(table)]));
  const actions: RouteAction[] = [];
  const warnings: PlanWarning[] = [];
  const specCidrs = new Set<string>();

  for (const [specKey, hosts] of Object.entries(input.spec)) {
    const cidr = cidrKey(specKey);
    if (specCidrs.has(cidr)) continue;
    specCidrs.add(cidr);

    const routeIn = (table: RouteTable) => routesByCidr.get(table)?.get(cidr);
    const routers = resolveRouters(cidr, hosts, input.routers, warnings);
    const existing = tables.map(routeIn).filter((route): route is Route => route !== undefined);
    const { failed, questionable } = input;
    const target = pickCidrTarget({ routers, routes: existing, failed, questionable });

    const ignoredBy = findIgnoringCidr(cidr, input.options.ignoreRoutes);
    for (const table of tables) {
      const situation = { table, cidr, route: routeIn(table), routers, target, failed, questionable };
      const decision = respectIgnoreRoutes(situation, decideRoute(situation), ignoredBy);
      if (decision.action) actions.push(decision.action);
      if (decision.warning) warnings.push(decision.warning);
    }
  }

  const { prune, ignoreRoutes, allowEmptySpec = false } = input.options;
  const deletions = planPrune({ tables, specCidrs, managedCidrs: input.managedCidrs, prune, ignoreRoutes });
  if (specCidrs.size > 0 || allowEmptySpec) actions.push(...deletions);
  else warnings.push(...deletions.map(emptySpecWarning));
  return { actions: orderActions(actions), warnings };
}

/**
 * vpc-router 1.8's `ignore_routes` (vpcrouter/vpc/__init__.py, `_update_existing_routes` and the
 * `_is_cidr_in_ignore_routes` docstring: "Only used to govern cleanup of routes, is not consulted when
 * creating routes"): an existing route inside an ignored CIDR is never changed, whatever happened to
 * its router, but a missing one is still created. We keep that, say so in the create's reason, and
 * turn every change of an existing ignored route into a warning that names the reason it was left.
 */
function respectIgnoreRoutes(
  situation: RouteSituation,
  decision: Decision,
  ignoredBy: string | undefined,
): Decision {
  const { action } = decision;
  if (ignoredBy === undefined || action === undefined) return decision;
  const inside = `${situation.cidr} lies inside ignored CIDR ${ignoredBy} (ignore_routes)`;
  if (action.kind === "create") {
    return { action: { ...action, reason: `${action.reason}; ${inside}: created, never replaced` } };
  }
  return warn(situation, `${action.reason}, but ${inside}; not touched`);
}

function emptySpecWarning(deletion: RouteAction): PlanWarning {
  return {
    routeTableId: deletion.routeTableId,
    destinationCidrBlock: deletion.destinationCidrBlock,
    message:
      "not deleted: the spec is empty (set reconcile.allowEmptySpec to let an empty spec delete routes)",
  };
}

/** One table's route for one spec CIDR, and the router picked for that CIDR. */
interface RouteSituation {
  readonly table: RouteTable;
  readonly cidr: string;
  readonly route: Route | undefined;
  /** Resolved routers of the CIDR, spec order. */
  readonly routers: readonly RouterEni[];
  /** The router every table should use, or `undefined` when none is left. */
  readonly target: RouterEni | undefined;
  readonly failed: ReadonlySet<string>;
  readonly questionable: ReadonlySet<string>;
}

interface Decision {
  readonly action?: RouteAction;
  readonly warning?: PlanWarning;
}

/** The rules for one table and one spec CIDR, in the order they apply. */
function decideRoute(situation: RouteSituation): Decision {
  const { route, target, cidr } = situation;
  const noRouterLeft = `no usable router for ${cidr} is left (all failed or unresolved)`;

  if (route === undefined) {
    // The table selection keeps new routes out of this table (`subnets`): nothing to create here.
    if (situation.table.newRoutesAllowed === false) return {};
    if (target === undefined) return warn(situation, `${noRouterLeft}; route not created`);
    return create(situation, target, "missing route");
  }
  const held = describeTarget(route.target);
  if (!isRouterRoute(route)) {
    return warn(situation, `${cidr} is held by a non-router route (${held}); not touched`);
  }
  if (target !== undefined && pointsAt(route, target)) {
    if (route.state === "active") return {};
    return warn(situation, `route is blackhole but ${target.ip} is the best router left; keeping it`);
  }
  if (route.state === "blackhole") {
    if (target === undefined) return warn(situation, `route is blackhole and ${noRouterLeft}; keeping it`);
    return replace(situation, target, { failover: true }, `route is blackhole (target ${held} is gone)`);
  }
  const { failed, questionable } = situation;
  const current = currentRouter(route, situation.routers, failed, questionable);
  if (current === undefined) {
    if (target === undefined)
      return warn(situation, `target ${held} is not in spec but ${noRouterLeft}; keeping it`);
    return replace(situation, target, { failover: false }, "target not in spec");
  }
  if (failed.has(current.ip)) {
    if (target === undefined) {
      return warn(situation, `every router for ${cidr} failed; keeping current target ${current.ip}`);
    }
    return replace(situation, target, { failover: true, from: current.ip }, `router ${current.ip} failed`);
  }
  // A live spec router, but not the one picked (pickCidrTarget never leaves `target` undefined
  // while a live router is in use; the guard keeps the function total).
  if (target === undefined) return {};
  return replace(situation, target, { failover: false }, "align with other tables");
}

function create(situation: RouteSituation, target: RouterEni, reason: string): Decision {
  return { action: routeAction(situation, "create", target, false, reason) };
}

function replace(
  situation: RouteSituation,
  target: RouterEni,
  { failover, from }: { failover: boolean; from?: string },
  reason: string,
): Decision {
  return { action: routeAction(situation, "replace", target, failover, reason, from) };
}

/** A route action that points a route at a router. */
type SetAction = Extract<RouteAction, { kind: "create" | "replace" }>;

function routeAction(
  { table, cidr, route }: RouteSituation,
  kind: "create" | "replace",
  target: RouterEni,
  failover: boolean,
  reason: string,
  failedRouterIp?: string,
): RouteAction {
  const action: { -readonly [K in keyof SetAction]: SetAction[K] } = {
    kind,
    routeTableId: table.routeTableId,
    destinationCidrBlock: route?.destinationCidrBlock ?? cidr,
    routerIp: target.ip,
    networkInterfaceId: target.networkInterfaceId,
    failover,
    reason,
  };
  // Set only when there is one (no `failedRouterIp: undefined` in plans, records or JSON).
  if (failedRouterIp !== undefined) action.failedRouterIp = failedRouterIp;
  return action;
}

function warn({ table, cidr }: RouteSituation, message: string): Decision {
  return { warning: { routeTableId: table.routeTableId, destinationCidrBlock: cidr, message } };
}

/**
 * The spec's router IPs that resolve to an ENI, in spec order without repeats. Each unresolved IP is
 * reported once per CIDR: it is never a target, since nothing can be routed to it.
 */
function resolveRouters(
  cidr: string,
  hosts: readonly string[],
  known: ReadonlyMap<string, RouterEni>,
  warnings: PlanWarning[],
): RouterEni[] {
  const routers: RouterEni[] = [];
  for (const ip of new Set(hosts)) {
    const router = known.get(ip);
    if (router === undefined) {
      warnings.push({
        destinationCidrBlock: cidr,
        message: `unknown router IP ${ip} (no ENI has it), not used`,
      });
    } else {
      routers.push({ ...router, ip });
    }
  }
  return routers;
}

/** Route tables by id, first occurrence wins (EC2 never repeats one; a caller bug must not double actions). */
function distinctTables(tables: readonly RouteTable[]): RouteTable[] {
  const byId = new Map<string, RouteTable>();
  for (const table of tables) {
    if (!byId.has(table.routeTableId)) byId.set(table.routeTableId, table);
  }
  return [...byId.values()];
}

/** A table's routes by canonical destination CIDR (first wins; EC2 never repeats a destination). */
function indexRoutesByCidr(table: RouteTable): Map<string, Route> {
  const byCidr = new Map<string, Route>();
  for (const route of table.routes) {
    const cidr = cidrKey(route.destinationCidrBlock);
    if (!byCidr.has(cidr)) byCidr.set(cidr, route);
  }
  return byCidr;
}
