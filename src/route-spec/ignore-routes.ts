/**
 * vpc-router's `--ignore_routes`, in one place: reading its entries (CIDRs, or bare IPs), and which
 * entry protects a route. Pure. Semantics from vpc-router 1.8 (`vpcrouter/utils/__init__.py` `check_valid_ip_or_cidr` and
 * `is_cidr_in_cidr`, as pinned by `vpcrouter/tests/test_utils.py`).
 */
import { type CidrParseResult, cidrContains, cidrKey, type Ipv4Cidr, parseIpv4Cidr } from "./cidr.js";
import { parseIpv4 } from "./ipv4.js";

/**
 * Reads one `ignore_routes` entry as a CIDR: a CIDR stays as it is (strict: host bits set are refused,
 * as everywhere else in vpcrouter), a bare IP becomes its `/32`, except `0.0.0.0`, which means the
 * default route `0.0.0.0/0` (as in vpc-router).
 *
 * @param text - e.g. `"10.1.0.0/16"`, `"10.1.2.3"`, `"0.0.0.0"` (surrounding whitespace trimmed).
 * @returns `{ ok: true, cidr }` (e.g. `10.1.2.3/32`) or `{ ok: false, message }` naming the input.
 *   Never throws.
 */
export function normaliseIgnoredCidr(text: string): CidrParseResult {
  const trimmed = text.trim();
  if (trimmed.includes("/")) return parseIpv4Cidr(trimmed);
  const address = parseIpv4(trimmed);
  if (!address.ok) return { ok: false, message: `${JSON.stringify(trimmed)} ${address.reason}` };
  return parseIpv4Cidr(address.value === 0 ? "0.0.0.0/0" : `${address.address}/32`);
}

/**
 * True when the ignored block `ignored` protects the route to `cidr`: `cidr` equals or lies inside
 * `ignored`, except that `0.0.0.0/0` protects only the default route itself, not every route (so
 * that ignoring the default route does not switch vpcrouter off).
 *
 * @example ignoredCidrCovers(10.1.0.0/16, 10.1.1.0/24) → true; ignoredCidrCovers(0.0.0.0/0, 10.2.1.0/24) → false
 */
export function ignoredCidrCovers(ignored: Ipv4Cidr, cidr: Ipv4Cidr): boolean {
  if (ignored.prefixLength === 0) return cidr.prefixLength === 0;
  return cidrContains(ignored, cidr);
}

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
