/**
 * The status record the leader wants in `<prefix>/status` after a reconcile pass: its in-memory
 * model mapped field by field onto the wire record (src/domain/status-record.ts). Pure.
 */

import { isRouterRoute } from "../decide/route-target.js";
import type { BatchOutcome, RouteChangeOutcome } from "../domain/outcome.js";
import { failureOf } from "../domain/outcome.js";
import type { Plan, PlanWarning, RouteAction } from "../domain/route-action.js";
import type { Route, RouterEni, RouteTable, RouteTarget } from "../domain/route-table.js";
import type {
  RecordedRoute,
  RecordedRouteAction,
  RecordedRouter,
  RecordedRouteTable,
  RecordedRouteTarget,
  StatusRecord,
} from "../domain/status-record.js";
import { compareIpv4Text } from "../route-spec/ipv4.js";
import type { SpecError } from "../route-spec/route-spec.js";

/** What a reconcile pass saw and did, as far as the status records it. */
export interface RecordedPass extends BatchOutcome<RouteChangeOutcome> {
  readonly plan: Plan;
  /** The route tables as read after the pass's changes. */
  readonly tables: readonly RouteTable[];
}

/** Inputs of {@link nextStatus}. */
export interface StatusInputs {
  readonly previous?: StatusRecord;
  readonly leaderId: string;
  readonly term: string;
  readonly specError?: SpecError;
  /** The pass, when it got as far as a plan; absent: keep the previous record's plan and tables. */
  readonly pass?: RecordedPass;
  /** The spec's routers as resolved in this pass; absent: keep the previous record's. */
  readonly routers?: readonly RouterEni[];
  /** ISO 8601 time of the reconcile. */
  readonly at: string;
}

/**
 * The status record after a reconcile. Timestamps change only when a plan had actions, so a
 * steady-state reconcile yields a record equal to the previous one and nothing is written
 * (docs/DESIGN.md: steady state writes nothing but keep-alives). `routers` is sorted by address,
 * so a change of resolve order changes nothing either.
 */
export function nextStatus(inputs: StatusInputs): StatusRecord {
  const { previous, pass } = inputs;
  const hasActions = pass !== undefined && pass.plan.actions.length > 0;
  return {
    leaderId: inputs.leaderId,
    term: inputs.term,
    specError: inputs.specError,
    lastPlan: hasActions
      ? { at: inputs.at, actions: pass.plan.actions.map(recordedAction) }
      : previous?.lastPlan,
    planWarnings: pass ? pass.plan.warnings.map(describeWarning) : previous?.planWarnings,
    lastApply: hasActions
      ? {
          at: inputs.at,
          changes: pass.results.map((result) => ({
            action: recordedAction(result.action),
            ok: result.ok,
            error: failureOf(result)?.message,
          })),
          stoppedByFence: pass.stoppedByFence,
        }
      : previous?.lastApply,
    routeTables: pass ? pass.tables.map(recordedTable) : previous?.routeTables,
    routers: inputs.routers ? recordedRouters(inputs.routers) : previous?.routers,
  };
}

function recordedAction(action: RouteAction): RecordedRouteAction {
  const { routeTableId, destinationCidrBlock, reason } = action;
  if (action.kind === "delete")
    return { kind: "delete", routeTableId, destinationCidrBlock, failover: false, reason };
  const { kind, routerIp, networkInterfaceId, failover, failedRouterIp } = action;
  return {
    kind,
    routeTableId,
    destinationCidrBlock,
    routerIp,
    networkInterfaceId,
    failover,
    ...(failedRouterIp === undefined ? {} : { failedRouterIp }),
    reason,
  };
}

/**
 * A table with only its router (ENI/instance) routes: what operators look for in the status, and
 * small enough for an etcd value however many other routes the tables hold.
 */
function recordedTable(table: RouteTable): RecordedRouteTable {
  return {
    routeTableId: table.routeTableId,
    vpcId: table.vpcId,
    main: table.main,
    subnetIds: [...table.subnetIds],
    routes: table.routes.filter(isRouterRoute).map(recordedRoute),
    ...(table.newRoutesAllowed === false ? { newRoutesAllowed: false as const } : {}),
  };
}

function recordedRoute(route: Route): RecordedRoute {
  return {
    destinationCidrBlock: route.destinationCidrBlock,
    target: recordedTarget(route.target),
    state: route.state,
  };
}

function recordedTarget(target: RouteTarget): RecordedRouteTarget {
  switch (target.kind) {
    case "eni":
      return {
        kind: "eni",
        networkInterfaceId: target.networkInterfaceId,
        ...(target.instanceId !== undefined ? { instanceId: target.instanceId } : {}),
      };
    case "instance":
      return { kind: "instance", instanceId: target.instanceId };
    case "local":
      return { kind: "local" };
    case "gateway":
    case "other":
      return { kind: target.kind, id: target.id };
  }
}

/**
 * Routers in a stable shape: sorted by address, fields in one order, one entry per IP. The record is
 * compared as JSON with the previous one, so the same routers must always give the same text.
 */
function recordedRouters(routers: readonly RouterEni[]): RecordedRouter[] {
  const byIp = new Map<string, RouterEni>();
  for (const router of routers) if (!byIp.has(router.ip)) byIp.set(router.ip, router);
  return [...byIp.values()]
    .sort((a, b) => compareIpv4Text(a.ip, b.ip))
    .map((router) => ({
      ip: router.ip,
      networkInterfaceId: router.networkInterfaceId,
      ...(router.instanceId !== undefined ? { instanceId: router.instanceId } : {}),
      ...(router.subnetId !== undefined ? { subnetId: router.subnetId } : {}),
      ...(router.sourceDestCheck !== undefined ? { sourceDestCheck: router.sourceDestCheck } : {}),
    }));
}

function describeWarning(warning: PlanWarning): string {
  const where = warning.routeTableId ? ` in ${warning.routeTableId}` : "";
  return `${warning.destinationCidrBlock}${where}: ${warning.message}`;
}
