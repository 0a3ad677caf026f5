import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { cidrContains, compareCidrText, parseIpv4Cidr } from "../../src/route-spec/cidr.js";
import {
  formatSpecProblems,
  MAX_ROUTERS_PER_ROUTE,
  parseSpec,
  validateSpec,
} from "../../src/route-spec/parse.js";
import type { SpecParseResult } from "../../src/route-spec/route-spec.js";

const options = { maxRoutes: 10 };

function problemsOf(result: SpecParseResult): readonly { cidr?: string; message: string }[] {
  assert.equal(result.ok, false, "expected the spec to be rejected");
  return result.ok ? [] : result.problems;
}

function onlyProblem(text: string): { cidr?: string; message: string } {
  const problems = problemsOf(parseSpec(text, options));
  assert.equal(problems.length, 1, `expected one problem, got ${JSON.stringify(problems)}`);
  const [problem] = problems;
  assert.ok(problem);
  return problem;
}

describe("parseSpec: valid specs", () => {
  it("accepts vpc-router's example unchanged", () => {
    const text = '{ "10.55.16.0/24": ["10.33.20.142"], "10.66.17.0/24": ["10.33.20.93", "10.33.30.22"] }';
    assert.deepEqual(parseSpec(text, options), {
      ok: true,
      spec: { "10.55.16.0/24": ["10.33.20.142"], "10.66.17.0/24": ["10.33.20.93", "10.33.30.22"] },
    });
  });

  it("accepts an empty spec (no routes)", () => {
    assert.deepEqual(parseSpec("{}", options), { ok: true, spec: {} });
  });

  it("trims whitespace around CIDRs and IPs", () => {
    assert.deepEqual(parseSpec('{" 10.0.0.0/8 ": [" 10.1.1.1 "]}', options), {
      ok: true,
      spec: { "10.0.0.0/8": ["10.1.1.1"] },
    });
  });

  it("removes repeated router IPs, keeping the first occurrence", () => {
    const result = parseSpec('{"10.0.0.0/8": ["10.1.1.2", "10.1.1.1", "10.1.1.2", "10.1.1.1"]}', options);
    assert.deepEqual(result, { ok: true, spec: { "10.0.0.0/8": ["10.1.1.2", "10.1.1.1"] } });
  });

  it("accepts /0 and /32 and keeps key order", () => {
    const result = parseSpec('{"10.1.2.3/32": ["10.0.0.1"], "0.0.0.0/0": ["10.0.0.2"]}', options);
    assert.ok(result.ok);
    assert.deepEqual(Object.keys(result.spec), ["10.1.2.3/32", "0.0.0.0/0"]);
  });

  it("accepts exactly maxRoutes routes", () => {
    const spec = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`10.${i}.0.0/16`, ["10.99.0.1"]]));
    assert.equal(parseSpec(JSON.stringify(spec), options).ok, true);
  });
});

describe("parseSpec: invalid specs", () => {
  const rows: { name: string; text: string; cidr?: string; message: RegExp }[] = [
    { name: "bad JSON", text: '{"10.0.0.0/8": [', message: /^route spec is not valid JSON: / },
    { name: "top-level array", text: '["10.0.0.0/8"]', message: /must be a JSON object.*got an array/ },
    { name: "top-level null", text: "null", message: /must be a JSON object.*got null/ },
    { name: "top-level string", text: '"x"', message: /must be a JSON object.*got a string/ },
    {
      name: "bare IP without prefix",
      text: '{"10.1.2.3": ["10.0.0.1"]}',
      cidr: "10.1.2.3",
      message: /is not a CIDR \(expected a\.b\.c\.d\/n, e\.g\. 10\.1\.2\.3\/32\)/,
    },
    {
      name: "host bits set",
      text: '{"10.55.16.1/24": ["10.0.0.1"]}',
      cidr: "10.55.16.1/24",
      message: /^10\.55\.16\.1\/24 has host bits set \(did you mean 10\.55\.16\.0\/24\?\)$/,
    },
    {
      name: "prefix too long",
      text: '{"10.0.0.0/33": ["10.0.0.1"]}',
      cidr: "10.0.0.0/33",
      message: /0\.\.32/,
    },
    {
      name: "prefix with leading zero",
      text: '{"10.0.0.0/08": ["10.0.0.1"]}',
      cidr: "10.0.0.0/08",
      message: /0\.\.32/,
    },
    {
      name: "octet leading zero in CIDR",
      text: '{"010.1.2.0/24": ["10.0.0.1"]}',
      cidr: "010.1.2.0/24",
      message: /leading zero/,
    },
    {
      name: "octet above 255",
      text: '{"10.256.0.0/16": ["10.0.0.1"]}',
      cidr: "10.256.0.0/16",
      message: /above 255/,
    },
    { name: "garbage key", text: '{"default": ["10.0.0.1"]}', cidr: "default", message: /is not a CIDR/ },
    {
      name: "IPv6 CIDR",
      text: '{"2001:db8::/32": ["10.0.0.1"]}',
      cidr: "2001:db8::/32",
      message: /IPv6; only IPv4/,
    },
    {
      name: "empty host list",
      text: '{"10.0.0.0/8": []}',
      cidr: "10.0.0.0/8",
      message: /router list is empty/,
    },
    {
      name: "host list not an array",
      text: '{"10.0.0.0/8": "10.0.0.1"}',
      cidr: "10.0.0.0/8",
      message: /non-empty array.*got a string/,
    },
    {
      name: "host not a string",
      text: '{"10.0.0.0/8": [167772161]}',
      cidr: "10.0.0.0/8",
      message: /router #1 must be a string, got a number/,
    },
    {
      name: "host not an IP",
      text: '{"10.0.0.0/8": ["router-a"]}',
      cidr: "10.0.0.0/8",
      message: /"router-a" is not an IPv4 dotted quad/,
    },
    {
      name: "host with leading zero",
      text: '{"10.0.0.0/8": ["10.0.0.010"]}',
      cidr: "10.0.0.0/8",
      message: /leading zero/,
    },
    {
      name: "host with prefix",
      text: '{"10.0.0.0/8": ["10.0.0.1/32"]}',
      cidr: "10.0.0.0/8",
      message: /not an IPv4 dotted quad/,
    },
    {
      name: "IPv6 host",
      text: '{"10.0.0.0/8": ["fe80::1"]}',
      cidr: "10.0.0.0/8",
      message: /IPv6; only IPv4/,
    },
    {
      name: "duplicate CIDR after normalisation",
      text: '{"10.0.0.0/8": ["10.0.0.1"], " 10.0.0.0/8": ["10.0.0.2"]}',
      cidr: " 10.0.0.0/8",
      message: /same route 10\.0\.0\.0\/8/,
    },
    {
      name: "same key twice in the JSON text",
      text: '{"10.0.0.0/8": ["10.0.0.1"], "10.0.0.0/8": ["10.0.0.2"]}',
      cidr: "10.0.0.0/8",
      message: /appears more than once/,
    },
  ];
  for (const row of rows) {
    it(`rejects ${row.name}`, () => {
      const problem = onlyProblem(row.text);
      assert.equal(problem.cidr, row.cidr);
      assert.match(problem.message, row.message);
    });
  }

  it("rejects more routes than maxRoutes", () => {
    const spec = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`10.${i}.0.0/16`, ["10.99.0.1"]]));
    const problem = onlyProblem(JSON.stringify(spec));
    assert.equal(problem.cidr, undefined);
    assert.match(problem.message, /11 routes, more than the limit of 10/);
  });

  it("collects every problem, each with its CIDR", () => {
    const text = JSON.stringify({
      "10.55.16.1/24": ["10.0.0.1"],
      "10.66.17.0/24": [],
      "10.77.0.0/16": ["10.0.0.1", "nope", 7],
      "10.88.0.0/16": ["10.0.0.1"],
    });
    const problems = problemsOf(parseSpec(text, options));
    assert.deepEqual(
      problems.map((problem) => problem.cidr),
      ["10.55.16.1/24", "10.66.17.0/24", "10.77.0.0/16", "10.77.0.0/16"],
    );
  });

  it("never throws on hostile values", () => {
    for (const value of [undefined, 42, true, "x", [], () => 1, { __proto__: null, a: 1 }]) {
      assert.equal(validateSpec(value, options).ok, false);
    }
    assert.equal(parseSpec('{"__proto__": ["10.0.0.1"]}', options).ok, false);
  });

  it("fast-check: parseSpec never throws on any string", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        parseSpec(text, options);
      }),
    );
  });
});

describe("validateSpec", () => {
  it("validates an already-parsed body the same way", () => {
    assert.deepEqual(validateSpec({ "10.0.0.0/8": ["10.0.0.1", "10.0.0.1"] }, options), {
      ok: true,
      spec: { "10.0.0.0/8": ["10.0.0.1"] },
    });
    assert.match(
      problemsOf(validateSpec({ "10.0.0.1/8": ["10.0.0.1"] }, options))[0]?.message ?? "",
      /host bits/,
    );
  });
});

describe("formatSpecProblems", () => {
  it("joins messages on one line", () => {
    const line = formatSpecProblems([{ cidr: "a", message: "first\nproblem" }, { message: "second" }]);
    assert.equal(line, "first problem; second");
    assert.equal(formatSpecProblems([]), "");
  });
});

describe("cidr helpers", () => {
  it("contains by prefix", () => {
    const cidr = (text: string) => {
      const parsed = parseIpv4Cidr(text);
      assert.ok(parsed.ok);
      return parsed.cidr;
    };
    assert.equal(cidrContains(cidr("10.0.0.0/8"), cidr("10.1.0.0/16")), true);
    assert.equal(cidrContains(cidr("10.0.0.0/8"), cidr("10.0.0.0/8")), true);
    assert.equal(cidrContains(cidr("10.1.0.0/16"), cidr("10.0.0.0/8")), false);
    assert.equal(cidrContains(cidr("10.0.0.0/8"), cidr("11.0.0.0/16")), false);
    assert.equal(cidrContains(cidr("0.0.0.0/0"), cidr("255.255.255.255/32")), true);
  });

  it("orders CIDRs numerically, then by prefix, invalid ones last", () => {
    const sorted = ["9.0.0.0/8", "junk", "10.0.0.0/16", "10.0.0.0/8", "2.0.0.0/8"].sort(compareCidrText);
    assert.deepEqual(sorted, ["2.0.0.0/8", "9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "junk"]);
  });
});

/** Valid specs: canonical CIDRs (host bits clear), non-empty lists of distinct IPs. */
const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((octets) => octets.join("."));
const cidr = fc
  .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
  .map(([value, prefix]) => {
    const size = 2 ** (32 - prefix);
    const network = value - (value % size);
    return `${[24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join(".")}/${prefix}`;
  });
const validSpec = fc.dictionary(cidr, fc.uniqueArray(ipv4, { minLength: 1, maxLength: 4 }), { maxKeys: 10 });

describe("spec properties", () => {
  it("parseSpec(JSON.stringify(spec)) round-trips a valid spec", () => {
    fc.assert(
      fc.property(validSpec, (spec) => {
        assert.deepEqual(parseSpec(JSON.stringify(spec), options), { ok: true, spec: { ...spec } });
      }),
    );
  });

  it("every CIDR with host bits set is rejected with the network address suggested", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 31 }),
        (value, prefix) => {
          const size = 2 ** (32 - prefix);
          fc.pre(value % size !== 0);
          const text = `${[24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".")}/${prefix}`;
          const parsed = parseIpv4Cidr(text);
          assert.equal(parsed.ok, false);
          if (!parsed.ok) assert.match(parsed.message, /has host bits set \(did you mean .*\/\d+\?\)/);
        },
      ),
    );
  });

  it(`rejects a route listing more than ${MAX_ROUTERS_PER_ROUTE} router IPs (repeats count once)`, () => {
    const ips = (n: number) =>
      Array.from({ length: n }, (_, i) => `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    const ok = parseSpec(JSON.stringify({ "10.1.0.0/16": [...ips(MAX_ROUTERS_PER_ROUTE), "10.0.0.1"] }), {
      maxRoutes: 10,
    });
    assert.equal(ok.ok, true);
    const tooMany = parseSpec(JSON.stringify({ "10.1.0.0/16": ips(MAX_ROUTERS_PER_ROUTE + 1) }), {
      maxRoutes: 10,
    });
    assert.equal(tooMany.ok, false);
    assert.match(
      tooMany.ok ? "" : (tooMany.problems[0]?.message ?? ""),
      new RegExp(`lists ${MAX_ROUTERS_PER_ROUTE + 1} router IPs, more than the ${MAX_ROUTERS_PER_ROUTE}`),
    );
  });
});
