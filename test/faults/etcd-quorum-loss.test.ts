/**
 * Fault: etcd loses its quorum (2 of 3 members stopped) while a router fails. Nothing is written
 * to EC2 and the routes hold; every replica says it is not ready. Once the members are back, the
 * replicas recover without a restart and the failure that happened meanwhile is failed over.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { recordScenario } from "../support/fault-report.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const TTL_SECONDS = 3;
const X = "10.58.16.0/24";

describe("etcd quorum loss", () => {
  let world: TestWorld;

  before(async () => {
    world = await TestWorld.create({
      tag: "fquorum",
      subnet: 235,
      etcdMembers: 3,
      routers: 2,
      routeTables: 2,
    });
    const [r1, r2] = world.routers.routerIps as [string, string];
    for (const id of ["rep-a", "rep-b", "rep-c"])
      await world.startReplica(id, `az-${id.slice(-1)}`, ["--election-ttl", String(TTL_SECONDS)]);
    await world.putSpecAndWait({ [X]: [r1, r2] });
  });

  after(async () => {
    await world?.destroy();
  });

  const readyz = async (url: string) =>
    (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined))?.status;

  it("writes nothing, holds the routes and is not ready while etcd has no quorum; then handles what happened", async () => {
    const [r1, r2] = world.routers.routerIps as [string, string];
    const cursor = world.ec2.logCursor();
    await world.etcd.stopMember(1);
    await world.etcd.stopMember(2);
    for (const replica of world.replicas) {
      await waitFor(async () => (await readyz(replica.apiUrl)) === 503, {
        timeoutMs: 20_000,
        message: () => `${replica.id} still ready without an etcd quorum\n${world.tails()}`,
      });
    }
    await world.routers.linkDown(r1); // the failure during the outage
    // The replicas see r1 failed locally, but nothing can be confirmed, nor written.
    for (const replica of world.replicas) {
      await waitFor(
        async () => ((await replica.status())?.localFailed as string[] | undefined)?.includes(r1) ?? false,
        {
          timeoutMs: 15_000,
          message: `${replica.id} did not see ${r1} fail`,
        },
      );
    }
    const duringOutage = world.mutatingCalls(cursor);
    const routesHeld = world.allTablesRoute(X, r1);
    const recoveredFrom = Date.now();
    await world.etcd.startMember(1);
    await world.etcd.startMember(2);
    await waitFor(() => world.allTablesRoute(X, r2), {
      timeoutMs: 30_000,
      message: () => `the failure was not handled after etcd recovered\n${world.tails()}`,
    });
    const convergedMs = Date.now() - recoveredFrom;
    const crashed = world.replicas.filter((replica) => !replica.running).map((replica) => replica.id);
    recordScenario({
      id: "etcd-quorum-loss",
      title: "etcd loses its quorum (2 of 3 members stopped) while a router fails",
      injection:
        "SIGKILL of 2 of the 3 etcd members; router R1's link down during the outage; members restarted",
      trials: 1,
      checks: [
        "no EC2 mutation and routes held during the outage",
        "every replica answers /readyz 503",
        "after recovery, without restarts, R1's routes move to R2",
      ],
      passed: duringOutage.length === 0 && routesHeld && crashed.length === 0,
      figures: [
        { name: "mutations during the outage", value: duringOutage.length, unit: "count" },
        { name: "etcd back → failover done", value: convergedMs, unit: "ms" },
        { name: "replica crashes", value: crashed.length, unit: "count" },
      ],
    });
    assert.deepEqual(duringOutage, [], "EC2 was written without an etcd quorum");
    assert.ok(routesHeld);
    assert.deepEqual(crashed, []);
    for (const replica of world.replicas) {
      await waitFor(async () => (await readyz(replica.apiUrl)) === 200, {
        timeoutMs: 20_000,
        // Once flaky on Node 22 in CI (2026-12-02): the replica's own log says why next time.
        message: () => `${replica.id} not ready again\n${replica.tail(80)}`,
      });
    }
  });
});
