/**
 * Settling route changes EC2 did not answer: the request may have been applied, so the route
 * tables read after the batch decide whether it was (a write EC2 made must not be reported failed).
 */
import type { RouteChangeOutcome } from "../domain/outcome.js";
import type { RouteTable } from "../domain/route-table.js";

/**
 * Each change whose failure is `unknown` becomes done (`confirmedByRead`) when `tables` show its
 * effect: the route targeting the action's ENI for a create or replace, no route for a delete.
 * Every other outcome is returned as it was. Pure.
 * @param tables the route tables as read after the batch
 */
export function settleUnknownChanges(
  changes: readonly RouteChangeOutcome[],
  tables: readonly RouteTable[],
): RouteChangeOutcome[] {
  return changes.map((change) => {
    if (change.ok || change.failure.kind !== "unknown") return change;
    const { action } = change;
    const table = tables.find((candidate) => candidate.routeTableId === action.routeTableId);
    if (!table) return change;
    const route = table.routes.find(
      (candidate) => candidate.destinationCidrBlock === action.destinationCidrBlock,
    );
    const applied =
      action.kind === "delete"
        ? route === undefined
        : route?.target.kind === "eni" && route.target.networkInterfaceId === action.networkInterfaceId;
    return applied ? { action, ok: true, durationMs: change.durationMs, confirmedByRead: true } : change;
  });
}
