/**
 * Guarded EC2 mutations, written once for route changes and source/destination fixes alike: before
 * every attempt (retries included) the term fence must allow it, no attempt outlives the fence's
 * deadline, and a refusal stops the batch (docs/DESIGN.md, safety rule 2).
 */
import type { MutationGuard } from "../domain/mutation-guard.js";
import type { BatchOptions, BatchOutcome, Failure, Outcome } from "../domain/outcome.js";
import { GUARD_REFUSED, toFailure } from "./ec2-errors.js";
import type { Ec2Policy } from "./ec2-policy.js";
import { CallCancelled, type TokenRequest } from "./ec2-rate-limits.js";

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

  /** @param tokens how this item's calls wait for EC2 tokens (its priority, its batch's cancellation) */
  constructor(
    private readonly policy: Ec2Policy,
    private readonly guard: MutationGuard,
    private readonly tokens: TokenRequest = {},
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
      this.tokens,
    );
  }
}

/**
 * Runs `change` for each item, each through its own {@link GuardedSender}, up to
 * `options.concurrency` at once, started in the items' order (the planner puts failovers first, so
 * they take the first EC2 tokens too). A failed item does not stop the next ones (an open breaker makes them fail fast
 * without calling EC2); a guard refusal stops the batch: no item starts after it, the ones in
 * flight end on their own (each attempt is fenced). An item refused after EC2 was already called
 * for it (e.g. before its fallback) is reported as a `fenced` failure; one refused before any call
 * has no outcome. `options.preempt` is asked before each item starts and ends the batch there
 * (`preempted`). Never throws.
 * @param change applies one item; throws what its calls threw, or {@link ChangeFailed}
 * @param describe turns an item and its outcome into the batch's result type
 * @param priorityOf an item's place when its calls wait for EC2 tokens (lower first; default 1)
 * @returns the outcomes in the items' order
 */
export async function runGuardedBatch<I, R extends Outcome>(
  items: Iterable<I>,
  policy: Ec2Policy,
  guard: MutationGuard,
  change: (item: I, sender: GuardedSender) => Promise<void>,
  describe: (item: I, outcome: Outcome) => R,
  options: BatchOptions = {},
  priorityOf: (item: I) => number = () => 1,
): Promise<BatchOutcome<R>> {
  const queue = [...items];
  const results: (R | undefined)[] = [];
  let next = 0;
  let stoppedByFence = false;
  let preempted = false;
  const runOne = async (index: number, item: I): Promise<void> => {
    // A change still waiting for its first EC2 token gives up once the batch is over (refused or
    // pre-empted); one that has reached EC2 goes on to its end (never cut between attempts).
    const cancelled = () =>
      sender.calls === 0 && (stoppedByFence || preempted || options.preempt?.() === true);
    const sender: GuardedSender = new GuardedSender(policy, guard, { priority: priorityOf(item), cancelled });
    const started = performance.now();
    try {
      await change(item, sender);
      results[index] = describe(item, { ok: true, durationMs: performance.now() - started });
    } catch (error) {
      const durationMs = performance.now() - started;
      if (error instanceof GuardRefused) {
        stoppedByFence = true;
        if (sender.calls > 0)
          results[index] = describe(item, { ok: false, failure: toFailure(error), durationMs });
        return;
      }
      if (error instanceof CallCancelled) {
        preempted = true;
        if (sender.calls > 0)
          results[index] = describe(item, { ok: false, failure: toFailure(error), durationMs });
        return;
      }
      const failure = error instanceof ChangeFailed ? error.failure : toFailure(error);
      results[index] = describe(item, { ok: false, failure, durationMs });
    }
  };
  const worker = async (): Promise<void> => {
    while (next < queue.length && !stoppedByFence && !preempted) {
      if (options.preempt?.() === true) {
        preempted = true;
        return;
      }
      const index = next++;
      await runOne(index, queue[index] as I);
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(options.concurrency ?? 1), queue.length));
  await Promise.all(Array.from({ length: workers }, worker));
  const done = results.filter((result): result is R => result !== undefined);
  return preempted && !stoppedByFence
    ? { results: done, stoppedByFence, preempted }
    : { results: done, stoppedByFence };
}
