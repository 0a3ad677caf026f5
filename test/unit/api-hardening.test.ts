/**
 * The HTTP API's server on real loopback sockets: what the write guard answers (the attacks of
 * issue 9 replayed), the limits (a trickled body, slow headers, too many connections, a large
 * body) and HTTPS with and without client certificates (certificates made with openssl).
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { BearerToken } from "../../src/api/bearer-token.js";
import { DEFAULT_API_LIMITS } from "../../src/api/limits.js";
import { type ApiBackend, type ApiServerOptions, createApiServer } from "../../src/api/server.js";
import { loadConfig, redactedConfig } from "../../src/config/load.js";
import { makeCertificates } from "../support/certificates.js";

const TOKEN = "token-for-the-api-0123456789";
const ATTACK = '{"0.0.0.0/0": ["10.0.0.66"]}';

/** A started API whose spec writes are recorded in `puts`. */
async function startApi(options: ApiServerOptions = {}) {
  const puts: string[] = [];
  const config = redactedConfig(
    loadConfig({ overrides: { "replica.id": "a", "aws.vpcId": "vpc-0123abcd" } }),
  );
  const backend: ApiBackend = {
    status: () => ({ role: "follower" }),
    specInForce: () => undefined,
    putSpec: async (json) => {
      puts.push(json);
      return "7";
    },
    ready: () => true,
    roleView: () => ({ role: "follower", ready: true, leader: null }),
    maxRoutes: () => 1000,
    metrics: (_request, response) => response.end(),
    config: () => config,
    startedAt: "2026-12-02T00:00:00.000Z",
    vpcRouterState: () => undefined,
  };
  const app = createApiServer(backend, pino({ level: "silent" }), options);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { app, puts, port, url: `http://127.0.0.1:${port}` };
}

/** Resolves when the server closes `socket`, with what it sent before. */
function closedBy(socket: Socket): Promise<string> {
  let received = "";
  socket.setEncoding("utf8").on("data", (chunk: string) => (received += chunk));
  return new Promise((resolve) => socket.once("close", () => resolve(received)));
}

describe("API writes against the attacks of issue 9", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  before(async () => {
    api = await startApi();
  });
  after(async () => {
    await api.app.close();
  });

  const post = (headers: Record<string, string>, body = ATTACK) =>
    fetch(`${api.url}/route_spec`, { method: "POST", headers, body });

  it("refuses a cross-origin text/plain POST (no preflight needed by a browser) with 403", async () => {
    const response = await post({ "content-type": "text/plain", origin: "https://evil.example" });
    assert.equal(response.status, 403);
    assert.match(
      ((await response.json()) as { error: string }).error,
      /Origin "https:\/\/evil.example" may not write/,
    );
    assert.deepEqual(api.puts, []);
  });

  it("refuses Host: attacker.example (DNS rebinding) with 421", async () => {
    // fetch forbids setting Host; a raw request does what a rebound browser does.
    const socket = connect(api.port, "127.0.0.1");
    const answer = closedBy(socket);
    socket.end(
      `POST /route_spec HTTP/1.1\r\nHost: attacker.example:${api.port}\r\nContent-Type: application/json\r\nContent-Length: ${ATTACK.length}\r\nConnection: close\r\n\r\n${ATTACK}`,
    );
    assert.match(await answer, /^HTTP\/1.1 421 /);
    assert.deepEqual(api.puts, []);
  });

  it("refuses text/plain and form bodies with 415, and stores JSON from curl on loopback", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      assert.equal((await post({ "content-type": type })).status, 415, type);
    }
    assert.deepEqual(api.puts, []);
    const stored = await post({ "content-type": "application/json" }, '{"10.55.16.0/24": ["10.33.20.142"]}');
    assert.equal(stored.status, 200);
    assert.deepEqual(api.puts, ['{"10.55.16.0/24":["10.33.20.142"]}']);
    api.puts.length = 0;
  });
});

describe("API writes with a bearer token, off loopback", () => {
  it("needs the token (401 with WWW-Authenticate), and refuses writes without one off loopback", async () => {
    const api = await startApi({
      writePolicy: {
        writes: true,
        token: new BearerToken(TOKEN),
        listenAddress: "0.0.0.0",
        allowedOrigins: [],
        allowedHosts: [],
      },
    });
    try {
      const post = (authorization?: string) =>
        fetch(`${api.url}/route_spec`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
          body: ATTACK,
        });
      const missing = await post();
      assert.equal(missing.status, 401);
      assert.equal(missing.headers.get("www-authenticate"), 'Bearer realm="vpcrouter"');
      assert.equal((await post("Bearer wrong-token-0123456789")).status, 401);
      assert.deepEqual(api.puts, []);
      assert.equal((await post(`Bearer ${TOKEN}`)).status, 200);
      assert.equal(api.puts.length, 1);
    } finally {
      await api.app.close();
    }
    const open = await startApi({
      writePolicy: {
        writes: true,
        token: undefined,
        listenAddress: "0.0.0.0",
        allowedOrigins: [],
        allowedHosts: [],
      },
    });
    try {
      const refused = await fetch(`${open.url}/route_spec`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: ATTACK,
      });
      assert.equal(refused.status, 403);
      assert.match(((await refused.json()) as { error: string }).error, /no api\.tokenFile is configured/);
      assert.deepEqual(open.puts, []);
      // Reads still work.
      assert.equal((await fetch(`${open.url}/healthz`)).status, 200);
    } finally {
      await open.app.close();
    }
  });
});

describe("API server limits", () => {
  const limits = {
    ...DEFAULT_API_LIMITS,
    requestTimeoutMs: 1_000,
    headersTimeoutMs: 500,
    timeoutCheckIntervalMs: 100,
    maxConnections: 3,
    bodyLimitBytes: 4096,
  };
  let api: Awaited<ReturnType<typeof startApi>>;
  before(async () => {
    api = await startApi({ limits });
  });
  after(async () => {
    await api.app.close();
  });

  /**
   * Sends `head`, then `drip` every 100 ms, until the server closes the connection.
   * @returns what the server answered before closing.
   * @throws Error when the connection is still open after 10 s.
   */
  async function trickle(head: string, drip: string): Promise<string> {
    const socket = connect(api.port, "127.0.0.1");
    const answer = closedBy(socket);
    socket.write(head);
    const timer = setInterval(() => socket.writable && socket.write(drip), 100);
    let deadline: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        answer,
        new Promise<string>((_, reject) => {
          deadline = setTimeout(() => reject(new Error("still open after 10 s")), 10_000);
        }),
      ]);
    } finally {
      clearInterval(timer);
      clearTimeout(deadline);
      socket.destroy();
    }
  }

  it("closes a connection that trickles its body (408), storing nothing", async () => {
    const head = `POST /route_spec HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`;
    assert.match(await trickle(head, " "), /^HTTP\/1.1 408 /);
    assert.deepEqual(api.puts, []);
  });

  it("closes a connection whose headers never end (408)", async () => {
    const head = "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    assert.match(await trickle(head, "X-Slow: 1\r\n"), /^HTTP\/1.1 408 /);
  });

  it("refuses a body over the limit with 413", async () => {
    const response = await fetch(`${api.url}/route_spec`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `{"pad": "${"x".repeat(8192)}"}`,
    });
    assert.equal(response.status, 413);
    assert.deepEqual(api.puts, []);
  });

  it("closes connections beyond the cap at once", async () => {
    // A server of its own: no keep-alive socket of the other tests counts against its cap.
    const capped = await startApi({ limits });
    const sockets = Array.from({ length: limits.maxConnections }, () => connect(capped.port, "127.0.0.1"));
    try {
      await Promise.all(sockets.map((s) => new Promise((resolve) => s.once("connect", resolve))));
      const extra = connect(capped.port, "127.0.0.1");
      extra.on("error", () => undefined); // the server's reset
      const closed = closedBy(extra);
      extra.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assert.equal(await closed, "", "a connection beyond the cap was answered");
      const inCap = sockets[0];
      assert.ok(inCap);
      const answered = new Promise<string>((resolve) => inCap.setEncoding("utf8").once("data", resolve));
      inCap.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assert.match(await answered, /^HTTP\/1.1 200 /);
    } finally {
      for (const socket of sockets) socket.destroy();
      await capped.app.close();
    }
  });
});

describe("API over HTTPS", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "vpcrouter-api-tls-"));
    await makeCertificates(dir);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** GET /healthz over HTTPS: the status code, or the error's code. */
  const getHealth = (port: number, client: { cert?: Buffer; key?: Buffer }, ca: Buffer) =>
    new Promise<number | string>((resolve) => {
      const request = httpsRequest(
        { host: "127.0.0.1", port, path: "/healthz", ca, ...client, servername: "localhost" },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      request.end();
    });

  it("serves HTTPS with api.tls.cert and refuses plain HTTP", async () => {
    const pem = (name: string) => readFile(join(dir, name));
    const api = await startApi({ tls: { cert: await pem("server.pem"), key: await pem("server.key") } });
    try {
      assert.equal(await getHealth(api.port, {}, await pem("ca.pem")), 200);
      const plain = await fetch(`${api.url}/healthz`).then(
        (r) => r.status,
        () => "refused",
      );
      assert.notEqual(plain, 200);
    } finally {
      await api.app.close();
    }
  });

  it("closes a connection that never starts its TLS handshake", async () => {
    const pem = (name: string) => readFile(join(dir, name));
    const limits = { ...DEFAULT_API_LIMITS, headersTimeoutMs: 500, requestTimeoutMs: 1000 };
    const api = await startApi({
      limits,
      tls: { cert: await pem("server.pem"), key: await pem("server.key") },
    });
    const silent = connect(api.port, "127.0.0.1");
    silent.on("error", () => undefined);
    try {
      let deadline: NodeJS.Timeout | undefined;
      await Promise.race([
        closedBy(silent),
        new Promise<string>((_, reject) => {
          deadline = setTimeout(() => reject(new Error("a silent socket is still open after 10 s")), 10_000);
        }),
      ]).finally(() => clearTimeout(deadline));
    } finally {
      silent.destroy();
      await api.app.close();
    }
  });

  it("with api.tls.clientCa, answers only clients with a certificate that CA signed", async () => {
    const pem = (name: string) => readFile(join(dir, name));
    const ca = await pem("ca.pem");
    const api = await startApi({
      tls: { cert: await pem("server.pem"), key: await pem("server.key"), clientCa: ca },
    });
    try {
      assert.notEqual(await getHealth(api.port, {}, ca), 200);
      const client = { cert: await pem("client.pem"), key: await pem("client.key") };
      assert.equal(await getHealth(api.port, client, ca), 200);
    } finally {
      await api.app.close();
    }
  });
});
