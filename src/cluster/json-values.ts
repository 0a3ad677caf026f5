/** Parsing JSON values read from etcd into checked shapes, collecting problems instead of throwing. */

/** One key-value as read from etcd (revisions are int64 decimal strings). */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly createRevision: string;
  readonly modRevision: string;
  /** Lease id (decimal string), "0" when the key has no lease. */
  readonly lease: string;
}

/**
 * The value of `kv` parsed as JSON and checked by `guard`, or undefined (and a line in `problems`
 * naming the key) when it does not parse or has another shape. Never throws.
 */
export function parseJson<T>(
  kv: KeyValue,
  problems: string[],
  guard: (value: unknown) => value is T,
): T | undefined {
  try {
    const value: unknown = JSON.parse(kv.value);
    if (guard(value)) return value;
    problems.push(`${kv.key}: unexpected shape`);
  } catch (error) {
    problems.push(`${kv.key}: ${(error as Error).message}`);
  }
  return undefined;
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
