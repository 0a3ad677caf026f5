/**
 * Polling helper for tests, the demo and benchmarks: the one sanctioned way to wait for something
 * (no sleeps as synchronisation).
 */
import { setTimeout as delay } from "node:timers/promises";

/**
 * Evaluates `condition` until it returns (or resolves to) `true`, pausing `intervalMs` (default 10 ms)
 * between evaluations. It is evaluated at least once, and once more at the deadline.
 * A condition that throws or rejects counts as "not yet" (it may poll something that is still
 * starting); its last error is appended to the timeout message.
 * @param opts.timeoutMs give up after this many milliseconds
 * @param opts.intervalMs pause between evaluations, ms (default 10)
 * @param opts.message text of the timeout error (default "condition not met")
 * @throws Error `"<message> (after <timeoutMs> ms)"` when the condition is still not true at the deadline.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; message?: string | (() => string) },
): Promise<void> {
  const intervalMs = opts.intervalMs ?? 10;
  // The monotonic clock: a test that mocks or steps the wall clock must not stop the deadline.
  const deadline = performance.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if ((await condition()) === true) return;
    } catch (error) {
      lastError = error;
    }
    const remaining = deadline - performance.now();
    if (remaining <= 0) break;
    await delay(Math.min(intervalMs, remaining));
  }
  const cause = lastError === undefined ? "" : `; last error: ${String(lastError)}`;
  // A function message is built at the deadline, e.g. to include the logs of that moment.
  const message = typeof opts.message === "function" ? opts.message() : opts.message;
  throw new Error(`${message ?? "condition not met"} (after ${opts.timeoutMs} ms)${cause}`);
}
