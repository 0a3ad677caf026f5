/**
 * vpc-router 1.8's address checks (vpcrouter/tests/test_utils.py: `ip_check`,
 * `check_valid_ip_or_cidr`, `is_cidr_in_cidr`) against our pure functions: {@link parseIpv4},
 * {@link parseIpv4Cidr}, {@link normaliseIgnoredCidr}, {@link ignoredCidrCovers}, {@link cidrContains}
 * and the planner's {@link findIgnoringCidr}. Each row names its origin; where we deliberately
 * differ, the row says so and why.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cidrContains, type Ipv4Cidr, parseIpv4Cidr } from "../../src/route-spec/cidr.js";
import {
  findIgnoringCidr,
  ignoredCidrCovers,
  normaliseIgnoredCidr,
} from "../../src/route-spec/ignore-routes.js";
import { parseIpv4 } from "../../src/route-spec/ipv4.js";

function cidr(text: string): Ipv4Cidr {
  const parsed = parseIpv4Cidr(text);
  assert.ok(parsed.ok, `${text} should be a CIDR`);
  return parsed.cidr;
}

describe("ip_check (test_utils.py TestIpCheck)", () => {
  // test_correct
  const valid: { text: string; netmask: boolean }[] = [
    { text: "192.168.1.2", netmask: false },
    { text: "192.168.0.0/16", netmask: true },
    { text: "192.168.0.0/32", netmask: true },
  ];
  for (const row of valid) {
    it(`accepts ${row.text}${row.netmask ? " as a CIDR" : " as an IP"} (test_correct)`, () => {
      const result = row.netmask ? parseIpv4Cidr(row.text) : parseIpv4(row.text);
      assert.equal(result.ok, true);
    });
  }

  it("refuses 192.168.0.0/1, which vpc-router accepts (test_correct): host bits set", () => {
    // Deliberate difference: netaddr accepts host bits and routes the whole /1; a spec must mean one
    // thing, so we refuse and name the network the operator probably meant.
    const result = parseIpv4Cidr("192.168.0.0/1");
    assert.equal(result.ok, false);
    assert.match(result.ok ? "" : result.message, /host bits set \(did you mean 128\.0\.0\.0\/1\?\)/);
  });

  // test_incorrect
  const invalid: { text: string; netmask: boolean }[] = [
    { text: "192.168.1.1111", netmask: false },
    { text: "192.168.1.", netmask: false },
    { text: "292.168.1.1", netmask: false },
    { text: "1.1.1.0", netmask: true },
    { text: "1.1.1.0/", netmask: true },
    { text: "1.1.1.0/-1", netmask: true },
    { text: "1.1.1.0/33", netmask: true },
  ];
  for (const row of invalid) {
    it(`refuses ${JSON.stringify(row.text)}${row.netmask ? " as a CIDR" : " as an IP"} (test_incorrect)`, () => {
      const result = row.netmask ? parseIpv4Cidr(row.text) : parseIpv4(row.text);
      assert.equal(result.ok, false);
    });
  }
});

describe("check_valid_ip_or_cidr (test_utils.py test_valid_ip_or_cidr)", () => {
  // return_as_cidr=True is how vpc-router reads --ignore_routes: normaliseIgnoredCidr.
  const asCidr: { text: string; expected: string | null }[] = [
    { text: "0.0.0.0", expected: "0.0.0.0/0" },
    { text: "0.0.0.0/10", expected: "0.0.0.0/10" },
    { text: "10.1.2.3", expected: "10.1.2.3/32" },
    { text: "301.2.3.0", expected: null },
    { text: "101.2.3/64", expected: null },
    { text: "101.2.3/32/2", expected: null },
  ];
  for (const row of asCidr) {
    it(`return_as_cidr: ${row.text} → ${row.expected ?? "error"}`, () => {
      const result = normaliseIgnoredCidr(row.text);
      if (row.expected === null) {
        assert.equal(result.ok, false);
        assert.match(result.ok ? "" : result.message, new RegExp(row.text.replace(/\./g, "\\.")));
      } else {
        assert.equal(result.ok && result.cidr.text, row.expected);
      }
    });
  }

  // return_as_cidr=False: the value is checked as an IP or a CIDR and returned unchanged.
  const asIs: { text: string; valid: boolean }[] = [
    { text: "0.0.0.0", valid: true },
    { text: "0.0.0.0/10", valid: true },
    { text: "10.1.2.3", valid: true },
    { text: "101.2.3", valid: false },
  ];
  for (const row of asIs) {
    it(`as is: ${row.text} → ${row.valid ? "itself" : "error"}`, () => {
      const ip = parseIpv4(row.text);
      const block = parseIpv4Cidr(row.text);
      const text = ip.ok ? ip.address : block.ok ? block.cidr.text : null;
      assert.equal(text, row.valid ? row.text : null);
    });
  }
});

describe("is_cidr_in_cidr (test_utils.py test_cidr_in_cidr)", () => {
  const rows: { small: string; big: string; inIgnored: boolean; contained: boolean }[] = [
    { small: "10.1.1.0/24", big: "10.1.0.0/16", inIgnored: true, contained: true },
    { small: "10.1.1.0/24", big: "10.1.1.0/24", inIgnored: true, contained: true },
    { small: "10.1.0.0/16", big: "10.1.1.0/24", inIgnored: false, contained: false },
    { small: "10.2.1.0/24", big: "10.1.0.0/16", inIgnored: false, contained: false },
    { small: "10.2.1.0/24", big: "0.0.0.0/16", inIgnored: false, contained: false },
    // vpc-router's special case: 0.0.0.0/0 matches only itself. The plain containment test
    // (cidrContains) says yes; the ignore_routes test (ignoredCidrCovers) says no, as vpc-router.
    { small: "10.2.1.0/24", big: "0.0.0.0/0", inIgnored: false, contained: true },
    { small: "0.0.0.0/0", big: "10.0.0.0/8", inIgnored: false, contained: false },
    { small: "0.0.0.0/0", big: "0.0.0.0/0", inIgnored: true, contained: true },
  ];
  for (const row of rows) {
    it(`${row.small} in ${row.big} → ${row.inIgnored}`, () => {
      assert.equal(ignoredCidrCovers(cidr(row.big), cidr(row.small)), row.inIgnored);
      assert.equal(findIgnoringCidr(row.small, [row.big]) !== undefined, row.inIgnored);
      assert.equal(cidrContains(cidr(row.big), cidr(row.small)), row.contained);
    });
  }

  it("findIgnoringCidr reads bare IPs as vpc-router does, and names the protecting entry", () => {
    assert.equal(findIgnoringCidr("10.1.2.3/32", ["10.9.0.0/16", "10.1.2.3"]), "10.1.2.3");
    assert.equal(findIgnoringCidr("0.0.0.0/0", ["0.0.0.0"]), "0.0.0.0");
    assert.equal(findIgnoringCidr("10.2.1.0/24", ["0.0.0.0"]), undefined);
    assert.equal(findIgnoringCidr("10.2.1.0/24", ["not a cidr"]), undefined);
    assert.equal(findIgnoringCidr("10.1.2.3/32", []), undefined);
  });
});
