/**
 * IPv4 CIDR blocks: strict parsing (host bits clear), containment, ordering and canonical text. Pure.
 */
import ipaddr from "ipaddr.js";
import { formatIpv4, parseIpv4 } from "./ipv4.js";

/** An IPv4 CIDR block: network address (host bits clear) as a 32-bit number and prefix length 0..32. */
export interface Ipv4Cidr {
  /** Canonical text, e.g. `"10.55.16.0/24"`. */
  readonly text: string;
  /** Network address as an unsigned 32-bit number. */
  readonly network: number;
  readonly prefixLength: number;
}

/** Outcome of reading one CIDR: the block, or a message that names the input. */
export type CidrParseResult =
  | { readonly ok: true; readonly cidr: Ipv4Cidr }
  | { readonly ok: false; readonly message: string };

/** Prefix length in canonical decimal: 0..32, no leading zeros. */
const PREFIX_LENGTH = /^(0|[1-9][0-9]?)$/;

/** Number of addresses covered by one host-part bit pattern: 2^(32 - prefixLength). */
function blockSize(prefixLength: number): number {
  return 2 ** (32 - prefixLength);
}

/**
 * Reads a strict IPv4 CIDR `a.b.c.d/n` (surrounding whitespace is trimmed). A bare address without
 * `/n`, host bits set, IPv6, and non-canonical numbers (leading zeros) are all refused: a route spec
 * must mean exactly one thing.
 *
 * @param text - e.g. `"10.55.16.0/24"`.
 * @returns `{ ok: true, cidr }` or `{ ok: false, message }`, where `message` is a full sentence naming
 *   the input, e.g. `10.55.16.1/24 has host bits set (did you mean 10.55.16.0/24?)`. Never throws.
 */
export function parseIpv4Cidr(text: string): CidrParseResult {
  const known = PARSED.get(text);
  if (known !== undefined) return known;
  // The planner parses the same few thousand destinations on every pass: remember them, boundedly.
  if (PARSED.size >= PARSED_CACHE_LIMIT) PARSED.clear();
  const parsed = Object.freeze(parseUncached(text));
  PARSED.set(text, parsed);
  return parsed;
}

/** Parse results by input text; results are immutable, so they can be shared. */
const PARSED = new Map<string, CidrParseResult>();
/** Entries the cache may hold before it starts again (about 10 MB at most). */
const PARSED_CACHE_LIMIT = 100_000;

function parseUncached(text: string): CidrParseResult {
  const trimmed = text.trim();
  const quoted = JSON.stringify(trimmed);
  const slash = trimmed.indexOf("/");
  if (slash < 0) {
    if (ipaddr.IPv6.isValid(trimmed))
      return { ok: false, message: `${quoted} is IPv6; only IPv4 is supported` };
    const hint = parseIpv4(trimmed).ok ? `, e.g. ${trimmed}/32` : "";
    return { ok: false, message: `${quoted} is not a CIDR (expected a.b.c.d/n${hint})` };
  }
  const addressText = trimmed.slice(0, slash);
  const prefixText = trimmed.slice(slash + 1);
  if (ipaddr.IPv6.isValid(addressText)) {
    return { ok: false, message: `${quoted} is IPv6; only IPv4 is supported` };
  }
  const address = parseIpv4(addressText);
  if (!address.ok) return { ok: false, message: `${quoted} is not a CIDR: the address ${address.reason}` };
  if (!PREFIX_LENGTH.test(prefixText) || Number(prefixText) > 32) {
    return {
      ok: false,
      message: `${quoted} is not a CIDR: the prefix length must be 0..32 without leading zeros`,
    };
  }
  const prefixLength = Number(prefixText);
  const network = address.value - (address.value % blockSize(prefixLength));
  const canonical = `${formatIpv4(network)}/${prefixLength}`;
  if (network !== address.value) {
    return { ok: false, message: `${trimmed} has host bits set (did you mean ${canonical}?)` };
  }
  return { ok: true, cidr: Object.freeze({ text: canonical, network, prefixLength }) };
}

/** True when every address of `inner` is also in `outer` (e.g. `10.0.0.0/8` contains `10.1.0.0/16`). */
export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  if (outer.prefixLength > inner.prefixLength) return false;
  return inner.network - (inner.network % blockSize(outer.prefixLength)) === outer.network;
}

/**
 * Orders CIDRs by network address, then prefix length (`10.0.0.0/8` < `10.0.0.0/16` < `10.1.0.0/16`).
 * Strings that are not valid CIDRs sort after all valid ones, by code unit. Total and deterministic.
 */
export function compareCidrText(a: string, b: string): number {
  const pa = parseIpv4Cidr(a);
  const pb = parseIpv4Cidr(b);
  if (pa.ok && pb.ok) {
    return pa.cidr.network - pb.cidr.network || pa.cidr.prefixLength - pb.cidr.prefixLength;
  }
  if (pa.ok !== pb.ok) return pa.ok ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The canonical text of a CIDR for comparisons (`" 10.0.0.0/8"` → `"10.0.0.0/8"`); text that is not
 * a valid IPv4 CIDR is compared as written (trimmed). Lets the planner match spec keys, EC2 route
 * destinations, managed CIDRs and `ignore_routes` without caring who wrote them how.
 */
export function cidrKey(text: string): string {
  const parsed = parseIpv4Cidr(text);
  return parsed.ok ? parsed.cidr.text : text.trim();
}
