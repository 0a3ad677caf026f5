/**
 * Guarded EC2 mutations, written once for route changes and source/destination fixes alike: before
 * every attempt (retries included) the term fence must allow it, no attempt outlives the fence's
 * deadline, and a refusal stops the batch (docs/DESIGN.md, safety rule 2).
 */
import type { MutationGuard } from "../domain/mutation-guard.js";
import type { BatchOptions, BatchOutcome, Failure, Outcome } from "../domain/outcome.js";
import { GUARD_REFUSED, toFailure } from "./ec2-errors.js";
import type { Ec2Policy } from "./ec2-policy.js";

/** No attempt starts with less time than this before the guard's deadline, ms. */
const MIN_ATTEMPT_BUDGET_MS = 200;

/** The guard refused an attempt, which was not sent: nothing more is sent for this batch. */
export class GuardRefused extends Error {
  readonly code = GUARD_REFUSED;
  /** Never sent: the EC2 policy neither retries it nor counts it as an EC2 call. */
  readonly notSent = true;
  /** @param when when it was refused, for the message (e.g. "just before it was sent") */
  constructor(when?: string) {
    super(`the leadership check refused the mutation${when ? ` ${when}` : ""}`);
    this.name = "GuardRefused";
  }
}

/** A change that failed with a failure its caller already described (e.g. a call and its fallback). */
export class ChangeFailed extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = "ChangeFailed";
  }
}

/** Outcome of {@link admitAttempt}: refused, or allowed with an optional time budget (ms). */
type Admission = { readonly allowed: false } | { readonly allowed: true; readonly budgetMs?: number };

/**
 * Asks the guard whether one mutation attempt may start now. Never throws: a guard that throws, or
 * a budget under {@link MIN_ATTEMPT_BUDGET_MS} (or not a number), refuses.
 * @returns `{allowed: true, budgetMs}` with the time (ms) the attempt may take, `budgetMs` absent
 *   when the guard has no deadline
 */
async function admitAttempt(guard: MutationGuard): Promise<Admission> {
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
function attemptSignal(policySignal: AbortSignal, budgetMs: number | undefined): AbortSignal {
  return budgetMs === undefined
    ? policySignal
    : AbortSignal.any([policySignal, AbortSignal.timeout(Math.floor(budgetMs))]);
}

/** Sends guarded EC2 calls for one item of a batch (one route action, one ENI) and counts them. */
export class GuardedSender {
  /** Attempts the guard allowed so far (an attempt may have reached EC2 even if it failed). */
  calls = 0;

  constructor(
    private readonly policy: Ec2Policy,
    private readonly guard: MutationGuard,
  ) {}

  /**
   * One EC2 call under the policy (timeout, retry, breaker), the guard asked before every attempt.
   * @param action the EC2 action name (selects the breaker), e.g. `ReplaceRoute`
   * @param call sends the request; pass `signal` to the SDK as `abortSignal`, and wrap the command
   *   with `fence` (fence-at-send.ts), which checks the guard once more right before it leaves
   * @param beforeRetry runs before every attempt but the first (e.g. re-reads what the call would
   *   change); throwing from it ends the call with that error, unretried
   * @throws GuardRefused when the guard refuses an attempt (never retried); the call's error otherwise
   */
  send<T>(
    action: string,
    call: (signal: AbortSignal, mayMutateNow: () => boolean) => Promise<T>,
    beforeRetry?: () => Promise<void>,
  ): Promise<T> {
    let budgetMs: number | undefined;
    let attempts = 0;
    return this.policy.execute(
      action,
      // The attempt must end before the guard's deadline, whatever the call timeout says.
      (policySignal) =>
        call(attemptSignal(policySignal, budgetMs), () => this.guard.mayMutateNow?.() ?? true),
      async () => {
        if (attempts > 0) await beforeRetry?.();
        const admission = await admitAttempt(this.guard);
        if (!admission.allowed) throw new GuardRefused();
        attempts += 1;
        this.calls += 1;
        budgetMs = admission.budgetMs;
      },
    );
  }
}

/**
 * Runs `change` for each item, in order, each through its own {@link GuardedSender}. A failed item
 * does not stop the next ones (an open breaker makes them fail fast without calling EC2); a guard
 * refusal stops the batch. An item refused after EC2 was already called for it (e.g. before its
 * fallback) is reported as a `fenced` failure; one refused before any call has no outcome.
 * `options.preempt` is asked before each item and ends the batch there (`preempted`). Never throws.
 * @param change applies one item; throws what its calls threw, or {@link ChangeFailed}
 * @param describe turns an item and its outcome into the batch's result type
 */
export async function runGuardedBatch<I, R extends Outcome>(
  items: Iterable<I>,
  policy: Ec2Policy,
  guard: MutationGuard,
  change: (item: I, sender: GuardedSender) => Promise<void>,
  describe: (item: I, outcome: Outcome) => R,
  options: BatchOptions = {},
): Promise<BatchOutcome<R>> {
  const results: R[] = [];
  for (const item of items) {
    if (options.preempt?.() === true) return { results, stoppedByFence: false, preempted: true };
    const sender = new GuardedSender(policy, guard);
    const started = performance.now();
    try {
      await change(item, sender);
      results.push(describe(item, { ok: true, durationMs: performance.now() - started }));
    } catch (error) {
      const durationMs = performance.now() - started;
      if (error instanceof GuardRefused) {
        if (sender.calls > 0)
          results.push(describe(item, { ok: false, failure: toFailure(error), durationMs }));
        return { results, stoppedByFence: true };
      }
      const failure = error instanceof ChangeFailed ? error.failure : toFailure(error);
      results.push(describe(item, { ok: false, failure, durationMs }));
    }
  }
  return { results, stoppedByFence: false };
}
