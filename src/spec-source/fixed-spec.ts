/**
 * The fixedconf mode (vpc-router's `--fixed_cidr` and `--fixed_hosts`): a one-route spec given in
 * the configuration, which never changes while the replica runs.
 */
import { validateSpec } from "../route-spec/parse.js";
import type { SpecParseResult } from "../route-spec/route-spec.js";
import type { SpecReading, SpecSource } from "./spec-source.js";

/** The settings of the fixedconf mode (`spec.fixedCidr`, `spec.fixedHosts`). */
export interface FixedSpecSettings {
  /** Destination CIDR, e.g. `10.55.16.0/24`. */
  readonly fixedCidr: string;
  /** Eligible router IPs, in order of preference. */
  readonly fixedHosts: readonly string[];
}

/**
 * Builds the one-route spec `{ fixedCidr: fixedHosts }` and validates it like any spec
 * (docs/DESIGN.md section 2 "Route spec"). Pure; never throws.
 * @param options.maxRoutes the spec limit (a one-route spec only exceeds a limit of 0)
 * @returns the normalised spec, or its problems (e.g. host bits set, a bad IP, no hosts).
 */
export function fixedSpec(
  settings: FixedSpecSettings,
  options: { readonly maxRoutes: number },
): SpecParseResult {
  return validateSpec({ [settings.fixedCidr]: [...settings.fixedHosts] }, options);
}

/**
 * A {@link SpecSource} holding the fixed spec: one reading, never a change event.
 * @returns the source; `close()` does nothing (there is nothing to watch).
 */
export function fixedSpecSource(
  settings: FixedSpecSettings,
  options: { readonly maxRoutes: number },
): SpecSource {
  const latest: SpecReading = {
    origin: `fixed spec (spec.fixedCidr ${settings.fixedCidr}, spec.fixedHosts ${settings.fixedHosts.join(":")})`,
    result: fixedSpec(settings, options),
  };
  return {
    latest,
    onChange: () => () => undefined,
    close: async () => undefined,
  };
}
