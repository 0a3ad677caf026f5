/**
 * Replicas (the daemon, as processes) against a real etcd with TLS, client certificates and
 * password auth, each under a least-privilege role limited to the cluster's prefix, and an
 * operator whose role may write only `<prefix>/spec`: the spec goes in, a router fails, the
 * routes move. The RBAC commands are the ones deploy/README.md documents. Then the secrets the
 * replicas hold (etcd password, API token, AWS secret key) are looked for everywhere they could
 * leak: logs, every API body, CLI and start-up error output.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeCertificates } from "../support/certificates.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";
import { runCli } from "../unit/cli-process.js";

const CIDR = "10.55.16.0/24";
const ROOT = "root:root-pw-0123456789";
const DAEMON_PASSWORD = "daemon-pw-0123456789";
const OPERATOR_PASSWORD = "operator-pw-0123456789";
const API_TOKEN = "api-token-secret-0123456789";
const AWS_SECRET = "aws-secret-key-0123456789";
const SECRETS = [DAEMON_PASSWORD, OPERATOR_PASSWORD, API_TOKEN, AWS_SECRET, ROOT];

/** The secrets that appear in `text`. */
function leakedIn(text: string): string[] {
  return SECRETS.filter((secret) => text.includes(secret));
}

describe("etcd with TLS, client certificates and least-privilege roles", () => {
  let dir: string;
  let world: TestWorld;
  let tlsFlags: string[];
  let r1: string;
  let r2: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "vpcrouter-etcd-sec-"));
    await makeCertificates(dir);
    const file = (name: string) => join(dir, name);
    await writeFile(file("daemon.pw"), `${DAEMON_PASSWORD}\n`, { mode: 0o600 });
    await writeFile(file("operator.pw"), `${OPERATOR_PASSWORD}\n`, { mode: 0o600 });
    await writeFile(file("api.token"), `${API_TOKEN}\n`, { mode: 0o600 });
    world = await TestWorld.create({
      tag: "sec",
      subnet: 242,
      etcdMembers: 1,
      routers: 2,
      routeTables: 2,
      etcdTls: {
        caFile: file("ca.pem"),
        certFile: file("server.pem"),
        keyFile: file("server.key"),
        clientCertFile: file("client.pem"),
        clientKeyFile: file("client.key"),
      },
    });
    [r1, r2] = world.routers.routerIps as [string, string];
    // deploy/README.md "etcd roles": the daemon's role owns the prefix, the operator's only the spec.
    const p = world.prefix;
    for (const args of [
      ["user", "add", ROOT],
      ["role", "add", "vpcrouter"],
      ["role", "grant-permission", "vpcrouter", "--prefix=true", "readwrite", `${p}/`],
      ["user", "add", `vpcrouter:${DAEMON_PASSWORD}`],
      ["user", "grant-role", "vpcrouter", "vpcrouter"],
      ["role", "add", "vpcrouter-operator"],
      ["role", "grant-permission", "vpcrouter-operator", "readwrite", `${p}/spec`],
      ["role", "grant-permission", "vpcrouter-operator", "readwrite", `${p}/pause`],
      ["role", "grant-permission", "vpcrouter-operator", "readwrite", `${p}/switchover`],
      ["role", "grant-permission", "vpcrouter-operator", "read", "--prefix=true", `${p}/`],
      ["user", "add", `operator:${OPERATOR_PASSWORD}`],
      ["user", "grant-role", "operator", "vpcrouter-operator"],
      ["auth", "enable"],
    ]) {
      await world.etcdctl(args);
    }
    world.etcdctlUser = ROOT;
    tlsFlags = [
      "--etcd-cacert",
      file("ca.pem"),
      "--etcd-cert",
      file("client.pem"),
      "--etcd-key",
      file("client.key"),
    ];
    for (const [id, zone] of [
      ["sec-a", "az-a"],
      ["sec-b", "az-b"],
      ["sec-c", "az-c"],
    ] as const) {
      // The third replica takes its password from the environment, the others from the file.
      const fromEnv = id === "sec-c";
      await world.startReplica(
        id,
        zone,
        [
          ...tlsFlags,
          "--etcd-user",
          "vpcrouter",
          ...(fromEnv ? [] : ["--etcd-password-file", file("daemon.pw")]),
          "--expected-replicas",
          "3",
          "--api-token-file",
          file("api.token"),
        ],
        {
          env: {
            AWS_SECRET_ACCESS_KEY: AWS_SECRET,
            ...(fromEnv ? { VPCROUTER_ETCD_PASSWORD: DAEMON_PASSWORD } : {}),
          },
        },
      );
    }
  });

  after(async () => {
    await world?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("the operator's role can put the spec with `vpcrouter spec put`, and nothing else", async () => {
    const operator = [
      ...tlsFlags,
      "--etcd-endpoints",
      world.etcd.endpoints.join(","),
      "--prefix",
      world.prefix,
    ];
    const put = await runCli(
      [
        "spec",
        "put",
        "-",
        ...operator,
        "--etcd-user",
        "operator",
        "--etcd-password-file",
        join(dir, "operator.pw"),
      ],
      { input: JSON.stringify({ [CIDR]: [r1, r2] }) },
    );
    assert.equal(put.code, 0, put.stderr);
    assert.equal(await world.etcdGet(`${world.prefix}/spec`), `{"${CIDR}":["${r1}","${r2}"]}`);
    const asOperatorFlags = [
      ...operator,
      "--etcd-user",
      "operator",
      "--etcd-password-file",
      join(dir, "operator.pw"),
    ];
    for (const command of ["pause", "resume"]) {
      const result = await runCli([command, ...asOperatorFlags]);
      assert.equal(result.code, 0, `${command}: ${result.stderr}`);
    }
    // The operator cannot forge a vote or the status, nor write outside the prefix.
    const asOperator = `operator:${OPERATOR_PASSWORD}`;
    for (const key of [`${world.prefix}/votes/sec-a`, `${world.prefix}/status`, "/elsewhere"]) {
      await assert.rejects(world.etcdctl(["put", key, "x"], asOperator), /permission denied/, key);
    }
    // Nor can the daemon's role write outside its prefix.
    await assert.rejects(
      world.etcdctl(["put", "/elsewhere", "x"], `vpcrouter:${DAEMON_PASSWORD}`),
      /permission denied/,
    );
  });

  it("replicas under the prefix role elect a leader, create the routes and fail over", async () => {
    await waitFor(() => world.allTablesRoute(CIDR, r1), {
      timeoutMs: 30_000,
      message: () => `routes not created\n${world.tails()}`,
    });
    const leader = await world.agreedLeader();
    assert.equal((await leader.status())?.quorum, 2);
    await world.routers.linkDown(r1);
    await waitFor(() => world.allTablesRoute(CIDR, r2), {
      timeoutMs: 30_000,
      message: () => `no failover\n${world.tails()}`,
    });
    const signers = new Set(world.mutatingCalls().map((call) => call.accessKeyId));
    assert.deepEqual([...signers], [leader.id], "only the leader wrote to EC2");
    // The daemon wrote its own keys through its role: members, votes and the status record.
    const members = await world.etcdctl(["get", "--prefix", `${world.prefix}/members/`, "--keys-only"]);
    assert.equal(members.split("\n").filter((line) => line !== "").length, 3);
    assert.ok(await world.etcdGet(`${world.prefix}/status`), "no status record");
  });

  it("no secret appears in logs, API bodies or error output", async () => {
    const replica = world.replicas[0];
    assert.ok(replica);
    // A write with a wrong token and one with the right token: both are logged or answered.
    const post = (token: string) =>
      fetch(`${replica.apiUrl}/route_spec`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ [CIDR]: [r2, r1] }),
      });
    assert.equal((await post("not-the-token-0123456789")).status, 401);
    assert.equal((await post(API_TOKEN)).status, 200);
    const bodies: string[] = [];
    for (const each of world.replicas) {
      for (const path of [
        "/",
        "/status",
        "/metrics",
        "/route_spec",
        "/ips",
        "/plugins",
        "/route_info",
        "/vpc",
      ]) {
        const response = await fetch(`${each.apiUrl}${path}`, { headers: { accept: "application/json" } });
        bodies.push(`${path}: ${await response.text()}`);
      }
    }
    assert.ok(
      bodies.some((body) => body.includes("daemon.pw")),
      "GET / shows the password file's path",
    );
    assert.deepEqual(leakedIn(bodies.join("\n")), [], "a secret in an API body");

    // Error output: a wrong password, a configuration error, a daemon that cannot start.
    const endpoints = ["--etcd-endpoints", world.etcd.endpoints.join(","), "--prefix", world.prefix];
    const wrongPassword = await runCli(
      ["spec", "get", ...tlsFlags, ...endpoints, "--etcd-user", "vpcrouter"],
      {
        env: {
          VPCROUTER_ETCD_PASSWORD: DAEMON_PASSWORD.replace("0", "9"),
          AWS_SECRET_ACCESS_KEY: AWS_SECRET,
        },
      },
    );
    assert.equal(wrongPassword.code, 1);
    const badConfig = await runCli(["spec", "get", "--fall", "0", ...endpoints], {
      env: { VPCROUTER_ETCD_USERNAME: "vpcrouter", VPCROUTER_ETCD_PASSWORD: DAEMON_PASSWORD },
    });
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /probe\.fall/);
    const portInUse = Number(new URL(replica.apiUrl).port);
    const cannotStart = await runCli(
      [
        "run",
        ...tlsFlags,
        ...endpoints,
        "--vpc",
        world.vpcId,
        "--region",
        "us-east-1",
        "--port",
        String(portInUse),
      ],
      {
        env: {
          VPCROUTER_ETCD_USERNAME: "vpcrouter",
          VPCROUTER_ETCD_PASSWORD: DAEMON_PASSWORD,
          VPCROUTER_API_TOKEN_FILE: join(dir, "api.token"),
          AWS_SECRET_ACCESS_KEY: AWS_SECRET,
        },
      },
    );
    assert.equal(cannotStart.code, 1);
    assert.match(cannotStart.stdout, /EADDRINUSE/);
    const errors = [wrongPassword, badConfig, cannotStart].map((r) => r.stdout + r.stderr).join("\n");
    assert.deepEqual(leakedIn(errors), [], "a secret in error output");
    assert.deepEqual(leakedIn(world.replicas.map((r) => r.output()).join("\n")), [], "a secret in a log");
  });
});
