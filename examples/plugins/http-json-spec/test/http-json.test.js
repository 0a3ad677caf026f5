/**
 * Tests of the http-json plugin against a real HTTP server on 127.0.0.1 and a fake vpcrouter
 * context. Every wait is on a condition with a deadline (`waitFor`); the only plain sleep checks
 * that nothing happens after stop.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import plugin from "../index.js";

const SPEC_A = { "10.55.16.0/24": ["10.33.20.142", "10.33.30.22"] };
const SPEC_B = { "10.55.16.0/24": ["10.33.30.22"], "10.55.17.0/24": ["10.33.20.142"] };

/**
 * Small intervals so that the tests take little time; the timeout still leaves room for a loaded
 * machine (a test that wants timeouts sets its own).
 */
const FAST = { pollIntervalMs: 150, timeoutMs: 120 };

/** Over three poll intervals: a poll still scheduled would have run by then. */
const QUIET_MS = 3 * FAST.pollIntervalMs + 50;

/**
 * Waits until `predicate()` is true, checking every 10 ms.
 * @param {() => boolean} predicate
 * @param {string} what what is awaited, for the error
 * @param {number} [timeoutMs]
 */
async function waitFor(predicate, what, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each option's default, as vpcrouter would fill them in. */
function defaults() {
  return Object.fromEntries(
    Object.entries(plugin.options ?? {}).map(([name, option]) => [name, option.default]),
  );
}

/**
 * A route spec server on 127.0.0.1 whose answers the test sets with `server.handle`, and the
 * plugin started against it with a fake context. Everything is stopped and closed after the test.
 * @param {import("node:test").TestContext} t
 */
async function setup(t) {
  /** @type {{ url: string | undefined, headers: import("node:http").IncomingHttpHeaders }[]} */
  const requests = [];
  /** @type {(request: import("node:http").IncomingMessage, response: import("node:http").ServerResponse) => void} */
  let handler = (_request, response) => {
    response.writeHead(404).end();
  };
  const server = createServer((request, response) => {
    requests.push({ url: request.url, headers: request.headers });
    handler(request, response);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  const url = `http://127.0.0.1:${address.port}/route-spec.json`;

  const controller = new AbortController();
  /** @type {unknown[]} */
  const emits = [];
  /** @type {string[]} */
  const fails = [];
  /** @type {{ level: string, message: string, fields: unknown }[]} */
  const logs = [];
  /** @param {string} level */
  const log = (level) => (/** @type {string} */ message, /** @type {unknown} */ fields) => {
    logs.push({ level, message, fields });
  };
  /** @type {import("vpcrouter/plugin").PluginRun | undefined} */
  let run;

  t.after(async () => {
    controller.abort();
    await run?.stop?.();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(() => resolve(undefined)));
  });

  return {
    url,
    requests,
    emits,
    fails,
    logs,
    controller,
    /** @param {typeof handler} next */
    handle(next) {
      handler = next;
    },
    /** Stops the server listening (and ends open connections). */
    async closeServer() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
    /**
     * Starts the plugin with the defaults, FAST and `options`.
     * @param {Record<string, unknown>} [options]
     */
    async start(options = {}) {
      const values = { ...defaults(), url, ...FAST, ...options };
      assert.deepEqual(plugin.checkOptions?.(values), [], "the test's options are valid");
      run = await plugin.start({
        options: values,
        signal: controller.signal,
        logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
        emit: (spec) => emits.push(spec),
        fail: (problem) => fails.push(problem),
      });
      return run;
    },
  };
}

/**
 * Answers with `body` as JSON, and with `etag` when given (304 when the request names it).
 * @param {unknown} body
 * @param {string} [etag]
 */
function json(body, etag) {
  return (
    /** @type {import("node:http").IncomingMessage} */ request,
    /** @type {import("node:http").ServerResponse} */ response,
  ) => {
    if (etag !== undefined && request.headers["if-none-match"] === etag) {
      response.writeHead(304, { ETag: etag }).end();
      return;
    }
    response
      .writeHead(200, { "Content-Type": "application/json", ...(etag === undefined ? {} : { ETag: etag }) })
      .end(JSON.stringify(body));
  };
}

// The first fetch of a process loads its HTTP client, which can take longer than a test's timeout.
before(async () => {
  const server = createServer((_request, response) => {
    response.end("{}");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  await (await fetch(`http://127.0.0.1:${port}/`)).text();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(() => resolve(undefined)));
});

test("the plugin declares API version 1, a spec source, and options whose defaults are in range", () => {
  assert.equal(plugin.apiVersion, 1);
  assert.equal(plugin.kind, "spec-source");
  assert.match(plugin.name, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  assert.equal(typeof plugin.start, "function");
  for (const [name, option] of Object.entries(plugin.options ?? {})) {
    assert.match(name, /^[a-z][A-Za-z0-9]*$/);
    if (option.type === "integer") {
      assert.ok(
        option.min <= option.default && option.default <= option.max,
        `${name}'s default is in range`,
      );
    }
  }
  assert.deepEqual(Object.keys(plugin.options ?? {}).sort(), [
    "bearerTokenFile",
    "headers",
    "pollIntervalMs",
    "timeoutMs",
    "url",
  ]);
});

test("the first poll emits the spec and logs it at info", async (t) => {
  const s = await setup(t);
  s.handle(json(SPEC_A));
  await s.start();
  await waitFor(() => s.emits.length === 1, "the first emit");
  assert.deepEqual(s.emits[0], SPEC_A);
  assert.deepEqual(s.fails, []);
  assert.equal(
    s.requests[0]?.headers["if-none-match"],
    undefined,
    "no ETag is known before the first answer",
  );
  const info = s.logs.filter((line) => line.level === "info");
  assert.equal(info.length, 1);
  assert.equal(info[0]?.message, "route spec received");
  assert.deepEqual(info[0]?.fields, { url: s.url, etag: null, cidrs: 1 });
});

test("the ETag is sent back and a 304 emits nothing", async (t) => {
  const s = await setup(t);
  s.handle(json(SPEC_A, '"v1"'));
  await s.start();
  await waitFor(() => s.requests.length >= 3, "three polls");
  assert.deepEqual(s.emits, [SPEC_A]);
  assert.deepEqual(s.fails, []);
  assert.equal(s.requests[1]?.headers["if-none-match"], '"v1"');
  assert.equal(s.requests[2]?.headers["if-none-match"], '"v1"');
});

test("without an ETag, the same document is emitted once", async (t) => {
  const s = await setup(t);
  s.handle(json(SPEC_A));
  await s.start();
  await waitFor(() => s.requests.length >= 3, "three polls");
  assert.deepEqual(s.emits, [SPEC_A]);
});

test("a changed document is emitted again and logged as a change", async (t) => {
  const s = await setup(t);
  s.handle(json(SPEC_A, '"v1"'));
  await s.start();
  await waitFor(() => s.emits.length === 1, "the first emit");
  s.handle(json(SPEC_B, '"v2"'));
  await waitFor(() => s.emits.length === 2, "the second emit");
  assert.deepEqual(s.emits[1], SPEC_B);
  assert.ok(s.logs.some((line) => line.level === "info" && line.message === "route spec changed"));
  await waitFor(
    () => s.requests.some((request) => request.headers["if-none-match"] === '"v2"'),
    "the new ETag",
  );
  assert.equal(s.emits.length, 2);
});

test("a 500 fails with the status, warns once, and the recovery emits the spec again", async (t) => {
  const s = await setup(t);
  s.handle(json(SPEC_A));
  await s.start();
  await waitFor(() => s.emits.length === 1, "the first emit");
  s.handle((_request, response) => {
    response.writeHead(500).end("boom");
  });
  await waitFor(() => s.fails.length >= 3, "three failed polls");
  assert.equal(s.fails[0], `GET ${s.url}: 500 Internal Server Error`);
  assert.equal(s.logs.filter((line) => line.level === "warn").length, 1, "one warning for a lasting failure");
  s.handle(json(SPEC_A));
  await waitFor(() => s.emits.length === 2, "the emit after recovery");
  assert.deepEqual(s.emits[1], SPEC_A);
  assert.ok(s.logs.some((line) => line.level === "info" && line.message.includes("is back")));
});

test("a body that is not JSON fails and emits nothing", async (t) => {
  const s = await setup(t);
  s.handle((_request, response) => {
    response.writeHead(200, { "Content-Type": "application/json" }).end("{not json");
  });
  await s.start();
  await waitFor(() => s.fails.length >= 1, "a failure");
  assert.match(s.fails[0] ?? "", /^GET http:\/\/127\.0\.0\.1:\d+\/route-spec\.json: the body is not JSON \(/);
  assert.deepEqual(s.emits, []);
});

test("a server that does not answer in time fails with a timeout", async (t) => {
  const s = await setup(t);
  s.handle(() => {}); // never answers
  await s.start({ timeoutMs: 50, pollIntervalMs: 200 });
  await waitFor(() => s.fails.length >= 1, "a failure");
  assert.equal(s.fails[0], `GET ${s.url}: timed out after 50 ms`);
  assert.deepEqual(s.emits, []);
});

test("a body that stops half way fails with a timeout", async (t) => {
  const s = await setup(t);
  s.handle((_request, response) => {
    response.writeHead(200, { "Content-Type": "application/json" });
    response.write('{"10.55.16.0/24": '); // and never ends
  });
  await s.start({ timeoutMs: 50, pollIntervalMs: 200 });
  await waitFor(() => s.fails.length >= 1, "a failure");
  assert.equal(s.fails[0], `GET ${s.url}: timed out after 50 ms`);
  assert.deepEqual(s.emits, []);
});

test("a refused connection fails with the network error", async (t) => {
  const s = await setup(t);
  await s.closeServer();
  await s.start();
  await waitFor(() => s.fails.length >= 1, "a failure");
  assert.match(
    s.fails[0] ?? "",
    /^GET http:\/\/127\.0\.0\.1:\d+\/route-spec\.json: fetch failed: .*ECONNREFUSED/,
  );
});

test("a redirect is not followed and fails with its location", async (t) => {
  const s = await setup(t);
  s.handle((_request, response) => {
    response.writeHead(302, { Location: "http://elsewhere.invalid/spec.json" }).end();
  });
  await s.start();
  await waitFor(() => s.fails.length >= 1, "a failure");
  assert.equal(
    s.fails[0],
    `GET ${s.url}: 302 Found, redirects to http://elsewhere.invalid/spec.json (redirects are not followed)`,
  );
  assert.equal(
    s.requests.length >= 1 && s.requests.every((request) => request.url === "/route-spec.json"),
    true,
  );
});

test("headers are sent, and the bearer token file is read at each poll", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "http-json-test-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const tokenFile = join(dir, "token");
  await writeFile(tokenFile, "first-token\n");
  const s = await setup(t);
  s.handle(json(SPEC_A));
  await s.start({ headers: ["X-Cluster: prod", "Accept: application/json"], bearerTokenFile: tokenFile });
  await waitFor(() => s.emits.length === 1, "the first emit");
  assert.equal(s.requests[0]?.headers.authorization, "Bearer first-token");
  assert.equal(s.requests[0]?.headers["x-cluster"], "prod");
  assert.equal(s.requests[0]?.headers.accept, "application/json");
  await writeFile(tokenFile, "second-token");
  await waitFor(
    () => s.requests.some((request) => request.headers.authorization === "Bearer second-token"),
    "the rotated token",
  );
  await rm(tokenFile);
  await waitFor(() => s.fails.length >= 1, "a failure");
  assert.match(s.fails[0] ?? "", /: cannot read bearerTokenFile .*token: ENOENT$/);
  await writeFile(tokenFile, "two\nlines");
  await waitFor(() => s.fails.some((problem) => problem.includes("does not hold a token")), "a bad token");
  assert.ok(
    s.fails.every((problem) => !problem.includes("lines")),
    "the token is never shown",
  );
});

test("checkOptions names the options that are wrong", () => {
  const check = (/** @type {Record<string, unknown>} */ values) =>
    plugin.checkOptions?.(
      /** @type {import("vpcrouter/plugin").PluginOptionValues} */ ({ ...defaults(), ...values }),
    ) ?? [];
  assert.deepEqual(check({ url: "https://config.example/route-spec.json" }), []);
  assert.deepEqual(check({ url: "http://10.0.0.1:8080/spec" }), []);

  const missing = check({});
  assert.equal(missing.length, 1);
  assert.match(missing[0] ?? "", /^url must be set/);

  const ftp = check({ url: "ftp://config.example/route-spec.json" });
  assert.equal(ftp.length, 1);
  assert.match(ftp[0] ?? "", /^url must be http: or https:, not ftp:/);

  assert.match(check({ url: "not a url" })[0] ?? "", /^url is not a valid URL/);
  assert.match(
    check({ url: "https://user:secret@config.example/" })[0] ?? "",
    /^url must not hold a user name/,
  );

  const slow = check({ url: "https://config.example/", timeoutMs: 5000, pollIntervalMs: 5000 });
  assert.equal(slow.length, 1);
  assert.match(slow[0] ?? "", /^timeoutMs \(5000\) must be below pollIntervalMs \(5000\)/);

  const headers = check({
    url: "https://config.example/",
    headers: ["X-Ok: yes", "X-Token c2VjcmV0", "If-None-Match: x", "Authorization: Basic c2VjcmV0"],
    bearerTokenFile: "/var/run/secrets/token",
  });
  assert.deepEqual(
    headers.map((problem) => problem.split(" ").slice(0, 3).join(" ")),
    ["headers entry 2", "headers entry 3", "headers entry 4"],
  );
  assert.ok(
    headers.every((problem) => !problem.includes("c2VjcmV0")),
    "header values are never shown",
  );
});

test("stop() stops polling: no request follows", async (t) => {
  const s = await setup(t);
  s.handle(json(SPEC_A));
  const run = await s.start();
  await waitFor(() => s.emits.length === 1, "the first emit");
  assert.ok(run?.stop, "start() returns a run with stop()");
  await run.stop();
  const seen = s.requests.length;
  await sleep(QUIET_MS);
  assert.equal(s.requests.length, seen, "no request after stop()");
  assert.deepEqual(s.emits, [SPEC_A]);
  assert.deepEqual(s.fails, []);
});

test("stop() aborts a hanging request at once and reports no failure", async (t) => {
  const s = await setup(t);
  let closed = false;
  s.handle((request) => {
    request.socket.once("close", () => {
      closed = true;
    });
  }); // never answers
  const run = await s.start({ pollIntervalMs: 20_000, timeoutMs: 10_000 });
  await waitFor(() => s.requests.length === 1, "the first poll");
  const started = Date.now();
  assert.ok(run?.stop, "start() returns a run with stop()");
  await run.stop();
  assert.ok(
    s.logs.some((line) => line.message.startsWith("route spec poll cancelled")),
    "stop() waited for the poll in flight to end",
  );
  assert.ok(Date.now() - started < 3000, `stop() took ${Date.now() - started} ms, not the request's timeout`);
  await waitFor(() => closed, "the connection to close");
  assert.deepEqual(s.fails, []);
  assert.deepEqual(s.emits, []);
});

test("aborting the context's signal stops polling", async (t) => {
  const s = await setup(t);
  s.handle(json(SPEC_A));
  await s.start();
  await waitFor(() => s.requests.length >= 2, "two polls");
  s.controller.abort();
  const seen = s.requests.length;
  await sleep(QUIET_MS);
  // The poll in flight may still reach the server; none is scheduled after the abort.
  assert.ok(s.requests.length <= seen + 1, `no poll after the abort (${s.requests.length - seen} more)`);
  assert.deepEqual(s.emits, [SPEC_A]);
  assert.deepEqual(s.fails, []);
});
