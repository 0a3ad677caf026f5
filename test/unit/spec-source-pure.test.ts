/**
 * The pure parts of the spec sources: the file parser (vpc-router's test_route_spec_parser cases),
 * the fixedconf spec and the spec comparison that decides whether the leader writes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSpecFile, unreadableSpecFile } from "../../src/spec-source/config-file-source.js";
import { fixedSpec, fixedSpecSource } from "../../src/spec-source/fixed-spec.js";
import { sameRouteSpec } from "../../src/spec-source/same-spec.js";

const options = { maxRoutes: 10 };

describe("parseSpecFile", () => {
  it("accepts vpc-router's example unchanged", () => {
    const input = { "10.1.0.0/16": ["1.1.1.1", "2.2.2.2"], "10.2.0.0/16": ["3.3.3.3"] };
    const result = parseSpecFile(JSON.stringify(input), options);
    assert.ok(result.ok);
    assert.deepEqual(result.spec, input);
  });

  it("drops repeated routers, keeping the first (as vpc-router does)", () => {
    const text = JSON.stringify({
      "10.1.0.0/16": ["1.1.1.1", "2.2.2.2", "2.2.2.2"],
      "10.2.0.0/16": ["3.3.3.3"],
    });
    const result = parseSpecFile(text, options);
    assert.ok(result.ok);
    assert.deepEqual(result.spec, { "10.1.0.0/16": ["1.1.1.1", "2.2.2.2"], "10.2.0.0/16": ["3.3.3.3"] });
  });

  for (const [name, text, pattern] of [
    ["a router list that is a string", JSON.stringify({ "10.1.0.0/16": "Foo" }), /router list must be/],
    ["a malformed router IP", JSON.stringify({ "10.1.0.0/16": ["1.1.1.", "2.2.2.2"] }), /1\.1\.1\./],
    ["a top level that is no object", JSON.stringify("Foo"), /must be a JSON object/],
    ["text that is no JSON", "MALFORMED", /not valid JSON/],
    ["an empty file", "", /not valid JSON/],
  ] as const) {
    it(`rejects ${name}`, () => {
      const result = parseSpecFile(text, options);
      assert.equal(result.ok, false);
      assert.match(result.ok ? "" : result.problems.map((p) => p.message).join("; "), pattern);
    });
  }

  it("ignores a UTF-8 byte order mark", () => {
    const result = parseSpecFile(`\uFEFF${JSON.stringify({ "10.1.0.0/16": ["1.1.1.1"] })}`, options);
    assert.ok(result.ok);
    assert.deepEqual(result.spec, { "10.1.0.0/16": ["1.1.1.1"] });
  });

  it("describes an unreadable file", () => {
    const result = unreadableSpecFile("ENOENT: no such file or directory");
    assert.equal(result.ok, false);
    assert.match(result.ok ? "" : (result.problems[0]?.message ?? ""), /^cannot read the file: ENOENT/);
  });
});

describe("fixedSpec", () => {
  it("makes a one-route spec from the CIDR and the hosts, in the hosts' order", () => {
    const result = fixedSpec(
      { fixedCidr: "10.55.16.0/24", fixedHosts: ["10.33.20.93", "10.33.30.22"] },
      options,
    );
    assert.ok(result.ok);
    assert.deepEqual(result.spec, { "10.55.16.0/24": ["10.33.20.93", "10.33.30.22"] });
  });

  it("rejects a CIDR with host bits set and an empty host list", () => {
    const bits = fixedSpec({ fixedCidr: "10.55.16.1/24", fixedHosts: ["10.33.20.93"] }, options);
    assert.equal(bits.ok, false);
    assert.match(bits.ok ? "" : (bits.problems[0]?.message ?? ""), /host bits/);
    const none = fixedSpec({ fixedCidr: "10.55.16.0/24", fixedHosts: [] }, options);
    assert.equal(none.ok, false);
  });

  it("is a source with one reading that never changes and closes at once", async () => {
    const source = fixedSpecSource({ fixedCidr: "10.55.16.0/24", fixedHosts: ["10.33.20.93"] }, options);
    assert.ok(source.latest.result.ok);
    assert.match(source.latest.origin, /10\.55\.16\.0\/24/);
    let events = 0;
    const unsubscribe = source.onChange(() => events++);
    unsubscribe();
    await source.close();
    assert.equal(events, 0);
  });
});

describe("sameRouteSpec", () => {
  const spec = { "10.1.0.0/16": ["1.1.1.1", "2.2.2.2"], "10.2.0.0/16": ["3.3.3.3"] };

  it("ignores the order of the CIDRs", () => {
    assert.ok(sameRouteSpec(spec, { "10.2.0.0/16": ["3.3.3.3"], "10.1.0.0/16": ["1.1.1.1", "2.2.2.2"] }));
  });

  it("sees a change of router order (the operator's preference)", () => {
    assert.equal(sameRouteSpec(spec, { ...spec, "10.1.0.0/16": ["2.2.2.2", "1.1.1.1"] }), false);
  });

  it("sees an added, a removed and a renamed route", () => {
    assert.equal(sameRouteSpec(spec, { ...spec, "10.3.0.0/16": ["3.3.3.3"] }), false);
    assert.equal(sameRouteSpec(spec, { "10.1.0.0/16": ["1.1.1.1", "2.2.2.2"] }), false);
    assert.equal(
      sameRouteSpec(spec, { "10.1.0.0/16": ["1.1.1.1", "2.2.2.2"], "10.9.0.0/16": ["3.3.3.3"] }),
      false,
    );
  });

  it("sees a changed router and treats {} like {}", () => {
    assert.equal(sameRouteSpec(spec, { ...spec, "10.2.0.0/16": ["3.3.3.4"] }), false);
    assert.ok(sameRouteSpec({}, {}));
    assert.equal(sameRouteSpec({}, spec), false);
  });
});
