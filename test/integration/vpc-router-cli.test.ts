/**
 * Issue 3's "done when": an existing vpc-router command line runs unchanged against the test world
 * and manages the routes as vpc-router would. Two replicas run exactly
 * `vpcrouter -m configfile -f route-spec.conf -r us-east-1 -v vpc-350d6a51 --health tcp --tcp_check_port 22`
 * (from the directory holding route-spec.conf); only what vpc-router has no option for (replica id,
 * etcd, API port) comes from VPCROUTER_* variables.
 */
import assert from "node:assert/strict";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startImdsEmulator } from "../support/imds-emulator.js";
import { TestWorld } from "../support/test-world.js";
import { vpcRouterExampleArgs } from "../support/vpc-router-example.js";
import { waitFor } from "../support/wait.js";

const VPC_ROUTER_COMMAND_LINE = vpcRouterExampleArgs("route-spec.conf");

describe("an unchanged vpc-router command line", () => {
  let world: TestWorld;
  let dir: string;
  let r0: string;
  let r1: string;
  let r2: string;

  const writeSpecAtomically = async (spec: Record<string, string[]>) => {
    // An editor's save: write a temporary file, rename it over the spec file.
    const temporary = join(dir, ".route-spec.conf.swp");
    await writeFile(temporary, JSON.stringify(spec));
    await rename(temporary, join(dir, "route-spec.conf"));
  };

  before(async () => {
    world = await TestWorld.create({
      tag: "vrcli",
      subnet: 219,
      etcdMembers: 1,
      routers: 3,
      routeTables: 2,
      vpcId: "vpc-350d6a51",
    });
    [r0 = "", r1 = "", r2 = ""] = world.routers.routerIps;
    // vpc-router's tcp health check connects to port 22 of every router.
    await Promise.all(world.routers.routerIps.map((ip) => world.routers.startTcpListener(ip, 22)));
    dir = await mkdtemp(join(tmpdir(), "vpcrouter-cli-"));
    await writeFile(join(dir, "route-spec.conf"), JSON.stringify({ "10.55.16.0/24": [r0, r1] }));
    for (const [id, zone] of [
      ["cli-a", "az-a"],
      ["cli-b", "az-b"],
    ] as const) {
      await world.startCommandLine(id, zone, VPC_ROUTER_COMMAND_LINE, { cwd: dir });
    }
  });

  after(async () => {
    await world?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("creates the file's route in every route table of the VPC, to the first router", async () => {
    await waitFor(() => world.allTablesRoute("10.55.16.0/24", r0), {
      timeoutMs: 20_000,
      message: () => `route not created\n${world.tails()}`,
    });
    let leader: Awaited<ReturnType<TestWorld["leader"]>>;
    await waitFor(
      async () => {
        leader = await world.leader();
        return leader !== undefined;
      },
      {
        timeoutMs: 10_000,
        message: "the replicas do not agree on one leader",
      },
    );
    assert.ok(leader, "one replica leads");
    const writers = new Set(world.mutatingCalls().map((call) => call.accessKeyId));
    assert.deepEqual([...writers], [leader.id], "only the leader wrote to EC2");
  });

  it("answers vpc-router's /route_info and refuses POST /route_spec in configfile mode", async () => {
    const replica = world.replicas[0];
    assert.ok(replica);
    const response = await fetch(`${replica.apiUrl}/route_info`, { headers: { accept: "application/json" } });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { route_spec: unknown; routes: Record<string, unknown[]> };
    assert.deepEqual(body.route_spec, { "10.55.16.0/24": [r0, r1] });
    const post = await fetch(`${replica.apiUrl}/route_spec`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ "10.9.0.0/16": [r0] }),
    });
    assert.equal(post.status, 409);
    assert.match(((await post.json()) as { error: string }).error, /route-spec\.conf/);
  });

  it("fails the route over when the router's port 22 stops answering (link down)", async () => {
    await world.routers.linkDown(r0);
    await waitFor(() => world.allTablesRoute("10.55.16.0/24", r1), {
      timeoutMs: 20_000,
      message: () => `no failover to ${r1}\n${world.tails()}`,
    });
    // Every replica reports the quorum-confirmed failure in vpc-router's /ips shape.
    for (const replica of world.replicas) {
      const failedIps = async () =>
        (
          (await (
            await fetch(`${replica.apiUrl}/ips`, { headers: { accept: "application/json" } })
          ).json()) as { failed_ips: string[] }
        ).failed_ips;
      let last: string[] = [];
      await waitFor(
        async () => {
          last = await failedIps();
          return JSON.stringify(last) === JSON.stringify([r0]);
        },
        { timeoutMs: 10_000, message: () => `${replica.id} /ips failed_ips: ${JSON.stringify(last)}` },
      );
    }
  });

  it("follows an edit of the file: a new CIDR is added, the removed one deleted", async () => {
    await writeSpecAtomically({ "10.66.17.0/24": [r2] });
    await waitFor(
      () =>
        world.allTablesRoute("10.66.17.0/24", r2) &&
        [...world.targets("10.55.16.0/24").values()].every((target) => target === undefined),
      { timeoutMs: 20_000, message: () => `file change not applied\n${world.tails()}` },
    );
    const stored = JSON.parse((await world.etcdGet(`${world.prefix}/spec`)) ?? "null");
    assert.deepEqual(stored, { "10.66.17.0/24": [r2] }, "the leader published the file to etcd");
  });

  it("without -r and -v, takes region and VPC from the instance metadata service (IMDSv2)", async () => {
    const imds = await startImdsEmulator({ region: "us-east-1", vpcId: "vpc-350d6a51" });
    try {
      const withoutRegionAndVpc = VPC_ROUTER_COMMAND_LINE.filter(
        (_arg, i, all) => !["-r", "-v"].includes(all[i] ?? "") && !["-r", "-v"].includes(all[i - 1] ?? ""),
      );
      const replica = await world.startCommandLine("cli-c", "az-c", withoutRegionAndVpc, {
        cwd: dir,
        env: {
          AWS_EC2_METADATA_DISABLED: "false",
          AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url,
          AWS_REGION: "",
          AWS_DEFAULT_REGION: "",
        },
      });
      const root = (await (
        await fetch(`${replica.apiUrl}/`, { headers: { accept: "application/json" } })
      ).json()) as { params: { aws: { region: string; vpcId: string } } };
      assert.deepEqual([root.params.aws.region, root.params.aws.vpcId], ["us-east-1", "vpc-350d6a51"]);
      assert.ok(
        imds.requests.some((r) => r.method === "PUT" && r.path === "/latest/api/token"),
        "asked for an IMDSv2 session token",
      );
      assert.ok(imds.requests.filter((r) => r.method === "GET").every((r) => r.validToken));
      // It joined the same cluster and sees the same spec in force.
      await waitFor(async () => (await replica.status())?.ready === true, {
        timeoutMs: 15_000,
        message: () => `cli-c not ready\n${replica.tail()}`,
      });
    } finally {
      await imds.close();
    }
  });
});
