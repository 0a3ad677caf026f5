/**
 * Applying a plan's route actions to EC2, idempotently: CreateRoute / ReplaceRoute / DeleteRoute
 * with the router's ENI as target, falling back on EC2's error codes when the table is not as the
 * plan assumed (a concurrent edit, a stale read, EC2's eventual consistency):
 *
 * - ReplaceRoute → `InvalidParameterValue` (route missing) → CreateRoute
 * - DeleteRoute → `InvalidRoute.NotFound` → done (already gone)
 * - CreateRoute → `RouteAlreadyExists` → reported as not done, never a blind ReplaceRoute: the
 *   route that appeared may be a gateway or peering route that is not ours (docs/DESIGN.md, safety rule 5); the
 *   next reconcile reads it and decides.
 *
 * Before every attempt of every mutation, retries included, the guard (the leader's fencing check,
 * docs/DESIGN.md, safety rule 2) must allow it: a retry after a backoff must not outlive the leader's lease.
 * Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html,
 * API_ReplaceRoute.html, API_DeleteRoute.html, errors-overview.html
 */

import {
  CreateRouteCommand,
  DeleteRouteCommand,
  type EC2Client,
  ReplaceRouteCommand,
} from "@aws-sdk/client-ec2";
import { trace } from "@opentelemetry/api";
import type { MutationGuard } from "../domain/mutation-guard.js";
import type { BatchOptions, BatchOutcome, RouteChangeOutcome } from "../domain/outcome.js";
import type { RouteAction } from "../domain/route-action.js";
import { EC2_ERROR, ec2ErrorCode, ec2ErrorMessage, toFailure } from "./ec2-errors.js";
import type { Ec2Policy } from "./ec2-policy.js";
import { CallCancelled } from "./ec2-rate-limits.js";
import { fenceAtSend } from "./fence-at-send.js";
import { ChangeFailed, type GuardedSender, GuardRefused, runGuardedBatch } from "./guarded-call.js";
import { readRoute } from "./route-table-reader.js";

type Mutation = "CreateRoute" | "ReplaceRoute" | "DeleteRoute";

/**
 * Sends one route mutation for `action` through the guarded sender. Before a retry of a replace or
 * a delete the route is read again: if something that is not a router (a gateway, a NAT, a peering)
 * holds the destination since the plan's read, the change is dropped (docs/DESIGN.md, safety rule 5).
 */
function send(
  client: EC2Client,
  policy: Ec2Policy,
  sender: GuardedSender,
  mutation: Mutation,
  action: RouteAction,
): Promise<unknown> {
  const target = {
    RouteTableId: action.routeTableId,
    DestinationCidrBlock: action.destinationCidrBlock,
  };
  const stillOurs = async () => {
    const route = await readRoute(client, policy, action.routeTableId, action.destinationCidrBlock);
    if (route && route.target.kind !== "eni" && route.target.kind !== "instance") {
      const holder = "id" in route.target ? `${route.target.kind} ${route.target.id}` : route.target.kind;
      throw new ChangeFailed({
        code: ROUTE_TAKEN_OVER,
        message: `${action.destinationCidrBlock} in ${action.routeTableId} is now held by ${holder}; not changed`,
        kind: "permanent",
      });
    }
  };
  return sender.send(
    mutation,
    (abortSignal, mayMutateNow) => {
      // The active span is this call's (ec2-policy.ts): say which route it changes, and how.
      trace.getActiveSpan()?.setAttributes({
        "vpcrouter.route_table": action.routeTableId,
        "vpcrouter.cidr": action.destinationCidrBlock,
        "vpcrouter.failover": action.failover,
        ...(action.kind === "delete" ? {} : { "vpcrouter.target_router": action.routerIp }),
        ...(action.kind !== "delete" && action.failedRouterIp
          ? { "vpcrouter.failed_router": action.failedRouterIp }
          : {}),
      });
      if (mutation === "DeleteRoute")
        return client.send(fenceAtSend(new DeleteRouteCommand(target), mayMutateNow), { abortSignal });
      if (action.kind === "delete") throw new Error(`${mutation} needs a target ENI`);
      const withEni = { ...target, NetworkInterfaceId: action.networkInterfaceId };
      return mutation === "CreateRoute"
        ? client.send(fenceAtSend(new CreateRouteCommand(withEni), mayMutateNow), { abortSignal })
        : client.send(fenceAtSend(new ReplaceRouteCommand(withEni), mayMutateNow), { abortSignal });
    },
    mutation === "CreateRoute" ? undefined : stillOurs,
  );
}

/** A refusal by the fence or a cancelled wait for a token: the batch ends, nothing was sent for it. */
function isNotSentHere(error: unknown): boolean {
  return error instanceof GuardRefused || error instanceof CallCancelled;
}

/** The failure code of a change dropped because a non-router route took the destination over. */
export const ROUTE_TAKEN_OVER = "RouteTakenOver";

/** The first call, its fallback on one EC2 error code, and what to do then. */
const PLANS: Readonly<
  Record<RouteAction["kind"], { first: Mutation; fallbackOn?: string; fallback?: Mutation | "done" }>
> = {
  create: { first: "CreateRoute" },
  replace: { first: "ReplaceRoute", fallbackOn: EC2_ERROR.invalidParameterValue, fallback: "CreateRoute" },
  delete: { first: "DeleteRoute", fallbackOn: EC2_ERROR.routeNotFound, fallback: "done" },
};

/**
 * Runs one action with its fallback.
 * @throws GuardRefused before a refused mutation; ChangeFailed when the fallback failed too; the
 *   first call's error otherwise
 */
async function applyOne(
  client: EC2Client,
  policy: Ec2Policy,
  action: RouteAction,
  sender: GuardedSender,
): Promise<void> {
  const plan = PLANS[action.kind];
  try {
    await send(client, policy, sender, plan.first, action);
    return;
  } catch (error) {
    if (isNotSentHere(error) || !plan.fallback || ec2ErrorCode(error) !== plan.fallbackOn) throw error;
    if (plan.fallback === "done") return;
    try {
      await send(client, policy, sender, plan.fallback, action);
    } catch (fallbackError) {
      if (isNotSentHere(fallbackError)) throw fallbackError;
      const fallbackCode = ec2ErrorCode(fallbackError);
      // RouteAlreadyExists after ReplaceRoute said "missing" means the first error was about
      // something else (e.g. a bad ENI): report that one.
      const loopsBack = plan.fallback === "CreateRoute" && fallbackCode === EC2_ERROR.routeAlreadyExists;
      const message = `${plan.first}: ${ec2ErrorMessage(error)}; then ${plan.fallback}: ${ec2ErrorMessage(fallbackError)}`;
      throw new ChangeFailed(
        toFailure(new Error(message), loopsBack ? (plan.fallbackOn ?? fallbackCode) : fallbackCode),
      );
    }
  }
}

/**
 * Applies `actions`, started in the given order (the planner puts failovers first) and up to
 * `options.concurrency` at once. Before each EC2
 * mutation (fallbacks included) `guard.mayMutate()` is awaited; on `false` (or a throw) nothing
 * further is sent and `stoppedByFence` is true. A failed action does not stop the next ones (an
 * open breaker makes them fail fast without calling EC2). Never throws: errors are in the results.
 * @param actions route actions, in order
 * @param guard the leader's term fence
 * @param options `preempt`, asked before each action, ends the run early
 * @returns one outcome per attempted action, in order, and whether the fence stopped the run
 */
export async function applyActions(
  client: EC2Client,
  policy: Ec2Policy,
  actions: readonly RouteAction[],
  guard: MutationGuard,
  options: BatchOptions = {},
): Promise<BatchOutcome<RouteChangeOutcome>> {
  const run = (phase: readonly RouteAction[]) =>
    runGuardedBatch(
      phase,
      policy,
      guard,
      (action, sender) => applyOne(client, policy, action, sender),
      (action, outcome) => ({ ...outcome, action }),
      options,
      // Waiting for EC2 tokens: failovers first (docs/DESIGN.md, safety rule 7).
      (action) => (action.failover ? 0 : 1),
    );
  // Deletes last, after every create and replace has been answered: a delete that overtook the
  // route replacing it (a /24 widened to a /23) would leave its traffic without a route meanwhile.
  const routed = await run(actions.filter((action) => action.kind !== "delete"));
  const deletes = actions.filter((action) => action.kind === "delete");
  if (deletes.length === 0 || routed.stoppedByFence || routed.preempted) return routed;
  const deleted = await run(deletes);
  return { ...deleted, results: [...routed.results, ...deleted.results] };
}
