/**
 * Reading untyped JSON documents (a `GET /status` body) defensively: a missing or differently
 * shaped part reads as absent, never as an exception.
 */

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** `value[key]` when it is a JSON object, else undefined. */
export function objectAt(value: unknown, key: string): JsonObject | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const inner = (value as JsonObject)[key];
  return typeof inner === "object" && inner !== null && !Array.isArray(inner)
    ? (inner as JsonObject)
    : undefined;
}

/** `value[key]` when it is a list, else the empty list. */
export function listAt(value: unknown, key: string): unknown[] {
  if (typeof value !== "object" || value === null) return [];
  const inner = (value as JsonObject)[key];
  return Array.isArray(inner) ? inner : [];
}

/** `value[key]` as text when it is a string or a number, else undefined. */
export function textAt(value: unknown, key: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const inner = (value as JsonObject)[key];
  return typeof inner === "string" || typeof inner === "number" ? String(inner) : undefined;
}
