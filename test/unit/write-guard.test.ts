/**
 * The write guard's decision (write-guard.ts) and the bearer token (bearer-token.ts): table tests
 * of each refusal and fast-check properties (a foreign Origin, a foreign name in Host or a wrong
 * token is never let through).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { canonicalOrigin } from "../../src/api/api-listener.js";
import { BearerToken } from "../../src/api/bearer-token.js";
import {
  hostOfHeader,
  isLoopbackAddress,
  refuseWrite,
  type WritePolicy,
  type WriteRequest,
} from "../../src/api/write-guard.js";
import { readSecretFile, SecretFileError } from "../../src/lib/secret-file.js";

const TOKEN = "s3cret-token-0123456789";
const LOOPBACK: WritePolicy = {
  writes: true,
  token: undefined,
  listenAddress: "127.0.0.1",
  allowedOrigins: [],
  allowedHosts: [],
};
const JSON_WRITE: WriteRequest = {
  contentType: "application/json",
  origin: undefined,
  host: "127.0.0.1:33289",
  authorization: undefined,
};

const ORIGIN = fc
  .tuple(fc.constantFrom("http", "https"), fc.domain(), fc.option(fc.integer({ min: 1, max: 65535 })))
  .map(([scheme, host, port]) => `${scheme}://${host}${port === null ? "" : `:${port}`}`);

describe("refuseWrite", () => {
  const withToken: WritePolicy = { ...LOOPBACK, token: new BearerToken(TOKEN) };
  const cases: { name: string; policy: WritePolicy; request: Partial<WriteRequest>; status?: number }[] = [
    { name: "curl on loopback, JSON, no token configured", policy: LOOPBACK, request: {} },
    {
      name: "JSON with a charset",
      policy: LOOPBACK,
      request: { contentType: "Application/JSON; charset=utf-8" },
    },
    { name: "text/plain", policy: LOOPBACK, request: { contentType: "text/plain" }, status: 415 },
    {
      name: "form-urlencoded (curl -d)",
      policy: LOOPBACK,
      request: { contentType: "application/x-www-form-urlencoded" },
      status: 415,
    },
    { name: "no content type", policy: LOOPBACK, request: { contentType: undefined }, status: 415 },
    {
      name: "cross-origin text/plain (CSRF)",
      policy: LOOPBACK,
      request: { contentType: "text/plain", origin: "https://evil.example" },
      status: 403,
    },
    { name: "cross-origin JSON", policy: LOOPBACK, request: { origin: "https://evil.example" }, status: 403 },
    { name: "Origin null (sandboxed page)", policy: LOOPBACK, request: { origin: "null" }, status: 403 },
    {
      name: "allowed origin",
      policy: { ...LOOPBACK, allowedOrigins: ["https://ops.example.com"] },
      request: { origin: "https://OPS.example.com" },
    },
    {
      name: "DNS rebinding: foreign Host",
      policy: LOOPBACK,
      request: { host: "attacker.example:33289" },
      status: 421,
    },
    { name: "Host localhost", policy: LOOPBACK, request: { host: "localhost:33289" } },
    { name: "Host [::1]", policy: LOOPBACK, request: { host: "[::1]:33289" } },
    {
      name: "Host another machine's address",
      policy: LOOPBACK,
      request: { host: "10.1.2.3:33289" },
      status: 421,
    },
    {
      name: "Host a configured name",
      policy: { ...LOOPBACK, allowedHosts: ["vpcrouter.ops.internal"] },
      request: { host: "VPCROUTER.ops.internal" },
    },
    { name: "no Host (HTTP/1.0)", policy: LOOPBACK, request: { host: undefined } },
    { name: "writes off", policy: { ...LOOPBACK, writes: false }, request: {}, status: 403 },
    {
      name: "0.0.0.0 without a token",
      policy: { ...LOOPBACK, listenAddress: "0.0.0.0" },
      request: { host: "10.1.2.3" },
      status: 403,
    },
    {
      name: "0.0.0.0 with the token, Host an address",
      policy: { ...withToken, listenAddress: "0.0.0.0" },
      request: { host: "10.1.2.3:33289", authorization: `Bearer ${TOKEN}` },
    },
    {
      name: "0.0.0.0 with the token, Host a foreign name",
      policy: { ...withToken, listenAddress: "0.0.0.0" },
      request: { host: "attacker.example", authorization: `Bearer ${TOKEN}` },
      status: 421,
    },
    {
      name: "10.0.0.5 with the token, Host another address",
      policy: { ...withToken, listenAddress: "10.0.0.5" },
      request: { host: "10.0.0.6", authorization: `Bearer ${TOKEN}` },
      status: 421,
    },
    { name: "token missing", policy: withToken, request: {}, status: 401 },
    {
      name: "token wrong",
      policy: withToken,
      request: { authorization: "Bearer s3cret-token-0123456788" },
      status: 401,
    },
    { name: "token as Basic", policy: withToken, request: { authorization: `Basic ${TOKEN}` }, status: 401 },
    {
      name: "token right, lower-case scheme",
      policy: withToken,
      request: { authorization: `bearer ${TOKEN}` },
    },
    {
      name: "token right but text/plain",
      policy: withToken,
      request: { authorization: `Bearer ${TOKEN}`, contentType: "text/plain" },
      status: 415,
    },
  ];
  for (const testCase of cases) {
    it(`${testCase.name} → ${testCase.status ?? "accepted"}`, () => {
      const refusal = refuseWrite(testCase.policy, { ...JSON_WRITE, ...testCase.request });
      assert.equal(refusal?.status, testCase.status);
      if (refusal) assert.ok(!refusal.error.includes(TOKEN), "a refusal names the token");
    });
  }

  it("property: an Origin outside the allow-list is always refused", () => {
    fc.assert(
      fc.property(ORIGIN, fc.array(ORIGIN, { maxLength: 3 }), (origin, allowed) => {
        fc.pre(!allowed.includes(origin.toLowerCase()));
        const policy = { ...LOOPBACK, allowedOrigins: allowed.map((a) => a.toLowerCase()) };
        assert.equal(refuseWrite(policy, { ...JSON_WRITE, origin })?.status, 403);
      }),
    );
  });

  it("property: a Host naming neither loopback nor an allowed name is refused", () => {
    fc.assert(
      fc.property(fc.domain(), fc.option(fc.integer({ min: 1, max: 65535 })), (name, port) => {
        fc.pre(name !== "localhost" && !name.endsWith(".localhost"));
        const host = port === null ? name : `${name}:${port}`;
        assert.equal(refuseWrite(LOOPBACK, { ...JSON_WRITE, host })?.status, 421);
      }),
    );
  });

  it("property: any Authorization but the token is refused", () => {
    const policy = { ...LOOPBACK, token: new BearerToken(TOKEN) };
    fc.assert(
      fc.property(fc.string(), (authorization) => {
        fc.pre(authorization.trim() !== `Bearer ${TOKEN}` && !/^bearer +\S+ *$/i.test(authorization));
        assert.equal(refuseWrite(policy, { ...JSON_WRITE, authorization })?.status, 401);
      }),
    );
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((t) => !/\s/.test(t) && t !== TOKEN),
        (other) => {
          assert.equal(refuseWrite(policy, { ...JSON_WRITE, authorization: `Bearer ${other}` })?.status, 401);
        },
      ),
    );
  });
});

describe("Host header, origin and listen address helpers", () => {
  it("canonicalOrigin writes an origin as browsers send it", () => {
    assert.equal(canonicalOrigin("https://Ops.Example.com:443"), "https://ops.example.com");
    assert.equal(canonicalOrigin("http://ops.example.com:80"), "http://ops.example.com");
    assert.equal(canonicalOrigin("https://ops.example.com:8443"), "https://ops.example.com:8443");
    assert.equal(canonicalOrigin("http://ops.example.com:443"), "http://ops.example.com:443");
  });

  it("hostOfHeader strips the port and brackets", () => {
    assert.equal(hostOfHeader("Example.COM:8080"), "example.com");
    assert.equal(hostOfHeader("[::1]:33289"), "::1");
    assert.equal(hostOfHeader("[fe80::1]"), "fe80::1");
    assert.equal(hostOfHeader("10.0.0.1"), "10.0.0.1");
  });

  it("isLoopbackAddress knows loopback from the rest", () => {
    for (const address of ["127.0.0.1", "127.1.2.3", "::1", "localhost", "::ffff:127.0.0.1"]) {
      assert.ok(isLoopbackAddress(address), address);
    }
    for (const address of ["0.0.0.0", "::", "10.0.0.5", "198.18.0.1"])
      assert.ok(!isLoopbackAddress(address), address);
  });
});

describe("BearerToken and secret files", () => {
  it("never shows the token, in strings or JSON", () => {
    const token = new BearerToken(TOKEN);
    assert.equal(String(token), "[token]");
    assert.equal(JSON.stringify({ token }), '{"token":"[token]"}');
  });

  it("reads a token file, less one trailing newline; refuses short, empty, missing and multi-line files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vpcrouter-secret-"));
    try {
      const file = join(dir, "token");
      await writeFile(file, `${TOKEN}\n`);
      assert.ok(BearerToken.fromFile(file).matchesAuthorization(`Bearer ${TOKEN}`));
      for (const [content, problem] of [
        ["", /is empty/],
        ["tiny\n", /shorter than 16/],
        [`${TOKEN}\nsecond\n`, /more than one line/],
        ["a token with a space inside\n", /contains white space/],
      ] as const) {
        await writeFile(file, content);
        assert.throws(
          () => BearerToken.fromFile(file),
          (error: unknown) => {
            assert.ok(error instanceof SecretFileError);
            assert.match(error.message, problem);
            assert.match(error.message, /^api\.tokenFile: /);
            assert.ok(!error.message.includes("second") && !error.message.includes("tiny"));
            return true;
          },
        );
      }
      assert.throws(
        () => readSecretFile("etcd.passwordFile", join(dir, "missing")),
        /etcd\.passwordFile: cannot read .*ENOENT/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
