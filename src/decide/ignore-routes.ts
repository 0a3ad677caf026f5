import { parseIpv4Cidr } from "../route-spec/cidr.js";
import { ignoredCidrCovers, normaliseIgnoredCidr } from "../route-spec/ignored-cidr.js";
import { cidrKey } from "./cidr-key.js";

/**
 * The `ignoreRoutes` entry that protects the route to `cidr` (vpc-router's `ignore_routes`), if any:
 * one that equals or contains it, `0.0.0.0/0` protecting only itself ({@link ignoredCidrCovers}).
 * Entries may be CIDRs or bare IPs (read by {@link normaliseIgnoredCidr}); an entry that is neither,
 * or a `cidr` that is not a valid CIDR, matches only the same text.
 *
 * @param cidr - a route's destination, e.g. `"10.1.2.0/24"`.
 * @param ignoreRoutes - the operator's list, e.g. `["10.1.0.0/16", "0.0.0.0/0"]`.
 * @returns the first protecting entry as written, or `undefined`.
 */
export function findIgnoringCidr(cidr: string, ignoreRoutes: readonly string[]): string | undefined {
  const route = parseIpv4Cidr(cidr);
  return ignoreRoutes.find((entry) => {
    const ignored = normaliseIgnoredCidr(entry);
    if (!ignored.ok || !route.ok) return cidrKey(entry) === cidrKey(cidr);
    return ignoredCidrCovers(ignored.cidr, route.cidr);
  });
}
