/**
 * Bad input never changes anything: a bad spec put with etcdctl or POSTed to the API is rejected
 * with a clear error, the previous spec stays in force and the routes stay as they are.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const A = "10.55.16.0/24";
const C = "10.77.0.0/16";

interface SpecStatus {
  revision: string | null;
  routes: Record<string, string[]> | null;
  error: { revision: string; message: string } | null;
}

describe("bad specs", () => {
  let world: TestWorld;
  let r1: string;
  let r2: string;

  before(async () => {
    world = await TestWorld.create({ tag: "bad", subnet: 213, etcdMembers: 1, routers: 2, routeTables: 2 });
    [r1, r2] = world.routers.routerIps as [string, string];
    await world.startReplica("bad-a", "az-a");
    await world.startReplica("bad-b", "az-b");
    await world.putSpecAndWait({ [A]: [r1, r2] });
  });

  after(async () => {
    await world?.destroy();
  });

  async function specOf(index: number): Promise<SpecStatus | undefined> {
    return (await world.replicas[index]?.status())?.spec as SpecStatus | undefined;
  }

  it("rejects a bad spec put with etcdctl: routes unchanged, error in every replica's /status, previous spec in force", async () => {
    const before = await specOf(0);
    const cursor = world.ec2.logCursor();
    // Host bits set in the CIDR, an invalid router IP, and a valid new route: rejected as a whole.
    await world.putSpecWithEtcdctl(JSON.stringify({ "10.55.16.1/24": [r1], [C]: ["198.18.300.1"] }));
    for (const index of [0, 1]) {
      await waitFor(async () => (await specOf(index))?.error !== null, {
        timeoutMs: 10_000,
        message: `replica ${index} does not report the spec error`,
      });
      const spec = await specOf(index);
      assert.match(spec?.error?.message ?? "", /10\.55\.16\.1\/24 has host bits set/);
      assert.match(spec?.error?.message ?? "", /198\.18\.300\.1/);
      assert.equal(spec?.revision, before?.revision, "the previous spec stays in force");
      assert.deepEqual(spec?.routes, { [A]: [r1, r2] });
    }
    // The leader records the error under <prefix>/status as well.
    await waitFor(
      async () => {
        const status = JSON.parse((await world.etcdGet(`${world.prefix}/status`)) ?? "{}") as {
          specError?: { message: string };
        };
        return /host bits/.test(status.specError?.message ?? "");
      },
      { timeoutMs: 10_000, message: "spec error not recorded under <prefix>/status" },
    );
    assert.equal(world.mutatingCalls(cursor).length, 0, "no EC2 write");
    assert.ok(world.allTablesRoute(A, r1));
    assert.equal(world.targets(C).get(world.ec2.routeTables()[0]?.routeTableId ?? "")?.length ?? 0, 0);
  });

  it("keeps the last good spec across a restart while the stored spec is bad", async () => {
    const replica = world.replicas[1];
    await replica?.kill("SIGTERM");
    const restarted = await world.startReplica("bad-c", "az-c");
    await waitFor(async () => ((await restarted.status())?.spec as SpecStatus | undefined)?.routes !== null, {
      timeoutMs: 15_000,
      message: () => `restarted replica has no spec in force\n${restarted.tail()}`,
    });
    const spec = (await restarted.status())?.spec as SpecStatus;
    assert.deepEqual(spec.routes, { [A]: [r1, r2] });
    assert.match(spec.error?.message ?? "", /host bits/);
  });

  it("answers POST /route_spec with 400 and the reasons for a bad body, and changes nothing", async () => {
    const replica = world.replicas[0];
    const revisionBefore = (await specOf(0))?.revision;
    for (const body of ["{not json", JSON.stringify({ [A]: [] }), JSON.stringify(["x"])]) {
      const response = await fetch(`${replica?.apiUrl}/route_spec`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      assert.equal(response.status, 400, body);
      const answer = (await response.json()) as { error: string; problems: unknown[] };
      assert.match(answer.error, /invalid route spec/);
      assert.ok(answer.problems.length > 0);
    }
    assert.equal((await specOf(0))?.revision, revisionBefore);
  });

  it("accepts a good spec through POST /route_spec on any replica and applies it", async () => {
    const replica = world.replicas[0];
    const response = await fetch(`${replica?.apiUrl}/route_spec`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ [A]: [r2, r1], [C]: [r2] }),
    });
    assert.equal(response.status, 200);
    const answer = (await response.json()) as { revision: string };
    await waitFor(() => world.allTablesRoute(C, r2), {
      timeoutMs: 20_000,
      message: () => `new route not created\n${world.tails()}`,
    });
    // No failback: A stays on r1 (healthy), though r2 is now listed first.
    assert.ok(world.allTablesRoute(A, r1));
    for (const running of world.replicas.filter((r) => r.running)) {
      const spec = async () => (await running.status())?.spec as SpecStatus | undefined;
      await waitFor(async () => (await spec())?.revision === answer.revision, { timeoutMs: 10_000 });
      assert.equal((await spec())?.error, null);
    }
    const get = await fetch(`${replica?.apiUrl}/route_spec`);
    assert.deepEqual(await get.json(), { [A]: [r2, r1], [C]: [r2] });
  });
});
