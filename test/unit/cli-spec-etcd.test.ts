/**
 * `vpcrouter spec put|get` against a real single-member etcd on loopback.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createEtcdClient } from "../../src/cluster/etcd-client.js";
import { loadConfig } from "../../src/config/load.js";
import { EtcdCluster } from "../support/etcd-cluster.js";
import { freePort } from "../support/free-port.js";
import { runCli } from "./cli-process.js";

describe("vpcrouter spec put/get with etcd", () => {
  let etcd: EtcdCluster;
  let dir: string;
  let endpoints: string;
  const goodText = '{ "10.55.16.0/24": ["10.33.20.142"], "10.66.17.0/24": ["10.33.20.93", "10.33.30.22"] }\n';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "vpcrouter-cli-etcd-test-"));
    etcd = await EtcdCluster.start({ members: 1 });
    endpoints = etcd.endpoints.join(",");
  });

  after(async () => {
    await etcd?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("puts a valid spec, prints the revision, and get returns it unchanged", async () => {
    const file = join(dir, "good.json");
    await writeFile(file, goodText);
    const prefix = "/test-put-get";
    const put = await runCli(["spec", "put", file, "--etcd-endpoints", endpoints, "--prefix", prefix]);
    assert.equal(put.code, 0, put.stderr);
    assert.match(put.stdout, /^spec written to \/test-put-get\/spec \(2 routes\) at revision \d+$/m);

    const get = await runCli(["spec", "get", "--etcd-endpoints", endpoints, "--prefix", prefix]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, `${goodText}\n`);

    // Read back independently of the CLI.
    const client = createEtcdClient(loadConfig({ overrides: { "etcd.endpoints": endpoints } }).etcd);
    try {
      assert.equal(await client.get(`${prefix}/spec`).string(), goodText);
    } finally {
      client.close();
    }
  });

  it("refuses to put a spec where it does not come from etcd (fixedconf, a plugin mode): nothing written", async () => {
    const file = join(dir, "refused.json");
    await writeFile(file, goodText);
    const prefix = "/test-refused";
    const modes = [
      ["-m", "fixedconf", "--fixed-cidr", "10.55.16.0/24", "--fixed-hosts", "10.33.20.142"],
      ["-m", join(process.cwd(), "test/support/plugins/misbehaving-source.mjs")],
    ];
    for (const mode of modes) {
      const put = await runCli([
        "spec",
        "put",
        file,
        "--etcd-endpoints",
        endpoints,
        "--prefix",
        prefix,
        ...mode,
      ]);
      assert.equal(put.code, 2, put.stderr);
      assert.match(
        put.stderr,
        /not written: the route spec (is fixed by the configuration|comes from the spec-source plugin)/,
      );
    }
    const client = createEtcdClient(loadConfig({ overrides: { "etcd.endpoints": endpoints } }).etcd);
    try {
      assert.equal(await client.get(`${prefix}/spec`).string(), null);
    } finally {
      client.close();
    }
  });

  it("reads the spec to put from standard input", async () => {
    const prefix = "/test-stdin";
    const put = await runCli(["spec", "put", "-", "--etcd-endpoints", endpoints, "--prefix", prefix], {
      input: '{"10.0.0.0/8": ["10.1.1.1"]}',
    });
    assert.equal(put.code, 0, put.stderr);
    const get = await runCli(["spec", "get", "--etcd-endpoints", endpoints, "--prefix", prefix]);
    assert.equal(get.stdout.trim(), '{"10.0.0.0/8": ["10.1.1.1"]}');
  });

  it("never writes an invalid spec: exit 2 and the stored spec is unchanged", async () => {
    const prefix = "/test-invalid";
    const good = join(dir, "good2.json");
    const bad = join(dir, "bad.json");
    await writeFile(good, goodText);
    await writeFile(bad, '{"10.55.16.0/24": ["10.33.20.142"], "10.77.0.0/33": ["10.33.20.1"]}');
    assert.equal(
      (await runCli(["spec", "put", good, "--etcd-endpoints", endpoints, "--prefix", prefix])).code,
      0,
    );

    const put = await runCli(["spec", "put", bad, "--etcd-endpoints", endpoints, "--prefix", prefix]);
    assert.equal(put.code, 2);
    assert.match(put.stderr, /10\.77\.0\.0\/33/);
    const get = await runCli(["spec", "get", "--etcd-endpoints", endpoints, "--prefix", prefix]);
    assert.equal(get.stdout, `${goodText}\n`);
  });

  it("spec get exits 1 when no spec is stored", async () => {
    const get = await runCli(["spec", "get", "--etcd-endpoints", endpoints, "--prefix", "/test-empty"]);
    assert.equal(get.code, 1);
    assert.match(get.stderr, /^vpcrouter: no spec stored at \/test-empty\/spec$/m);
    assert.equal(get.stdout, "");
  });

  it("exits 1 quickly when etcd cannot be reached", async () => {
    const nowhere = `127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const get = await runCli(["spec", "get", "--etcd-endpoints", nowhere], {
      env: { VPCROUTER_ETCD_CALL_TIMEOUT_MS: "500" },
    });
    assert.equal(get.code, 1);
    assert.match(get.stderr, new RegExp(`cannot read /vpcrouter/spec from etcd at ${nowhere}`));
    assert.ok(Date.now() - started < 20_000, "bounded by the call deadline and etcd3's retries");
  });
});

describe("createEtcdClient", () => {
  it("names the setting of an unreadable TLS file", () => {
    const config = loadConfig().etcd;
    assert.throws(
      () => createEtcdClient({ ...config, caFile: "/nonexistent/ca.pem" }),
      /^Error: etcd\.caFile: cannot read \/nonexistent\/ca\.pem/,
    );
  });
});
