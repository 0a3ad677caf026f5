/**
 * IPv4 addresses: strict dotted-quad parsing and numeric ordering. Pure.
 */
import ipaddr from "ipaddr.js";

/**
 * A canonical IPv4 dotted quad: four decimal octets 0..255, no leading zeros, no signs, no spaces.
 * Leading zeros are refused because `inet_aton` and many tools read them as octal (`010` = 8), so
 * `010.1.2.3` means different addresses to different programs (RFC 6943 §3.1.1).
 */
const CANONICAL_DOTTED_QUAD =
  /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;

/** Outcome of reading one IPv4 address: its canonical text and 32-bit value, or why it is not one. */
export type Ipv4ParseResult =
  | { readonly ok: true; readonly address: string; readonly value: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads a strict IPv4 dotted quad (surrounding whitespace is trimmed).
 *
 * @param text - e.g. `"10.33.20.142"`.
 * @returns `{ ok: true, address, value }` with `value` the address as an unsigned 32-bit number, or
 *   `{ ok: false, reason }` where `reason` completes the sentence "<text> …" (e.g. "is IPv6; only
 *   IPv4 is supported"). Never throws.
 */
export function parseIpv4(text: string): Ipv4ParseResult {
  const trimmed = text.trim();
  const match = CANONICAL_DOTTED_QUAD.exec(trimmed);
  if (match !== null) {
    const octets = match.slice(1, 5).map(Number);
    if (octets.every((octet) => octet <= 255)) {
      const value = octets.reduce((acc, octet) => acc * 256 + octet, 0);
      return { ok: true, address: octets.join("."), value };
    }
    return { ok: false, reason: "has an octet above 255" };
  }
  if (ipaddr.IPv6.isValid(trimmed)) return { ok: false, reason: "is IPv6; only IPv4 is supported" };
  if (/^[0-9]+(\.[0-9]+){3}$/.test(trimmed)) {
    return { ok: false, reason: "has an octet with a leading zero (ambiguous: octal or decimal?)" };
  }
  return { ok: false, reason: "is not an IPv4 dotted quad (a.b.c.d)" };
}

/** Formats an unsigned 32-bit number as a dotted quad, e.g. `167772160` → `"10.0.0.0"`. */
export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/**
 * Orders IPv4 addresses given as text by their numeric value (`10.0.0.2` before `10.0.0.10`), for
 * `Array.prototype.sort`. Text that is not a dotted quad (see {@link parseIpv4}) comes first;
 * equal values and such text are ordered by their text, so the order is total and stable.
 * @returns negative when `a` comes first, positive when `b` does, 0 for the same text.
 */
export function compareIpv4Text(a: string, b: string): number {
  const first = parseIpv4(a);
  const second = parseIpv4(b);
  const byValue = first.ok && second.ok ? first.value - second.value : Number(first.ok) - Number(second.ok);
  return byValue !== 0 ? byValue : a < b ? -1 : a > b ? 1 : 0;
}
