/** What a reconcile pass tells the log: each route change, and plan warnings only when they change. */
import type { Logger } from "pino";
import type { RouteChangeOutcome } from "../domain/outcome.js";
import type { PlanWarning } from "../domain/route-action.js";

/** Logs one route change sent to EC2: `info` when done, `error` with EC2's code when not. */
export function logRouteChange(logger: Logger, change: RouteChangeOutcome): void {
  const { action } = change;
  const fields = {
    kind: action.kind,
    routeTableId: action.routeTableId,
    cidr: action.destinationCidrBlock,
    to: action.kind === "delete" ? undefined : action.routerIp,
    failover: action.failover,
    reason: action.reason,
    durationMs: change.durationMs,
  };
  if (change.ok && change.confirmedByRead)
    logger.warn(
      fields,
      `route ${action.kind} done: EC2 did not answer, the route tables read afterwards show it made`,
    );
  else if (change.ok) logger.info(fields, `route ${action.kind} done`);
  else
    logger.error(
      { ...fields, error: change.failure.message, errorCode: change.failure.code },
      `route ${action.kind} failed`,
    );
}

/**
 * Logs a plan's warnings when they differ from the last pass's: a CIDR whose routers all failed, or
 * an empty spec, would otherwise log the same lines at every recheck. One per term.
 */
export class PlanWarningLog {
  private lastKey = "";

  constructor(private readonly logger: Logger) {}

  log(warnings: readonly PlanWarning[]): void {
    const key = JSON.stringify(warnings);
    if (key === this.lastKey) return;
    this.lastKey = key;
    for (const warning of warnings) this.logger.warn({ ...warning }, "plan warning");
  }
}
