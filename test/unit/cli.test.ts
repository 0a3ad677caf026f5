import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeCertificates } from "../support/certificates.js";
import { freePort } from "../support/free-port.js";
import { vpcRouterExampleArgs } from "../support/vpc-router-example.js";
import { runCli } from "./cli-process.js";

let dir: string;
let goodSpec: string;
let badSpec: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "vpcrouter-cli-test-"));
  goodSpec = join(dir, "good.json");
  badSpec = join(dir, "bad.json");
  await writeFile(
    goodSpec,
    JSON.stringify({ "10.55.16.0/24": ["10.33.20.142"], "10.66.17.0/24": ["10.33.20.93"] }),
  );
  await writeFile(
    badSpec,
    JSON.stringify({ "10.55.16.1/24": ["10.33.20.142"], "10.66.17.0/24": ["10.33.20.93"] }),
  );
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("vpcrouter usage", () => {
  it("--help prints the commands and flags and exits 0", async () => {
    const result = await runCli(["--help"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Usage: vpcrouter/);
    for (const word of [
      "run",
      "spec",
      "status",
      "--etcd-endpoints",
      "--probe-interval",
      "-m, --mode",
      "-l, --log-file",
      "--fixed_cidr",
      "Exit codes",
    ]) {
      assert.ok(result.stdout.includes(word), `help lacks ${word}`);
    }
  });

  it("spec --help exits 0 and lists the spec commands", async () => {
    const result = await runCli(["spec", "--help"]);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /validate/);
    assert.match(result.stdout, /put/);
  });

  it("an unknown flag exits 2 with a vpcrouter: message", async () => {
    const result = await runCli(["status", "--bogus"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^vpcrouter: unknown option '--bogus'/m);
  });

  it("an unknown command exits 2", async () => {
    const result = await runCli(["frobnicate"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^vpcrouter: unknown command 'frobnicate'/m);
  });

  it("a missing argument exits 2", async () => {
    const result = await runCli(["spec", "validate"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /missing required argument 'file'/);
  });
});

describe("vpcrouter configuration errors exit 2 naming the setting", () => {
  it("a bad flag value", async () => {
    const result = await runCli(["run", "--probe-interval", "100"]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^vpcrouter: invalid configuration: probe\.timeoutMs: must be below probe\.intervalMs/m,
    );
  });

  it("a bad environment value", async () => {
    const result = await runCli(["run"], { env: { VPCROUTER_API_PORT: "99999" } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /api\.port: Invalid listen port: must be an integer from 1 to 65535/);
  });

  it("a bad CIDR in --ignore-routes", async () => {
    const result = await runCli(["run", "--ignore-routes", "10.0.0.1/8"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /reconcile\.ignoreRoutes: 10\.0\.0\.1\/8 has host bits set/);
  });

  it("an unknown key in the --config file", async () => {
    const file = join(dir, "unknown-key.json");
    await writeFile(file, JSON.stringify({ probe: { intervalMsec: 100 } }));
    const result = await runCli(["--config", file, "run"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /probe\.intervalMsec: unknown setting/);
  });

  it("VPCROUTER_CONFIG names the file when --config is absent", async () => {
    const file = join(dir, "max-routes.json");
    await writeFile(file, JSON.stringify({ spec: { maxRoutes: 1 } }));
    const result = await runCli(["spec", "validate", goodSpec], { env: { VPCROUTER_CONFIG: file } });
    assert.equal(result.code, 2, "two routes exceed maxRoutes 1 from the file");
    assert.match(result.stderr, /not a valid route spec/);
  });
});

describe("vpc-router's command line without a run command", () => {
  it("a bare vpc-router line is the daemon's: a missing route spec file exits 2 before anything starts", async () => {
    const result = await runCli(vpcRouterExampleArgs(join(dir, "route-spec.conf")));
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /^vpcrouter: invalid configuration: spec\.file: Cannot open config file '.*route-spec\.conf': ENOENT/m,
    );
  });

  it("a bad listen port exits 2 with vpc-router's words", async () => {
    const result = await runCli(["-m", "http", "-p", "99999"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /api\.port: Invalid listen port/);
  });

  it("an unopenable log file exits 2 before anything starts", async () => {
    const result = await runCli(["-l", join(dir, "no-such-dir", "vpcrouter.log")], {
      env: { VPCROUTER_ETCD_ENDPOINTS: "127.0.0.1:1" },
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /log\.file: Cannot open log file/);
  });
});

describe("vpcrouter spec validate", () => {
  it("accepts a good spec: exit 0 and the route count", async () => {
    const result = await runCli(["spec", "validate", goodSpec]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^OK: .*good\.json holds a valid route spec with 2 routes$/m);
  });

  it("rejects a bad spec: exit 2 naming the CIDR", async () => {
    const result = await runCli(["spec", "validate", badSpec]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /bad\.json is not a valid route spec/);
    assert.match(result.stderr, /10\.55\.16\.1\/24 has host bits set/);
  });

  it("reads standard input for -", async () => {
    const ok = await runCli(["spec", "validate", "-"], { input: '{"10.0.0.0/8": ["10.1.1.1"]}' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /standard input holds a valid route spec with 1 route$/m);
    const bad = await runCli(["spec", "validate", "-"], { input: "{not json" });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not valid JSON/);
  });

  it("a missing file exits 2", async () => {
    const result = await runCli(["spec", "validate", join(dir, "absent.json")]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /cannot read .*absent\.json/);
  });

  it("honours spec.maxRoutes from the environment", async () => {
    const result = await runCli(["spec", "validate", goodSpec], { env: { VPCROUTER_SPEC_MAX_ROUTES: "1" } });
    assert.equal(result.code, 2);
  });
});

describe("vpcrouter status", () => {
  let server: Server;
  let port: number;
  let answer = { status: 200, body: JSON.stringify({ replica: "r1", leader: true }) };

  before(async () => {
    server = createServer((req, res) => {
      if (req.url !== "/status") {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const READY = {
    replica: { id: "r1", zone: "az-a" },
    role: "leader",
    ready: true,
    leader: { id: "r1", term: "41" },
    members: [
      { id: "r1", zone: "az-a" },
      { id: "r2", zone: "az-b" },
    ],
    votes: { r1: { failed: ["10.0.0.1"] }, r2: { failed: [] } },
    quorum: 2,
    failedRouters: [],
    questionableRouters: ["10.0.0.1"],
    spec: { revision: "12", routes: { "10.55.16.0/24": ["10.0.0.1", "10.0.0.2"] }, error: null },
    routeTables: [
      {
        routeTableId: "rtb-1",
        main: true,
        routes: [
          {
            destinationCidrBlock: "10.55.16.0/24",
            target: { kind: "eni", networkInterfaceId: "eni-1", instanceId: "i-1" },
            state: "active",
          },
        ],
      },
    ],
    lastReconcile: { at: "2026-12-02T01:00:00.000Z", reason: "recheck", durationMs: 12, error: null },
  };

  it("prints a readable summary and exits 0 when the replica is ready", async () => {
    answer = { status: 200, body: JSON.stringify(READY) };
    const result = await runCli(["status", "--port", String(port)]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split("\n");
    assert.equal(lines[0], "replica   r1 (zone az-a), leader, ready");
    assert.equal(lines[1], "leader    r1, term 41");
    assert.ok(lines.includes("members   2: r1 (az-a), r2 (az-b)"), result.stdout);
    assert.ok(lines.includes("quorum    2 votes confirm a failure"), result.stdout);
    assert.ok(lines.includes("routers   failed: none; questionable: 10.0.0.1"), result.stdout);
    assert.ok(lines.includes("  vote of r1: 10.0.0.1"), result.stdout);
    assert.ok(lines.includes("spec      revision 12, 1 route(s)"), result.stdout);
    assert.ok(lines.includes("  rtb-1 (main)"), result.stdout);
    assert.ok(lines.includes("    10.55.16.0/24 → eni-1 (i-1)"), result.stdout);
    assert.ok(lines.includes("reconcile 2026-12-02T01:00:00.000Z (recheck, 12 ms)"), result.stdout);
  });

  it("prints the whole document with --json", async () => {
    answer = { status: 200, body: JSON.stringify(READY) };
    const result = await runCli(["status", "--json", "--port", String(port)]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), READY);
  });

  it("says when the cluster is paused and a plan was held back", async () => {
    const paused = {
      ...READY,
      paused: { by: "alice@ops", at: "2026-12-02T01:00:00.000Z", reason: "maintenance" },
      lastReconcile: { ...READY.lastReconcile, held: "paused by alice@ops at 2026-12-02T01:00:00.000Z" },
    };
    answer = { status: 200, body: JSON.stringify(paused) };
    const result = await runCli(["status", "--port", String(port)]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^PAUSED {4}by alice@ops at 2026-12-02T01:00:00.000Z \(maintenance\): no EC2 writes$/m,
    );
    assert.match(result.stdout, /; not applied: paused by alice@ops/);
  });

  it("exits 1 when the replica is not ready", async () => {
    answer = { status: 200, body: JSON.stringify({ ...READY, ready: false, role: "connecting" }) };
    const result = await runCli(["status", "--port", String(port)]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^replica {3}r1 \(zone az-a\), connecting, NOT READY/);
    assert.match(result.stderr, /is not ready/);
  });

  it("exits 1 when the API answers an HTTP error", async () => {
    answer = { status: 503, body: JSON.stringify({ error: "starting" }) };
    const result = await runCli(["status", "--port", String(port)]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /answered HTTP 503/);
  });

  it("exits 1 with a clear message when nothing listens", async () => {
    const closedPort = await freePort();
    const result = await runCli(["status", "--address", "127.0.0.1", "--port", String(closedPort)]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(`cannot reach the status API at http://127\\.0\\.0\\.1:${closedPort}/status`),
    );
    assert.match(result.stderr, /ECONNREFUSED/);
  });

  it("presents api.client.cert to a mutual-TLS API and trusts api.client.ca", async () => {
    const pki = join(dir, "pki");
    await mkdir(pki);
    await makeCertificates(pki);
    const pem = (name: string) => readFile(join(pki, name));
    const mtls = createHttpsServer(
      {
        cert: await pem("server.pem"),
        key: await pem("server.key"),
        ca: await pem("ca.pem"),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(READY)),
    );
    await new Promise<void>((resolve) => mtls.listen(0, "127.0.0.1", resolve));
    const mtlsPort = String((mtls.address() as AddressInfo).port);
    try {
      const trust = ["--api-ca", join(pki, "ca.pem")];
      const client = [
        "--api-client-cert",
        join(pki, "client.pem"),
        "--api-client-key",
        join(pki, "client.key"),
      ];
      const withCert = await runCli(["status", "--port", mtlsPort, ...trust, ...client]);
      assert.equal(withCert.code, 0, withCert.stderr);
      assert.match(withCert.stdout, /^leader {4}r1, term 41$/m);
      const withoutCert = await runCli(["status", "--port", mtlsPort, ...trust]);
      assert.equal(withoutCert.code, 1);
      assert.match(
        withoutCert.stderr,
        new RegExp(`cannot reach the status API at https://127\\.0\\.0\\.1:${mtlsPort}/status`),
      );
      const untrusted = await runCli(["status", "--port", mtlsPort, ...client]);
      assert.equal(untrusted.code, 1);
      assert.match(untrusted.stderr, /certificate/i);
    } finally {
      mtls.closeAllConnections();
      await new Promise<void>((resolve) => mtls.close(() => resolve()));
    }
  });

  it("asks over HTTPS when the API serves TLS (api.tls.cert)", async () => {
    const closedPort = await freePort();
    const result = await runCli([
      "status",
      "--port",
      String(closedPort),
      "--api-tls-cert",
      "/dev/null",
      "--api-tls-key",
      "/dev/null",
    ]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(`cannot reach the status API at https://127\\.0\\.0\\.1:${closedPort}/status`),
    );
  });
});
