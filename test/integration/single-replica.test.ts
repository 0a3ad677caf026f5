/**
 * One replica against real etcd, the EC2 emulator and router namespaces: the basic job.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

describe("one replica", () => {
  let world: TestWorld;

  before(async () => {
    world = await TestWorld.create({ tag: "one", subnet: 211, etcdMembers: 1, routers: 2, routeTables: 3 });
    await world.startReplica("solo", "az-a", ["--route-recheck-interval", "5"]);
  });

  after(async () => {
    await world?.destroy();
  });

  it("creates the routes of a spec put with etcdctl in every route table of the VPC", async () => {
    const [r1, r2] = world.routers.routerIps;
    const spec = { "10.55.16.0/24": [r1, r2], "10.66.17.0/24": [r2] };
    await world.putSpecWithEtcdctl(JSON.stringify(spec));
    await waitFor(
      () =>
        world.allTablesRoute("10.55.16.0/24", r1 ?? "") && world.allTablesRoute("10.66.17.0/24", r2 ?? ""),
      {
        timeoutMs: 20_000,
        message: () => `routes not created\n${world.tails()}`,
      },
    );
    assert.equal(world.targets("10.55.16.0/24").size, 3);
    // Local and gateway routes are untouched.
    for (const table of world.ec2.routeTables()) {
      assert.ok(table.routes.some((r) => r.gatewayId === "local"));
      assert.ok(
        table.routes.some((r) => r.destinationCidrBlock === "0.0.0.0/0" && r.gatewayId?.startsWith("igw-")),
      );
    }
    const creates = world.mutatingCalls().filter((c) => c.action === "CreateRoute");
    assert.equal(creates.length, 6, "one CreateRoute per (CIDR, table)");
  });

  it("reports the spec, its revision and the leader in GET /status", async () => {
    const replica = world.replicas[0];
    const status = await replica?.status();
    assert.equal(status?.role, "leader");
    assert.deepEqual((status?.leader as { id: string } | undefined)?.id, "solo");
    const spec = status?.spec as { revision: string; routes: Record<string, string[]> };
    assert.deepEqual(Object.keys(spec.routes).sort(), ["10.55.16.0/24", "10.66.17.0/24"]);
    assert.match(spec.revision, /^\d+$/);
    const ec2 = status?.ec2 as { breakers: Record<string, string> };
    assert.equal(ec2.breakers.DescribeRouteTables, "closed");
    assert.equal(ec2.breakers.CreateRoute, "closed");
  });

  it("exposes Prometheus metrics for probes, EC2 calls, leadership and route changes", async () => {
    const replica = world.replicas[0];
    await waitFor(
      async () => {
        const text = await (await fetch(`${replica?.apiUrl}/metrics`)).text();
        return /vpcrouter_probe_checks_total\{[^}]*result="ok"[^}]*\} [1-9]/.test(text);
      },
      { timeoutMs: 10_000, message: "no probe metrics" },
    );
    const text = await (await fetch(`${replica?.apiUrl}/metrics`)).text();
    assert.match(text, /vpcrouter_is_leader(\{[^}]*\})? 1/);
    assert.match(text, /vpcrouter_ec2_calls_total\{[^}]*action="CreateRoute"[^}]*\} 6/);
    assert.match(text, /vpcrouter_route_changes_total\{[^}]*kind="create"[^}]*\} 6/);
  });

  it("writes nothing to etcd or EC2 in steady state: a full route recheck changes nothing", async () => {
    const replica = world.replicas[0];
    const lastReconcileAt = async () =>
      ((await replica?.status())?.lastReconcile as { at: string } | null)?.at ?? "";
    const revision = await world.etcdRevision();
    const cursor = world.ec2.logCursor();
    const before = await lastReconcileAt();
    await waitFor(async () => (await lastReconcileAt()) > before, {
      timeoutMs: 15_000,
      message: "no route recheck happened",
    });
    assert.equal(
      await world.etcdRevision(),
      revision,
      "no etcd write (keep-alives do not move the revision)",
    );
    assert.deepEqual(world.mutatingCalls(cursor), [], "no EC2 mutation");
    assert.ok(
      world.ec2.log(cursor).some((c) => c.action === "DescribeRouteTables"),
      "the recheck read the tables",
    );
  });
});
