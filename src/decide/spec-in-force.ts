/**
 * Which spec governs the cluster: the stored one when it is valid, else the last good one
 * (docs/DESIGN.md section 2 "Route spec"). Pure.
 */
import { formatSpecProblems, parseSpec } from "../route-spec/parse.js";
import type { RevisionedSpec, SpecError } from "../route-spec/route-spec.js";

/** Which spec governs the cluster now, and why the stored one does not if it does not. */
export interface SpecDecision {
  readonly inForce?: RevisionedSpec;
  readonly error?: SpecError;
}

/**
 * Decides the spec in force (docs/DESIGN.md section 2 "Route spec"): the stored spec when it is valid; otherwise
 * the last good spec (the newer of this replica's memory and the leader's status record), so a bad
 * put or a deleted key never changes anything in the VPC. Pure; never throws.
 *
 * @param stored the raw `spec` key and its mod revision, if the key exists
 * @param lastGood candidates for the last good spec (undefined entries are skipped)
 */
export function decideSpec(
  stored: { readonly raw: string; readonly revision: string } | undefined,
  lastGood: readonly (RevisionedSpec | undefined)[],
  options: { readonly maxRoutes: number },
): SpecDecision {
  const fallback = newest(lastGood);
  if (!stored) {
    return fallback
      ? { inForce: fallback, error: { revision: "0", message: "the spec key is missing" } }
      : {};
  }
  const parsed = parseSpec(stored.raw, options);
  if (parsed.ok) return { inForce: { spec: parsed.spec, revision: stored.revision } };
  const message = formatSpecProblems(parsed.problems);
  return fallback
    ? { inForce: fallback, error: { revision: stored.revision, message } }
    : { error: { revision: stored.revision, message } };
}

function newest(candidates: readonly (RevisionedSpec | undefined)[]): RevisionedSpec | undefined {
  let best: RevisionedSpec | undefined;
  for (const candidate of candidates) {
    if (candidate && (!best || BigInt(candidate.revision) > BigInt(best.revision))) best = candidate;
  }
  return best;
}
