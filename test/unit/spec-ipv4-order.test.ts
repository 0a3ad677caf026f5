/** The numeric order of IPv4 addresses given as text (`/ips`, the status record's routers). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { compareIpv4Text, formatIpv4 } from "../../src/route-spec/ipv4.js";

describe("compareIpv4Text", () => {
  it("orders by value, octet by octet, not as text", () => {
    const ips = ["10.0.0.10", "10.0.0.2", "9.255.255.255", "10.0.1.0", "192.168.0.1", "10.0.0.9"];
    assert.deepEqual(ips.sort(compareIpv4Text), [
      "9.255.255.255",
      "10.0.0.2",
      "10.0.0.9",
      "10.0.0.10",
      "10.0.1.0",
      "192.168.0.1",
    ]);
  });

  it("puts text that is not a dotted quad first, in text order, and is 0 only for the same text", () => {
    assert.deepEqual(["10.0.0.1", "x", "0.0.0.0", "::1"].sort(compareIpv4Text), [
      "::1",
      "x",
      "0.0.0.0",
      "10.0.0.1",
    ]);
    assert.equal(compareIpv4Text("10.0.0.1", "10.0.0.1"), 0);
  });

  it("agrees with the numeric order of the addresses' values", () => {
    const address = fc.integer({ min: 0, max: 2 ** 32 - 1 });
    fc.assert(
      fc.property(address, address, (a, b) => {
        assert.equal(Math.sign(compareIpv4Text(formatIpv4(a), formatIpv4(b))), Math.sign(a - b));
      }),
    );
  });
});
