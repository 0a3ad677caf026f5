import type { StatusRecord } from "../domain/status-record.js";
import { isRouterRoute } from "../decide/route-target.js";
import type { Plan } from "../domain/route-action.js";
import type { RouterEni, RouteTable } from "../domain/route-table.js";
import type { ChangeResult } from "../domain/vpc-port.js";
import { compareIpv4Text } from "../route-spec/ipv4.js";
import type { RevisionedSpec, RouteSpec, SpecError } from "../route-spec/route-spec.js";

/**
 * The CIDRs this cluster manages after a reconcile (DESIGN.md rule 5): every CIDR of the spec in
 * force, plus every formerly managed CIDR that still has a router (ENI/instance) route in some
 * table — so a CIDR removed from the spec stays managed until its routes are gone. Sorted. Pure.
 */
export function nextManagedCidrs(
  previous: readonly string[],
  spec: RouteSpec,
  tables: readonly RouteTable[],
): string[] {
  const stillRouted = new Set(
    tables.flatMap((table) => table.routes.filter(isRouterRoute).map((route) => route.destinationCidrBlock)),
  );
  const managed = new Set(Object.keys(spec));
  for (const cidr of previous) if (stillRouted.has(cidr)) managed.add(cidr);
  return [...managed].sort();
}

/** Inputs of {@link nextStatus}. */
export interface StatusInputs {
  readonly previous?: StatusRecord;
  readonly leaderId: string;
  readonly term: string;
  readonly spec?: RevisionedSpec;
  readonly specError?: SpecError;
  readonly managedCidrs: readonly string[];
  readonly outcome?: {
    readonly plan: Plan;
    readonly tables: readonly RouteTable[];
    readonly results: readonly ChangeResult[];
    readonly stoppedByFence: boolean;
  };
  /** The spec's routers as resolved in this reconcile; absent: keep the previous record's. */
  readonly routers?: readonly RouterEni[];
  /** ISO 8601 time of the reconcile. */
  readonly at: string;
}

/**
 * The status record the leader wants in etcd after a reconcile. Timestamps change only when a plan
 * had actions, so a steady-state reconcile yields a record equal to the previous one and nothing
 * is written (DESIGN.md: steady state writes nothing but keep-alives). `routers` is sorted by
 * address, so a change of resolve order changes nothing either. Pure.
 */
export function nextStatus(inputs: StatusInputs): StatusRecord {
  const { previous, outcome } = inputs;
  const hasActions = outcome !== undefined && outcome.plan.actions.length > 0;
  return {
    leaderId: inputs.leaderId,
    term: inputs.term,
    lastGoodSpec: inputs.spec ?? previous?.lastGoodSpec,
    specError: inputs.specError,
    managedCidrs: [...inputs.managedCidrs],
    lastPlan: hasActions ? { at: inputs.at, actions: outcome.plan.actions } : previous?.lastPlan,
    planWarnings: outcome ? outcome.plan.warnings.map(describeWarning) : previous?.planWarnings,
    lastApply: hasActions
      ? {
          at: inputs.at,
          changes: outcome.results.map((r) => ({ action: r.action, ok: r.ok, error: r.error })),
          stoppedByFence: outcome.stoppedByFence,
        }
      : previous?.lastApply,
    routeTables: outcome ? outcome.tables.map(routerRoutesOnly) : previous?.routeTables,
    routers: inputs.routers ? statusRouters(inputs.routers) : previous?.routers,
  };
}

/**
 * Routers in a stable shape: sorted by address, fields in one order, one entry per IP. The record is
 * compared as JSON with the previous one, so the same routers must always give the same text.
 */
function statusRouters(routers: readonly RouterEni[]): RouterEni[] {
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

function describeWarning(warning: Plan["warnings"][number]): string {
  const where = warning.routeTableId ? ` in ${warning.routeTableId}` : "";
  return `${warning.destinationCidrBlock}${where}: ${warning.message}`;
}

/**
 * A table with only its router (ENI/instance) routes: what operators look for in the status, and
 * small enough for an etcd value however many other routes the tables hold.
 */
function routerRoutesOnly(table: RouteTable): RouteTable {
  return { ...table, routes: table.routes.filter(isRouterRoute) };
}
