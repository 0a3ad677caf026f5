/**
 * Polling helper for tests: the one sanctioned way to wait for something to happen (no sleeps as
 * synchronisation).
 */
import { setTimeout as delay } from "node:timers/promises";

/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Pause between two evaluations of the condition, in ms (default 10). */
  intervalMs?: number;
  /** Message of the error thrown on timeout (default "condition not met"). */
  message?: string;
}

/**
 * Evaluates `condition` until it returns (or resolves to) true.
 * The condition is always evaluated at least once, and once more at the deadline.
 * A condition that throws or rejects counts as false (it may be probing something not ready yet).
 * @throws Error `"<message> (after <timeoutMs> ms)"` when the condition is still false after `timeoutMs`.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; message?: string },
): Promise<void> {
  const intervalMs = opts.intervalMs ?? 10;
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await evaluate(condition)) return;
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    await delay(Math.min(intervalMs, remaining));
  }
  throw new Error(`${opts.message ?? "condition not met"} (after ${opts.timeoutMs} ms)`);
}

async function evaluate(condition: () => boolean | Promise<boolean>): Promise<boolean> {
  try {
    return (await condition()) === true;
  } catch {
    return false;
  }
}
