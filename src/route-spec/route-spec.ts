/**
 * A validated route spec: destination CIDR (normalised, e.g. `10.55.16.0/24`) → eligible router IPs
 * (IPv4 dotted quads, duplicates removed, in the operator's order of preference).
 *
 * The wire format is vpc-router's JSON route spec (see docs/DESIGN.md section 2 "Route spec").
 */
export type RouteSpec = Readonly<Record<string, readonly string[]>>;

/** A valid spec and the mod revision of the `spec` key it was read from. */
export interface RevisionedSpec {
  readonly spec: RouteSpec;
  readonly revision: string;
}

/** Why the stored spec (at `revision`) is not in force. */
export interface SpecError {
  readonly revision: string;
  readonly message: string;
}

/** One problem found in a spec; `cidr` names the route it concerns when there is one. */
export interface SpecProblem {
  readonly cidr?: string;
  readonly message: string;
}

/** Outcome of parsing a spec: the spec, or every problem found (a spec is accepted or rejected whole). */
export type SpecParseResult =
  | { readonly ok: true; readonly spec: RouteSpec }
  | { readonly ok: false; readonly problems: readonly SpecProblem[] };

/** Every router IP of `spec`, once each, in first-seen order. */
export function routerIpsOf(spec: RouteSpec): string[] {
  return [...new Set(Object.values(spec).flat())];
}
