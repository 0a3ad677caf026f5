/**
 * ICMP echo packets for IPv4: encoding requests and recognising replies. Pure functions.
 * Formats: RFC 792 (ICMP echo / echo reply), RFC 791 (IPv4 header, IHL field),
 * RFC 1071 (Internet checksum).
 */

/** ICMP type of an echo request (RFC 792). */
export const ICMP_ECHO_REQUEST = 8;
/** ICMP type of an echo reply (RFC 792). */
export const ICMP_ECHO_REPLY = 0;

const ICMP_HEADER_BYTES = 8;
const IPV4_MIN_HEADER_BYTES = 20;
const IP_PROTOCOL_ICMP = 1;

/**
 * The Internet checksum of RFC 1071: the ones' complement of the ones' complement sum of the data
 * taken as big-endian 16-bit words (an odd trailing byte is padded with zero).
 * @returns a 16-bit number; a buffer whose embedded checksum is correct sums to 0.
 */
export function internetChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  if (bytes.length % 2 === 1) sum += (bytes[bytes.length - 1] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * An ICMP echo request (type 8, code 0) with its checksum filled in, ready for an IPv4 raw socket
 * (the kernel adds the IP header).
 * @param identifier 16-bit identifier (0..65535)
 * @param sequence 16-bit sequence number (0..65535)
 * @param payload echoed back verbatim by the target
 */
export function encodeEchoRequest(identifier: number, sequence: number, payload: Uint8Array): Buffer {
  const packet = Buffer.alloc(ICMP_HEADER_BYTES + payload.length);
  packet.writeUInt8(ICMP_ECHO_REQUEST, 0);
  packet.writeUInt8(0, 1);
  packet.writeUInt16BE(identifier, 4);
  packet.writeUInt16BE(sequence, 6);
  packet.set(payload, ICMP_HEADER_BYTES);
  packet.writeUInt16BE(internetChecksum(packet), 2);
  return packet;
}

/** What identifies an echo reply: who sent it, and the identifier and sequence it echoes. */
export interface EchoReply {
  /** Source address from the IPv4 header, dotted quad. */
  readonly source: string;
  readonly identifier: number;
  readonly sequence: number;
}

/**
 * Recognises an ICMP echo reply in a packet read from an IPv4 raw socket (IPv4 header first).
 * @returns the reply's source, identifier and sequence, or undefined for anything else: not IPv4,
 *   not ICMP, truncated, bad ICMP checksum, or another ICMP type (including echo requests, which a
 *   raw socket also sees on loopback).
 */
export function decodeEchoReply(ipPacket: Buffer): EchoReply | undefined {
  if (ipPacket.length < IPV4_MIN_HEADER_BYTES) return undefined;
  const versionAndIhl = ipPacket.readUInt8(0);
  if (versionAndIhl >> 4 !== 4) return undefined;
  const headerBytes = (versionAndIhl & 0x0f) * 4;
  if (headerBytes < IPV4_MIN_HEADER_BYTES) return undefined;
  if (ipPacket.readUInt8(9) !== IP_PROTOCOL_ICMP) return undefined;
  const icmp = ipPacket.subarray(headerBytes);
  if (icmp.length < ICMP_HEADER_BYTES) return undefined;
  if (icmp.readUInt8(0) !== ICMP_ECHO_REPLY || icmp.readUInt8(1) !== 0) return undefined;
  if (internetChecksum(icmp) !== 0) return undefined;
  return {
    source: `${ipPacket[12]}.${ipPacket[13]}.${ipPacket[14]}.${ipPacket[15]}`,
    identifier: icmp.readUInt16BE(4),
    sequence: icmp.readUInt16BE(6),
  };
}
