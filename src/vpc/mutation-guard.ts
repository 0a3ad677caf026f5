/**
 * The leader's fencing check as the EC2 mutation code sees it (DESIGN.md rule 2): before every
 * attempt of every mutation, retries included, the guard must allow it, and no attempt may outlive
 * the guard's deadline (a retry after a backoff must not outlive the leader's lease).
 */

/** Decides whether a mutation may be made now (the leader's fencing check). Throwing counts as "no". */
export interface MutationGuard {
  mayMutate(): Promise<boolean> | boolean;
  /**
   * How long (ms) mutations stay allowed from now, if bounded (the leader's lease deadline): an
   * attempt gets no longer than that, and none starts with less than {@link MIN_ATTEMPT_BUDGET_MS} left.
   */
  remainingMs?(): number;
}

/** No attempt starts with less time than this before the guard's deadline, ms. */
export const MIN_ATTEMPT_BUDGET_MS = 200;

/** Outcome of {@link admitAttempt}: refused, or allowed with an optional time budget (ms). */
export type Admission = { readonly allowed: false } | { readonly allowed: true; readonly budgetMs?: number };

/**
 * Asks the guard whether one mutation attempt may start now. Never throws: a guard that throws,
 * or a budget under {@link MIN_ATTEMPT_BUDGET_MS} (or not a number), refuses.
 * @returns `{allowed: true, budgetMs}` with the time (ms) the attempt may take, `budgetMs` absent
 *   when the guard has no deadline
 */
export async function admitAttempt(guard: MutationGuard): Promise<Admission> {
  try {
    if ((await guard.mayMutate()) !== true) return { allowed: false };
  } catch {
    return { allowed: false };
  }
  const budgetMs = guard.remainingMs?.();
  if (budgetMs === undefined) return { allowed: true };
  return budgetMs >= MIN_ATTEMPT_BUDGET_MS ? { allowed: true, budgetMs } : { allowed: false };
}

/**
 * The abort signal of one attempt: the policy's (its per-call timeout), ended earlier by the guard's
 * budget when there is one.
 * @param budgetMs the attempt's budget from {@link admitAttempt}, ms
 */
export function attemptSignal(policySignal: AbortSignal, budgetMs: number | undefined): AbortSignal {
  return budgetMs === undefined
    ? policySignal
    : AbortSignal.any([policySignal, AbortSignal.timeout(Math.floor(budgetMs))]);
}
