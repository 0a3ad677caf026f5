/**
 * When the state hook runs and with which facts: leadership gained or lost (from the replica's
 * states) and each reconcile pass that failed a route over (from the leader's reports).
 */
import type { ReconcileReport } from "../leader/reconcile-pass.js";
import type { ReplicaState } from "../replica/replica-state.js";
import type { StateHook } from "./state-hook.js";

/**
 * A replica state listener that notifies `hook` when this replica becomes leader
 * (`VPCROUTER_EVENT=became-leader`) or stops leading (`lost-leadership`), with
 * `VPCROUTER_REPLICA_ID`, `VPCROUTER_ZONE`, `VPCROUTER_TERM` (the term gained or lost) and
 * `VPCROUTER_LEADER_ID` (who leads now, empty when unknown).
 */
export function leadershipHook(hook: StateHook): (state: ReplicaState) => void {
  let term: string | undefined;
  return (state) => {
    const facts = {
      VPCROUTER_REPLICA_ID: state.member.id,
      VPCROUTER_ZONE: state.member.zone,
      VPCROUTER_LEADER_ID: state.snapshot?.leader?.replicaId ?? "",
    };
    const leading = state.leading?.term;
    if (leading !== undefined && leading !== term) {
      if (term !== undefined) hook.notify("lost-leadership", { ...facts, VPCROUTER_TERM: term });
      hook.notify("became-leader", { ...facts, VPCROUTER_TERM: leading });
    } else if (leading === undefined && term !== undefined) {
      hook.notify("lost-leadership", { ...facts, VPCROUTER_TERM: term });
    }
    term = leading;
  };
}

/**
 * Notifies `hook` (`VPCROUTER_EVENT=failover`) after a pass that moved routes away from failed
 * routers: `VPCROUTER_FAILED_ROUTERS` (comma list), `VPCROUTER_ROUTE_CHANGES` (JSON list of
 * `{routeTableId, destinationCidrBlock, routerIp}` made), `VPCROUTER_REPLICA_ID`.
 */
export function failoverHook(hook: StateHook, replicaId: string): (report: ReconcileReport) => void {
  return (report) => {
    const moved = report.results.flatMap((result) =>
      result.ok && result.action.kind !== "delete" && result.action.failedRouterIp !== undefined
        ? [result.action]
        : [],
    );
    if (moved.length === 0) return;
    const failed = [...new Set(moved.map((action) => action.failedRouterIp))].sort();
    hook.notify("failover", {
      VPCROUTER_REPLICA_ID: replicaId,
      VPCROUTER_FAILED_ROUTERS: failed.join(","),
      VPCROUTER_ROUTE_CHANGES: JSON.stringify(
        moved.map(({ routeTableId, destinationCidrBlock, routerIp }) => ({
          routeTableId,
          destinationCidrBlock,
          routerIp,
        })),
      ),
    });
  };
}
