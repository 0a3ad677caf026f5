/**
 * The CLI's etcd client against secured etcd servers on loopback: mutual TLS (certificates made
 * with openssl for 127.0.0.1) and password auth.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createEtcdClient } from "../../src/cluster/etcd-client.js";
import { loadConfig } from "../../src/config/load.js";
import { makeCertificates } from "../support/certificates.js";
import { EtcdCluster } from "../support/etcd-cluster.js";
import { freePort } from "../support/free-port.js";
import { waitFor } from "../support/wait.js";
import { runCli } from "./cli-process.js";

const SPEC = '{"10.55.16.0/24": ["10.33.20.142"]}';

describe("etcd with mutual TLS", () => {
  let dir: string;
  let etcd: ChildProcess | undefined;
  let endpoint: string;
  let tlsEnv: NodeJS.ProcessEnv;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "vpcrouter-etcd-tls-test-"));
    await makeCertificates(dir);
    const clientPort = await freePort();
    const peerPort = await freePort();
    endpoint = `127.0.0.1:${clientPort}`;
    etcd = spawn(
      "etcd",
      [
        "--name=tls",
        `--data-dir=${join(dir, "data")}`,
        `--listen-client-urls=https://${endpoint}`,
        `--advertise-client-urls=https://${endpoint}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=tls=http://127.0.0.1:${peerPort}`,
        `--cert-file=${join(dir, "server.pem")}`,
        `--key-file=${join(dir, "server.key")}`,
        "--client-cert-auth",
        `--trusted-ca-file=${join(dir, "ca.pem")}`,
        "--log-level=error",
        "--logger=zap",
      ],
      { stdio: "ignore" },
    );
    tlsEnv = {
      VPCROUTER_ETCD_ENDPOINTS: endpoint,
      VPCROUTER_ETCD_CA_FILE: join(dir, "ca.pem"),
      VPCROUTER_ETCD_CERT_FILE: join(dir, "client.pem"),
      VPCROUTER_ETCD_KEY_FILE: join(dir, "client.key"),
    };
    const client = createEtcdClient(loadConfig({ env: tlsEnv }).etcd);
    try {
      await waitFor(async () => (await client.get("/probe").string()) === null, {
        timeoutMs: 30_000,
        message: "TLS etcd did not become ready",
      });
    } finally {
      client.close();
    }
  });

  after(async () => {
    if (etcd && etcd.exitCode === null) {
      const exited = new Promise((resolve) => etcd?.once("exit", resolve));
      etcd.kill("SIGKILL");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("spec put and get work with the CA and client certificate from the environment", async () => {
    const put = await runCli(["spec", "put", "-", "--prefix", "/tls"], { env: tlsEnv, input: SPEC });
    assert.equal(put.code, 0, put.stderr);
    const get = await runCli(["spec", "get", "--prefix", "/tls"], { env: tlsEnv });
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout.trim(), SPEC);
  });

  it("fails (exit 1) without the client certificate", async () => {
    const env = { VPCROUTER_ETCD_ENDPOINTS: endpoint, VPCROUTER_ETCD_CA_FILE: tlsEnv.VPCROUTER_ETCD_CA_FILE };
    const get = await runCli(["spec", "get", "--prefix", "/tls"], {
      env: { ...env, VPCROUTER_ETCD_CALL_TIMEOUT_MS: "1000" },
    });
    assert.equal(get.code, 1);
    assert.match(get.stderr, /cannot read \/tls\/spec from etcd/);
  });
});

describe("etcd with password auth", () => {
  let etcd: EtcdCluster;

  before(async () => {
    etcd = await EtcdCluster.start({ members: 1 });
    const endpoints = etcd.endpoints.join(",");
    const etcdctl = (...args: string[]) =>
      execFileSync("etcdctl", [`--endpoints=${endpoints}`, ...args], {
        env: { ...process.env, ETCDCTL_API: "3" },
        stdio: "ignore",
      });
    etcdctl("user", "add", "root:rootpw");
    etcdctl("auth", "enable");
  });

  after(async () => {
    await etcd?.destroy();
  });

  it("spec put and get authenticate with username and password", async () => {
    const env = {
      VPCROUTER_ETCD_ENDPOINTS: etcd.endpoints.join(","),
      VPCROUTER_ETCD_USERNAME: "root",
      VPCROUTER_ETCD_PASSWORD: "rootpw",
    };
    const put = await runCli(["spec", "put", "-", "--prefix", "/auth"], { env, input: SPEC });
    assert.equal(put.code, 0, put.stderr);
    const get = await runCli(["spec", "get", "--prefix", "/auth"], { env });
    assert.equal(get.stdout.trim(), SPEC);
  });

  it("fails (exit 1) with a wrong password, without printing it", async () => {
    const env = {
      VPCROUTER_ETCD_ENDPOINTS: etcd.endpoints.join(","),
      VPCROUTER_ETCD_USERNAME: "root",
      VPCROUTER_ETCD_PASSWORD: "wrong-secret",
    };
    const get = await runCli(["spec", "get", "--prefix", "/auth"], { env });
    assert.equal(get.code, 1);
    assert.match(get.stderr, /cannot read \/auth\/spec from etcd/);
    assert.doesNotMatch(get.stderr + get.stdout, /wrong-secret/);
  });
});
