/**
 * Applying a plan's route actions to EC2, idempotently: CreateRoute / ReplaceRoute / DeleteRoute
 * with the router's ENI as target, falling back on EC2's error codes when the table is not as the
 * plan assumed (a concurrent edit, a stale read, EC2's eventual consistency):
 *
 * - ReplaceRoute → `InvalidParameterValue` (route missing) → CreateRoute
 * - DeleteRoute → `InvalidRoute.NotFound` → done (already gone)
 * - CreateRoute → `RouteAlreadyExists` → reported as not done, never a blind ReplaceRoute: the
 *   route that appeared may be a gateway or peering route that is not ours (DESIGN.md rule 5); the
 *   next reconcile reads it and decides.
 *
 * Before every attempt of every mutation, retries included, the guard (the leader's fencing check,
 * DESIGN.md rule 2) must allow it: a retry after a backoff must not outlive the leader's lease.
 * Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html,
 * API_ReplaceRoute.html, API_DeleteRoute.html, errors-overview.html
 */
import {
  CreateRouteCommand,
  DeleteRouteCommand,
  type EC2Client,
  ReplaceRouteCommand,
} from "@aws-sdk/client-ec2";
import type { RouteAction } from "../domain/route-action.js";
import type { ChangeResult } from "../domain/vpc-port.js";
import { ec2ErrorCode, ec2ErrorMessage } from "./ec2-errors.js";
import type { Ec2Policy } from "./ec2-policy.js";
import { admitAttempt, attemptSignal, type MutationGuard } from "./mutation-guard.js";

/** Outcome of one action. `durationMs` covers every call made for it, retries and fallbacks included. */
export type ApplyResult = ChangeResult;

/** Outcome of {@link applyActions}. Actions after a guard refusal are not attempted and have no result. */
export interface ApplyOutcome {
  readonly results: ApplyResult[];
  readonly stoppedByGuard: boolean;
}

type Mutation = "CreateRoute" | "ReplaceRoute" | "DeleteRoute";

/** The guard refused a mutation; `afterCalls` tells whether this action already called EC2. */
class GuardRefused extends Error {
  constructor(readonly afterCalls: number) {
    super("the leadership check refused the mutation");
  }
}

/** An action whose first call and fallback both failed; reports both. */
class FallbackFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function send(
  client: EC2Client,
  policy: Ec2Policy,
  mutation: Mutation,
  action: RouteAction,
  beforeAttempt: () => Promise<number | undefined>,
): Promise<unknown> {
  let budgetMs: number | undefined;
  const target = {
    RouteTableId: action.routeTableId,
    DestinationCidrBlock: action.destinationCidrBlock,
  };
  return policy.execute(
    mutation,
    (policySignal) => {
      // The attempt must end before the guard's deadline, whatever the call timeout says.
      const signal = attemptSignal(policySignal, budgetMs);
      if (mutation === "DeleteRoute")
        return client.send(new DeleteRouteCommand(target), { abortSignal: signal });
      if (action.kind === "delete") throw new Error(`${mutation} needs a target ENI`);
      const withEni = { ...target, NetworkInterfaceId: action.networkInterfaceId };
      return mutation === "CreateRoute"
        ? client.send(new CreateRouteCommand(withEni), { abortSignal: signal })
        : client.send(new ReplaceRouteCommand(withEni), { abortSignal: signal });
    },
    // Before every attempt, retries included; GuardRefused is not transient: no retry.
    async () => {
      budgetMs = await beforeAttempt();
    },
  );
}

/** The first call, its fallback on one EC2 error code, and what to do then. */
const PLANS: Readonly<
  Record<RouteAction["kind"], { first: Mutation; fallbackOn?: string; fallback?: Mutation | "done" }>
> = {
  create: { first: "CreateRoute" },
  replace: { first: "ReplaceRoute", fallbackOn: "InvalidParameterValue", fallback: "CreateRoute" },
  delete: { first: "DeleteRoute", fallbackOn: "InvalidRoute.NotFound", fallback: "done" },
};

/**
 * Runs one action with its fallback.
 * @throws GuardRefused before a refused mutation; FallbackFailed or the first call's error otherwise
 */
async function applyOne(
  client: EC2Client,
  policy: Ec2Policy,
  action: RouteAction,
  guard: MutationGuard,
): Promise<void> {
  let calls = 0;
  const beforeAttempt = async (): Promise<number | undefined> => {
    const admission = await admitAttempt(guard);
    if (!admission.allowed) throw new GuardRefused(calls);
    calls += 1;
    return admission.budgetMs;
  };
  const mutate = (mutation: Mutation) => send(client, policy, mutation, action, beforeAttempt);
  const plan = PLANS[action.kind];
  try {
    await mutate(plan.first);
    return;
  } catch (error) {
    if (error instanceof GuardRefused || !plan.fallback || ec2ErrorCode(error) !== plan.fallbackOn)
      throw error;
    if (plan.fallback === "done") return;
    try {
      await mutate(plan.fallback);
    } catch (fallbackError) {
      if (fallbackError instanceof GuardRefused) throw fallbackError;
      const fallbackCode = ec2ErrorCode(fallbackError);
      // RouteAlreadyExists after ReplaceRoute said "missing" means the first error was about
      // something else (e.g. a bad ENI): report that one.
      const loopsBack = plan.fallback === "CreateRoute" && fallbackCode === "RouteAlreadyExists";
      throw new FallbackFailed(
        loopsBack ? (plan.fallbackOn ?? fallbackCode) : fallbackCode,
        `${plan.first}: ${ec2ErrorMessage(error)}; then ${plan.fallback}: ${ec2ErrorMessage(fallbackError)}`,
      );
    }
  }
}

/**
 * Applies `actions` in the given order (the planner puts failovers first). Before each EC2
 * mutation (fallbacks included) `guard.mayMutate()` is awaited; on `false` (or a throw) nothing
 * further is sent and `stoppedByGuard` is true. A failed action does not stop the next ones (an
 * open breaker makes them fail fast without calling EC2). Never throws: errors are in the results.
 * @param actions route actions, in order
 * @param guard the leader's fencing check
 * @returns one result per attempted action, in order, and whether the guard stopped the run
 */
export async function applyActions(
  client: EC2Client,
  policy: Ec2Policy,
  actions: readonly RouteAction[],
  guard: MutationGuard,
): Promise<ApplyOutcome> {
  const results: ApplyResult[] = [];
  for (const action of actions) {
    const started = performance.now();
    try {
      await applyOne(client, policy, action, guard);
      results.push({ action, ok: true, durationMs: performance.now() - started });
    } catch (error) {
      const durationMs = performance.now() - started;
      if (error instanceof GuardRefused) {
        // Refused before this action's fallback: EC2 was called for it, so report it as not done.
        if (error.afterCalls > 0) {
          results.push({ action, ok: false, error: error.message, errorCode: "GuardRefused", durationMs });
        }
        return { results, stoppedByGuard: true };
      }
      const errorCode = error instanceof FallbackFailed ? error.code : ec2ErrorCode(error);
      results.push({ action, ok: false, error: ec2ErrorMessage(error), errorCode, durationMs });
    }
  }
  return { results, stoppedByGuard: false };
}
