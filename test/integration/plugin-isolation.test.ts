/**
 * Misbehaving plugins in the test world: a health check that throws, hangs or answers garbage,
 * and spec sources that emit garbage, reject their start or never finish it. None of them crashes
 * a replica or causes an EC2 write; their faults are logged with the plugin's name and counted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { ReplicaProcess } from "../support/replica-process.js";
import { metricSum } from "../support/scrape.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const PLUGINS = fileURLToPath(new URL("../support/plugins/", import.meta.url));
const BAD_CHECK = join(PLUGINS, "misbehaving-check.mjs");
const BAD_SOURCE = join(PLUGINS, "misbehaving-source.mjs");
const A = "10.55.16.0/24";

describe("misbehaving plugins", () => {
  let world: TestWorld;
  let r1: string;
  let r2: string;
  let spec: string;

  before(async () => {
    world = await TestWorld.create({ tag: "pbad", subnet: 223, etcdMembers: 1, routers: 2, routeTables: 2 });
    [r1, r2] = world.routers.routerIps as [string, string];
    // Routes first, with a well-behaved replica; it leaves before the misbehaving ones come.
    const good = await world.startReplica("pbad-good", "az-a");
    spec = JSON.stringify({ [A]: [r1, r2] });
    await world.putSpecAndWait({ [A]: [r1, r2] });
    await good.kill("SIGTERM");
  });

  after(async () => {
    await world?.destroy();
  });

  async function stopAll(replicas: readonly ReplicaProcess[]): Promise<void> {
    for (const replica of replicas) {
      await replica.kill("SIGTERM");
      assert.equal(replica.code, 0, `${replica.id} stopped cleanly\n${replica.tail()}`);
    }
  }

  it("a health check that throws, hangs or answers garbage: misses, counted faults, no crash, no EC2 write", async () => {
    const cursor = world.ec2.logCursor();
    const replicas: ReplicaProcess[] = [];
    for (const mode of ["throw", "hang", "garbage"]) {
      const args = ["--health", BAD_CHECK, "--misbehaving-check-mode", mode, "--expected-replicas", "3"];
      replicas.push(await world.startReplica(`pbad-${mode}`, "az-a", args));
    }
    for (const replica of replicas) {
      await waitFor(
        async () =>
          (await metricSum(replica.apiUrl, "vpcrouter_plugin_errors_total", 'operation="check"')) >= 6,
        {
          timeoutMs: 20_000,
          message: () => `${replica.id} counts no check faults\n${replica.tail()}`,
        },
      );
      await waitFor(
        async () => {
          const probes = ((await replica.status())?.probes ?? {}) as Record<string, { healthy: boolean }>;
          return probes[r1]?.healthy === false && probes[r2]?.healthy === false;
        },
        { timeoutMs: 10_000, message: `${replica.id}: a failing check is not a miss` },
      );
      const faults = replica.logged("plugin misbehaving-check: check:");
      assert.ok(faults.length >= 1, `${replica.id} logs the fault with the plugin's name`);
      assert.ok(
        faults.length <= 3,
        `${replica.id} logs one fault once, not on every check (${faults.length})`,
      );
      assert.equal(faults[0]?.plugin, "misbehaving-check");
    }
    // Every router is failed by every replica: the leader has confirmed it and has nowhere to go.
    const leader = await world.agreedLeader();
    await waitFor(
      async () => ((await leader.status()) as { failedRouters?: string[] }).failedRouters?.length === 2,
      {
        timeoutMs: 15_000,
        message: () => `the leader did not confirm both routers failed\n${leader.tail()}`,
      },
    );
    assert.deepEqual(world.mutatingCalls(cursor), [], "no EC2 write");
    assert.ok(world.allTablesRoute(A, r1), "the route stays where it was");
    for (const replica of replicas) assert.ok(replica.running, `${replica.id} is running`);
    await stopAll(replicas);
  });

  it("spec sources that emit garbage, reject their start or never finish it: the spec stays, no EC2 write", async () => {
    const cursor = world.ec2.logCursor();
    const replicas: ReplicaProcess[] = [];
    for (const mode of ["garbage", "reject", "hang"]) {
      const args = ["-m", BAD_SOURCE, "--misbehaving-source-mode", mode];
      replicas.push(await world.startReplica(`psrc-${mode}`, "az-a", args));
    }
    const [garbage, rejecting, hanging] = replicas as [ReplicaProcess, ReplicaProcess, ReplicaProcess];
    const sourceOf = async (replica: ReplicaProcess) =>
      ((await replica.status()) as { specSource?: { ok: boolean; pending?: boolean; error?: string } })
        .specSource;
    await waitFor(
      async () => (await metricSum(garbage.apiUrl, "vpcrouter_plugin_errors_total", 'operation="emit"')) >= 5,
      {
        timeoutMs: 15_000,
        message: () => `garbage is not counted\n${garbage.tail()}`,
      },
    );
    assert.equal((await sourceOf(garbage))?.ok, false);
    await waitFor(
      async () => /failed to start: cannot start/.test((await sourceOf(rejecting))?.error ?? ""),
      {
        timeoutMs: 10_000,
        message: "the rejected start is not in /status",
      },
    );
    assert.ok((await metricSum(rejecting.apiUrl, "vpcrouter_plugin_errors_total", 'operation="start"')) >= 1);
    assert.deepEqual(await sourceOf(hanging), {
      origin: "spec source misbehaving-source",
      ok: false,
      pending: true,
    });
    // Whoever leads has nothing good to publish: the operator's spec stays in force everywhere.
    await world.agreedLeader();
    for (const replica of replicas) {
      const inForce = ((await replica.status()) as { spec?: { routes?: unknown } }).spec?.routes;
      assert.equal(JSON.stringify(inForce), spec, `${replica.id} keeps the spec in force`);
    }
    assert.equal(await world.etcdGet(`${world.prefix}/spec`), spec);
    assert.deepEqual(world.mutatingCalls(cursor), [], "no EC2 write");
    // A start that never finished does not hold up the stop.
    await stopAll(replicas);
  });
});
