import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decodeEchoReply,
  encodeEchoRequest,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  internetChecksum,
} from "../../src/probe/icmp-packet.js";

/** An IPv4 packet (no options unless `optionBytes`) carrying `icmp`, as a raw socket delivers it. */
function ipv4(
  icmp: Buffer,
  source: string,
  options: { protocol?: number; optionBytes?: number } = {},
): Buffer {
  const headerBytes = 20 + (options.optionBytes ?? 0);
  const header = Buffer.alloc(headerBytes);
  header.writeUInt8(0x40 | (headerBytes / 4), 0);
  header.writeUInt16BE(headerBytes + icmp.length, 2);
  header.writeUInt8(64, 8);
  header.writeUInt8(options.protocol ?? 1, 9);
  Buffer.from(source.split(".").map(Number)).copy(header, 12);
  Buffer.from([127, 0, 0, 1]).copy(header, 16);
  header.writeUInt16BE(internetChecksum(header), 10);
  return Buffer.concat([header, icmp]);
}

/** Turns an echo request into the reply a host would send (type 0, checksum recomputed). */
function asReply(request: Buffer): Buffer {
  const reply = Buffer.from(request);
  reply.writeUInt8(ICMP_ECHO_REPLY, 0);
  reply.writeUInt16BE(0, 2);
  reply.writeUInt16BE(internetChecksum(reply), 2);
  return reply;
}

const PAYLOAD = Buffer.from("abc");

describe("internetChecksum (RFC 1071)", () => {
  it("matches the worked example of RFC 1071 section 3", () => {
    // 0001 + f203 + f4f5 + f6f7 = 2ddf0 → ddf2 after the end-around carry; checksum = ~ddf2.
    assert.equal(internetChecksum(Buffer.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])), 0x220d);
  });

  it("pads an odd trailing byte with zero", () => {
    assert.equal(
      internetChecksum(Buffer.from([0x12, 0x34, 0x56])),
      internetChecksum(Buffer.from([0x12, 0x34, 0x56, 0])),
    );
  });
});

describe("encodeEchoRequest", () => {
  it("writes type 8, code 0, identifier, sequence, payload and a valid checksum", () => {
    const packet = encodeEchoRequest(0xbeef, 0x0102, PAYLOAD);
    assert.equal(packet.readUInt8(0), ICMP_ECHO_REQUEST);
    assert.equal(packet.readUInt8(1), 0);
    assert.equal(packet.readUInt16BE(4), 0xbeef);
    assert.equal(packet.readUInt16BE(6), 0x0102);
    assert.deepEqual(packet.subarray(8), PAYLOAD);
    assert.equal(internetChecksum(packet), 0);
  });
});

describe("decodeEchoReply", () => {
  const reply = asReply(encodeEchoRequest(4242, 7, PAYLOAD));

  it("returns source, identifier and sequence of an echo reply", () => {
    assert.deepEqual(decodeEchoReply(ipv4(reply, "198.18.1.10")), {
      source: "198.18.1.10",
      identifier: 4242,
      sequence: 7,
    });
  });

  it("skips IPv4 options using the IHL field", () => {
    assert.deepEqual(decodeEchoReply(ipv4(reply, "198.18.1.11", { optionBytes: 8 })), {
      source: "198.18.1.11",
      identifier: 4242,
      sequence: 7,
    });
  });

  it("ignores our own echo requests (seen by a raw socket on loopback)", () => {
    assert.equal(decodeEchoReply(ipv4(encodeEchoRequest(4242, 7, PAYLOAD), "127.0.0.1")), undefined);
  });

  it("ignores other ICMP types, other protocols, bad checksums and truncated packets", () => {
    const unreachable = Buffer.from(reply);
    unreachable.writeUInt8(3, 0);
    assert.equal(decodeEchoReply(ipv4(unreachable, "198.18.1.10")), undefined);
    assert.equal(decodeEchoReply(ipv4(reply, "198.18.1.10", { protocol: 17 })), undefined);
    const corrupt = Buffer.from(reply);
    corrupt.writeUInt16BE(4243, 4);
    assert.equal(decodeEchoReply(ipv4(corrupt, "198.18.1.10")), undefined);
    assert.equal(decodeEchoReply(ipv4(reply, "198.18.1.10").subarray(0, 24)), undefined);
    assert.equal(decodeEchoReply(Buffer.alloc(10)), undefined);
    const ipv6ish = ipv4(reply, "198.18.1.10");
    ipv6ish.writeUInt8(0x65, 0);
    assert.equal(decodeEchoReply(ipv6ish), undefined);
  });
});
