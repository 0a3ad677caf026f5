/**
 * The order a plan's actions are applied in: failovers first, deletes last (docs/DESIGN.md,
 * safety rule 7). Pure.
 */
import type { RouteAction } from "../domain/route-action.js";
import { compareCidrText } from "../route-spec/cidr.js";

/** 0: failovers (move traffic off failed routers), 1: other creates/replaces, 2: deletes. */
function group(action: RouteAction): number {
  if (action.failover) return 0;
  return action.kind === "delete" ? 2 : 1;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Puts actions in the order to apply them (docs/DESIGN.md, safety rule 7): failovers first, then other creates
 * and replaces, then deletes; within each group by CIDR (numerically) and then route table id.
 *
 * @returns a new array; the input is not changed. Deterministic for any input order.
 */
export function orderActions(actions: readonly RouteAction[]): RouteAction[] {
  return [...actions].sort(
    (a, b) =>
      group(a) - group(b) ||
      compareCidrText(a.destinationCidrBlock, b.destinationCidrBlock) ||
      compareText(a.routeTableId, b.routeTableId) ||
      compareText(a.destinationCidrBlock, b.destinationCidrBlock) ||
      compareText(a.kind, b.kind),
  );
}
