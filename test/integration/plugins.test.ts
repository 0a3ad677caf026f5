/**
 * Plugins end to end in the test world (three replicas, real etcd, the EC2 emulator, routers in
 * namespaces): the example spec source (examples/plugins/http-json-spec) installed from its own
 * package, an external health check loaded by path (test/support/plugins/verdict-file-check.mjs)
 * driving a failover, and the leader alone writing EC2.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { ReplicaProcess } from "../support/replica-process.js";
import { metricSum } from "../support/scrape.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EXAMPLE = join(REPO_ROOT, "examples/plugins/http-json-spec");
const VERDICT_CHECK = join(REPO_ROOT, "test/support/plugins/verdict-file-check.mjs");
const A = "10.55.16.0/24";
const C = "10.66.17.0/24";

type Spec = Record<string, string[]>;

/** A JSON document over HTTP with an ETag, as a config service serves it. */
class SpecServer {
  body = "{}";
  requests = 0;
  private readonly server: Server = createServer((request, response) => {
    this.requests++;
    const etag = `"${createHash("sha256").update(this.body).digest("hex").slice(0, 16)}"`;
    if (request.headers["if-none-match"] === etag) {
      response.writeHead(304, { etag }).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/json", etag }).end(this.body);
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const address = this.server.address();
    if (typeof address !== "object" || address === null) throw new Error("no address");
    return `http://127.0.0.1:${address.port}/route-spec.json`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Installs the example plugin into a fresh directory from its packed tarball, as a user would. */
async function installExample(dir: string): Promise<void> {
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "plugin-world", private: true }));
  const { stdout } = await run("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: EXAMPLE });
  const tarball = join(dir, stdout.trim().split("\n").at(-1) ?? "");
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent", tarball], { cwd: dir });
}

/** A replica's local view: router IP → healthy. */
async function localHealth(replica: ReplicaProcess): Promise<Record<string, boolean>> {
  const probes = ((await replica.status())?.probes ?? {}) as Record<string, { healthy?: boolean }>;
  return Object.fromEntries(Object.entries(probes).map(([ip, health]) => [ip, health.healthy === true]));
}

describe("plugins end to end", () => {
  let world: TestWorld;
  let dir: string;
  let server: SpecServer;
  let url: string;
  let replicas: ReplicaProcess[];
  let verdicts: string;
  let r1: string;
  let r2: string;
  let r3: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "vpcrouter-plugins-"));
    await installExample(dir);
    world = await TestWorld.create({ tag: "plug", subnet: 222, etcdMembers: 1, routers: 3, routeTables: 2 });
    [r1, r2, r3] = world.routers.routerIps as [string, string, string];
    server = new SpecServer();
    url = await server.listen();
    server.body = JSON.stringify({ [A]: [r1, r2], [C]: [r3, r1] });
    verdicts = join(dir, "verdicts.json");
    const args = [
      "-m",
      "vpcrouter-plugin-http-json",
      "--http-json-url",
      url,
      "--http-json-poll-interval-ms",
      "500",
      "--http-json-timeout-ms",
      "400",
      "--health",
      VERDICT_CHECK,
      "--verdict-file-file",
      verdicts,
      "--expected-replicas",
      "3",
    ];
    replicas = [];
    for (const [id, zone] of [
      ["plug-a", "az-a"],
      ["plug-b", "az-b"],
      ["plug-c", "az-c"],
    ] as const) {
      replicas.push(await world.startReplica(id, zone, args, { cwd: dir }));
    }
  });

  after(async () => {
    await world?.destroy();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function leader(): Promise<ReplicaProcess> {
    return world.agreedLeader();
  }

  function onlyLeaderWroteEc2(writer: ReplicaProcess, since: number): void {
    const writers = new Set(world.mutatingCalls(since).map((call) => call.accessKeyId));
    assert.deepEqual([...writers], [writer.id], "only the leader writes to EC2");
  }

  async function specKey(): Promise<Spec | undefined> {
    const raw = await world.etcdGet(`${world.prefix}/spec`);
    return raw === undefined ? undefined : (JSON.parse(raw) as Spec);
  }

  it("the spec from the installed package's source reaches etcd, every replica and the route tables", async () => {
    await waitFor(async () => JSON.stringify(await specKey()) === server.body, {
      timeoutMs: 20_000,
      message: () => `the spec key is not the served spec\n${world.tails()}`,
    });
    await waitFor(() => world.allTablesRoute(A, r1) && world.allTablesRoute(C, r3), {
      timeoutMs: 20_000,
      message: () => `routes do not follow the plugin's spec\n${world.tails()}`,
    });
    for (const replica of replicas) {
      const plugins = (await (await fetch(`${replica.apiUrl}/plugins`)).json()) as Record<
        string,
        { version: string; params: Record<string, unknown> }
      >;
      assert.match(
        plugins["http-json"]?.version ?? "",
        /node_modules\/vpcrouter-plugin-http-json\/index\.js$/,
      );
      assert.equal(plugins["http-json"]?.params.url, url);
      assert.ok(plugins["verdict-file"], "the health check is listed under its plugin name");
      // A poll may time out on a loaded machine; the next good one makes the source good again.
      const source = async () =>
        ((await replica.status()) as { specSource?: { ok: boolean; origin: string } }).specSource;
      await waitFor(async () => (await source())?.ok === true, {
        timeoutMs: 10_000,
        message: `${replica.id}: the spec source is not good in /status`,
      });
      assert.equal((await source())?.origin, "spec source http-json");
    }
  });

  it("a failover driven by the external health check's verdicts, written by the leader alone", async () => {
    const writer = await leader();
    const cursor = world.ec2.logCursor();
    await writeFile(verdicts, JSON.stringify({ [r1]: "maintenance" }));
    await waitFor(() => world.allTablesRoute(A, r2) && world.allTablesRoute(C, r3), {
      timeoutMs: 20_000,
      message: () => `A did not move off r1\n${world.tails()}`,
    });
    for (const replica of replicas) {
      await waitFor(async () => (await localHealth(replica))[r1] === false, {
        timeoutMs: 10_000,
        message: `${replica.id} does not see r1 down`,
      });
    }
    onlyLeaderWroteEc2(writer, cursor);
    const lines = () => writer.logged("local probe view changed") as { reasons?: Record<string, string> }[];
    await waitFor(() => lines().some((line) => line.reasons?.[r1] === "verdict-file: maintenance"), {
      timeoutMs: 5000,
      message: () => `the leader does not log the check's reason: ${JSON.stringify(lines())}`,
    });
    await writeFile(verdicts, "{}");
  });

  it("a new document (new ETag) changes the spec; garbage from the source is rejected and the last good spec stays", async () => {
    server.body = JSON.stringify({ [A]: [r2, r3] });
    await waitFor(async () => JSON.stringify(await specKey()) === server.body, {
      timeoutMs: 20_000,
      message: () => `the new document did not become the spec\n${world.tails()}`,
    });
    await waitFor(() => [...world.targets(C).values()].every((target) => target === undefined), {
      timeoutMs: 20_000,
      message: "the route dropped from the document is not deleted",
    });
    const good = server.body;
    const cursor = world.ec2.logCursor();
    server.body = JSON.stringify({ "10.55.16.1/24": ["not-an-ip"] });
    for (const replica of replicas) {
      await waitFor(
        async () => {
          const source = ((await replica.status()) as { specSource?: { ok: boolean; error?: string } })
            .specSource;
          return source?.ok === false && /10\.55\.16\.1\/24/.test(source.error ?? "");
        },
        { timeoutMs: 10_000, message: `${replica.id} does not show the rejected spec in /status` },
      );
      assert.ok((await metricSum(replica.apiUrl, "vpcrouter_plugin_errors_total", 'operation="emit"')) >= 1);
      assert.ok(replica.running, `${replica.id} is still running`);
    }
    assert.equal(JSON.stringify(await specKey()), good, "the last good spec stays in etcd");
    assert.deepEqual(world.mutatingCalls(cursor), [], "nothing was written to EC2");
    server.body = good;
  });
});
