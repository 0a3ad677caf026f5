/**
 * Minimal IPv4 helpers for the emulator (dotted quads and CIDR blocks). Pure; no traffic.
 * Source: RFC 4632 (CIDR notation).
 */

/** Parses a dotted quad (`10.0.0.1`) into an unsigned 32-bit number, or `undefined` when invalid. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** Formats an unsigned 32-bit number as a dotted quad. */
export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** A parsed IPv4 CIDR block: network address (unsigned 32-bit) and prefix length 0..32. */
export interface Ipv4Cidr {
  readonly network: number;
  readonly prefix: number;
}

/**
 * Parses `a.b.c.d/n`. Returns `undefined` when the text is not a CIDR block or has host bits set
 * (EC2 rejects such destination blocks with `InvalidParameterValue`).
 */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const address = parseIpv4(match[1] ?? "");
  const prefix = Number(match[2]);
  if (address === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) return undefined;
  return { network: address, prefix };
}

/** True when `ip` (dotted quad) lies inside `cidr`. */
export function cidrContains(cidr: Ipv4Cidr, ip: string): boolean {
  const address = parseIpv4(ip);
  if (address === undefined) return false;
  const size = 2 ** (32 - cidr.prefix);
  return address >= cidr.network && address < cidr.network + size;
}
