/** Waiting for a promise for a bounded time, without leaving a timer behind. */

/** What {@link within} found: the promise's value, or that time ran out first. */
export type Within<T> = { readonly settled: true; readonly value: T } | { readonly settled: false };

/**
 * Races `promise` against `ms` milliseconds.
 * @returns `{ settled: true, value }` when it resolved in time, `{ settled: false }` when it did not
 * @throws what `promise` rejects with, if it rejects in time
 */
export async function within<T>(promise: Promise<T>, ms: number): Promise<Within<T>> {
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<Within<T>>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), ms);
  });
  try {
    return await Promise.race([promise.then((value) => ({ settled: true as const, value })), overrun]);
  } finally {
    clearTimeout(timer);
  }
}
