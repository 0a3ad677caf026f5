/**
 * The operator's cluster commands against the test world (3 replicas, a real etcd, the EC2
 * emulator, router namespaces): `switchover` with and without `--to`, and `pause`/`resume` around
 * a router failure (the failure is confirmed, nothing is written to EC2 until resume), with
 * `vpcrouter plan` showing the held failover. Every replica runs a state hook (`--hook`), whose
 * record shows the hand-overs and the failover.
 */
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";
import { runCli } from "../unit/cli-process.js";

const CIDR = "10.55.16.0/24";

describe("vpcrouter switchover, pause and resume", () => {
  let world: TestWorld;
  let r1: string;
  let r2: string;
  let etcdFlags: string[];
  let dir: string;
  let hookLog: string;
  const hookLines = async () =>
    (await readFile(hookLog, "utf8").catch(() => "")).split("\n").filter((line) => line !== "");

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "vpcrouter-ops-"));
    hookLog = join(dir, "hook.log");
    const hook = join(dir, "hook.sh");
    await writeFile(
      hook,
      `#!/bin/sh\necho "$VPCROUTER_REPLICA_ID $VPCROUTER_EVENT $VPCROUTER_TERM$VPCROUTER_FAILED_ROUTERS" >> ${hookLog}\n`,
    );
    await chmod(hook, 0o755);
    world = await TestWorld.create({ tag: "ops", subnet: 243, etcdMembers: 1, routers: 2, routeTables: 2 });
    [r1, r2] = world.routers.routerIps as [string, string];
    for (const [id, zone] of [
      ["ops-a", "az-a"],
      ["ops-b", "az-b"],
      ["ops-c", "az-c"],
    ] as const) {
      await world.startReplica(id, zone, ["--expected-replicas", "3", "--hook", hook]);
    }
    await world.putSpecAndWait({ [CIDR]: [r1, r2] });
    etcdFlags = ["--etcd-endpoints", world.etcd.endpoints.join(","), "--prefix", world.prefix];
  });

  after(async () => {
    await world?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("switchover hands the leadership to the next candidate, then --to a named replica", async () => {
    const first = await world.agreedLeader();
    const cursor = world.ec2.logCursor();
    const handOver = await runCli(["switchover", ...etcdFlags]);
    assert.equal(handOver.code, 0, handOver.stderr);
    assert.match(handOver.stdout, new RegExp(`^switchover: ${first.id} → (?!${first.id})`));
    const second = await world.agreedLeader();
    assert.notEqual(second.id, first.id);
    const target = world.replicas.find((r) => r.id !== first.id && r.id !== second.id);
    assert.ok(target);
    const named = await runCli(["switchover", "--to", target.id, ...etcdFlags]);
    assert.equal(named.code, 0, named.stderr);
    await waitFor(async () => (await world.leader())?.id === target.id, {
      timeoutMs: 15_000,
      message: () => `${target.id} does not lead\n${world.tails()}`,
    });
    assert.equal((await fetch(`${target.apiUrl}/leader`)).status, 200);
    // Refused: a replica that is not a candidate, the leader itself.
    assert.equal((await runCli(["switchover", "--to", "nobody", ...etcdFlags])).code, 2);
    assert.equal((await runCli(["switchover", "--to", target.id, ...etcdFlags])).code, 2);
    assert.deepEqual(world.mutatingCalls(cursor), [], "a switchover wrote to EC2");
    // The hooks saw each hand-over: the old leader lost its term, the new one gained one.
    let lines: string[] = [];
    await waitFor(
      async () => {
        lines = await hookLines();
        return (
          [first.id, second.id].every((id) => lines.some((l) => l.startsWith(`${id} lost-leadership `))) &&
          [second.id, target.id].every((id) => lines.some((l) => l.startsWith(`${id} became-leader `)))
        );
      },
      { timeoutMs: 10_000, message: () => `hook record: ${lines.join(" | ")}` },
    );
  });

  it("pause: a confirmed failure moves no route until resume", async () => {
    const paused = await runCli(["pause", "--reason", "test maintenance", ...etcdFlags]);
    assert.equal(paused.code, 0, paused.stderr);
    for (const replica of world.replicas) {
      await waitFor(
        async () =>
          ((await replica.status())?.paused as { reason?: string } | null)?.reason === "test maintenance",
        {
          timeoutMs: 10_000,
          message: `${replica.id} does not show the pause`,
        },
      );
    }
    const cursor = world.ec2.logCursor();
    await world.routers.linkDown(r1);
    const leader = await world.agreedLeader();
    await waitFor(
      async () => {
        const status = await leader.status();
        const held = (status?.lastReconcile as { held?: string } | null)?.held ?? "";
        return (
          (status?.failedRouters as string[] | undefined)?.includes(r1) === true &&
          held.startsWith("paused by")
        );
      },
      {
        timeoutMs: 20_000,
        message: () => `the leader did not hold a pass for the failure\n${world.tails()}`,
      },
    );
    const plan = (await leader.status())?.lastPlan as { actions?: unknown[] } | null;
    assert.equal(plan?.actions?.length, 2, "the held plan shows the 2 replaces");
    assert.deepEqual(world.mutatingCalls(cursor), [], "EC2 written to while paused");
    assert.ok(world.allTablesRoute(CIDR, r1));

    // vpcrouter plan computes the same failover from etcd and EC2, and writes nothing.
    const awsEnv = {
      AWS_ENDPOINT_URL_EC2: world.ec2.url,
      AWS_ACCESS_KEY_ID: "planner",
      AWS_SECRET_ACCESS_KEY: "test-secret",
      AWS_REGION: "us-east-1",
    };
    const planArgs = ["plan", ...etcdFlags, "--vpc", world.vpcId, "--expected-replicas", "3"];
    const json = await runCli([...planArgs, "--json"], { env: awsEnv });
    assert.equal(json.code, 0, json.stderr);
    const planned = JSON.parse(json.stdout) as {
      failedRouters: string[];
      paused: { reason?: string } | null;
      actions: { kind: string; failover: boolean; failedRouterIp?: string; routerIp?: string }[];
    };
    assert.deepEqual(planned.failedRouters, [r1]);
    assert.equal(planned.paused?.reason, "test maintenance");
    assert.equal(planned.actions.length, 2);
    for (const action of planned.actions) {
      assert.deepEqual(
        [action.kind, action.failover, action.failedRouterIp, action.routerIp],
        ["replace", true, r1, r2],
      );
    }
    const table = await runCli(planArgs, { env: awsEnv });
    assert.equal(table.code, 0, table.stderr);
    assert.equal(
      table.stdout.split("\n").filter((line) => line.includes("[failover]")).length,
      2,
      table.stdout,
    );
    assert.deepEqual(world.mutatingCalls(cursor), [], "vpcrouter plan wrote to EC2");

    const resumed = await runCli(["resume", ...etcdFlags]);
    assert.equal(resumed.code, 0, resumed.stderr);
    await waitFor(() => world.allTablesRoute(CIDR, r2), {
      timeoutMs: 20_000,
      message: () => `no failover after resume\n${world.tails()}`,
    });
    assert.equal(world.mutatingCalls(cursor).length, 2);
    await waitFor(async () => (await hookLines()).some((line) => line.endsWith(` failover ${r1}`)), {
      timeoutMs: 10_000,
      message: "the leader's hook did not report the failover",
    });
  });
});
