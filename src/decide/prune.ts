/**
 * Which routes outside the spec the leader may delete (docs/DESIGN.md, safety rule 5). Pure.
 */
import type { RouteAction } from "../domain/route-action.js";
import type { RouteTable } from "../domain/route-table.js";
import { cidrKey } from "../route-spec/cidr.js";
import { findIgnoringCidr } from "../route-spec/ignore-routes.js";
import { isRouterRoute } from "./route-target.js";

/** Which routes outside the spec the planner may delete. */
export interface PruneInput {
  readonly tables: readonly RouteTable[];
  /** Canonical CIDRs of the spec: never pruned. */
  readonly specCidrs: ReadonlySet<string>;
  /** CIDRs this cluster manages (recorded under `<prefix>/status`). */
  readonly managedCidrs: ReadonlySet<string>;
  /** `managed`: delete only managed CIDRs; `all`: vpc-router's behaviour, any ENI/instance route. */
  readonly prune: "managed" | "all";
  /** CIDRs never deleted, nor anything they contain (vpc-router's `ignore_routes`). */
  readonly ignoreRoutes: readonly string[];
}

/**
 * Deletions of routes that are no longer wanted (docs/DESIGN.md, safety rule 5). A route is deleted when all hold:
 * its target is an ENI or instance; its CIDR is not in the spec; no `ignoreRoutes` CIDR contains it;
 * and `prune` is `all` or the CIDR is managed by this cluster. Local, gateway and other routes are
 * never deleted.
 *
 * @returns delete actions (never failovers), in table and route order.
 */
export function planPrune(input: PruneInput): RouteAction[] {
  const managed = new Set([...input.managedCidrs].map(cidrKey));
  const deletions: RouteAction[] = [];
  for (const table of input.tables) {
    for (const route of table.routes) {
      const cidr = cidrKey(route.destinationCidrBlock);
      if (!isRouterRoute(route) || input.specCidrs.has(cidr)) continue;
      if (findIgnoringCidr(cidr, input.ignoreRoutes) !== undefined) continue;
      const isManaged = managed.has(cidr);
      if (input.prune !== "all" && !isManaged) continue;
      deletions.push({
        kind: "delete",
        routeTableId: table.routeTableId,
        destinationCidrBlock: route.destinationCidrBlock,
        failover: false,
        reason: isManaged ? "managed route no longer in spec" : "not in spec (prune all)",
      });
    }
  }
  return deletions;
}
