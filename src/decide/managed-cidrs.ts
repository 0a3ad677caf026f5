/** Which CIDRs this cluster manages (docs/DESIGN.md, safety rule 5): the set prune may delete from. */
import type { RouteTable } from "../domain/route-table.js";
import type { RouteSpec } from "../route-spec/route-spec.js";
import { isRouterRoute } from "./route-target.js";

/**
 * The CIDRs this cluster manages after a reconcile: every CIDR of the spec in force, plus every
 * formerly managed CIDR that still has a router (ENI/instance) route in some table — so a CIDR
 * removed from the spec stays managed until its routes are gone. Sorted. Pure.
 * @param previous the managed CIDRs recorded before (`<prefix>/status`)
 * @param tables the route tables as last read
 */
export function nextManagedCidrs(
  previous: readonly string[],
  spec: RouteSpec,
  tables: readonly Pick<RouteTable, "routes">[],
): string[] {
  const stillRouted = new Set(
    tables.flatMap((table) => table.routes.filter(isRouterRoute).map((route) => route.destinationCidrBlock)),
  );
  const managed = new Set(Object.keys(spec));
  for (const cidr of previous) if (stillRouted.has(cidr)) managed.add(cidr);
  return [...managed].sort();
}
