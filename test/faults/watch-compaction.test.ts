/**
 * Fault: a follower is frozen (SIGSTOP) while the spec changes several times and etcd compacts its
 * history past the follower's watch, so its watch cannot resume. Thawed, it converges on the latest
 * spec (level-triggered: it re-reads the state, whatever its watch missed).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { recordScenario } from "../support/fault-report.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const run = promisify(execFile);

describe("watch loss and compaction while a replica is frozen", () => {
  let world: TestWorld;

  before(async () => {
    world = await TestWorld.create({
      tag: "fwatch",
      subnet: 241,
      etcdMembers: 1,
      routers: 2,
      routeTables: 1,
    });
    const [r1, r2] = world.routers.routerIps as [string, string];
    for (const id of ["rep-a", "rep-b"]) await world.startReplica(id, `az-${id.slice(-1)}`);
    await world.putSpecAndWait({ "10.64.0.0/24": [r1, r2] });
  });

  after(async () => {
    await world?.destroy();
  });

  it("converges on the latest spec after a frozen follower's watch history was compacted away", async () => {
    const [r1, r2] = world.routers.routerIps as [string, string];
    const leader = await world.agreedLeader();
    const follower = world.replicas.find((replica) => replica !== leader);
    assert.ok(follower);
    follower.freeze(true);
    let last = "";
    try {
      for (let i = 1; i <= 5; i++) {
        last = JSON.stringify({ [`10.64.${i}.0/24`]: [r1, r2] });
        await world.putSpecWithEtcdctl(last);
      }
      const revision = await world.etcdRevision();
      await run("etcdctl", ["--endpoints", world.etcd.endpoints.join(","), "compact", revision], {
        env: { ...process.env, ETCDCTL_API: "3" },
      });
    } finally {
      follower.freeze(false);
    }
    const thawedAt = Date.now();
    await waitFor(
      async () => {
        const routes = ((await follower.status())?.spec as { routes?: Record<string, unknown> } | undefined)
          ?.routes;
        return routes !== undefined && "10.64.5.0/24" in routes;
      },
      { timeoutMs: 20_000, message: () => `the follower did not converge\n${follower.tail(40)}` },
    );
    const convergedMs = Date.now() - thawedAt;
    recordScenario({
      id: "watch-compaction",
      title: "A follower frozen while the spec changes and etcd compacts past its watch",
      injection: "SIGSTOP of a follower, 5 spec puts, `etcdctl compact` to the latest revision, SIGCONT",
      trials: 1,
      checks: ["the follower converges on the latest spec", "it keeps running"],
      passed: follower.running,
      figures: [{ name: "thaw → latest spec in force", value: convergedMs, unit: "ms" }],
    });
    assert.ok(follower.running);
    assert.ok(last.length > 0);
  });
});
