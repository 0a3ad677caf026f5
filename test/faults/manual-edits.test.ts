/**
 * Fault: an operator edits the route tables by hand in the console: a route pointed elsewhere, a
 * route deleted, a route blackholed (its ENI deleted). Level-triggered, the leader repairs each at
 * its next route recheck; a route inside an ignored CIDR (`--ignore-routes`) is left alone.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { recordScenario } from "../support/fault-report.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const X = "10.61.1.0/24";
const IGNORED = "10.61.9.0/24";

describe("manual edits of the route tables", () => {
  let world: TestWorld;
  let r1: string;
  let r2: string;
  let r3: string;
  let table: string;

  before(async () => {
    world = await TestWorld.create({ tag: "fedit", subnet: 238, etcdMembers: 1, routers: 3, routeTables: 2 });
    [r1, r2, r3] = world.routers.routerIps as [string, string, string];
    table = world.ec2.routeTables()[0]?.routeTableId ?? "";
    for (const id of ["rep-a", "rep-b"])
      await world.startReplica(id, `az-${id.slice(-1)}`, [
        "--route-recheck-interval",
        "5",
        "--ignore-routes",
        IGNORED,
      ]);
    await world.putSpecAndWait({ [X]: [r1, r2] });
  });

  after(async () => {
    await world?.destroy();
  });

  const repaired = async (edit: () => void, what: string) => {
    edit();
    await waitFor(() => world.allTablesRoute(X, r1), {
      timeoutMs: 20_000,
      message: () => `${what}: not repaired\n${world.tails()}`,
    });
  };

  it("repairs a route pointed elsewhere, deleted or blackholed, and leaves an ignored CIDR alone", async () => {
    const started = Date.now();
    await repaired(
      () =>
        world.ec2.mutate({
          op: "put-route",
          routeTableId: table,
          route: { destinationCidrBlock: X, networkInterfaceId: world.eniOf(r3) },
        }),
      "pointed at a router outside the spec",
    );
    await repaired(
      () => world.ec2.mutate({ op: "delete-route", routeTableId: table, destinationCidrBlock: X }),
      "deleted",
    );
    await repaired(() => {
      world.ec2.mutate({
        op: "put-route",
        routeTableId: table,
        route: { destinationCidrBlock: X, networkInterfaceId: world.eniOf(r3) },
      });
      world.ec2.mutate({ op: "delete-network-interface", networkInterfaceId: world.eniOf(r3) });
    }, "blackholed");
    const repairMs = Date.now() - started;
    // A route of the operator's inside an ignored CIDR: never touched, not even by a recheck.
    const cursor = world.ec2.logCursor();
    world.ec2.mutate({
      op: "put-route",
      routeTableId: table,
      route: { destinationCidrBlock: IGNORED, networkInterfaceId: world.eniOf(r2) },
    });
    const leader = await world.agreedLeader();
    const seenAt = new Date().toISOString();
    await waitFor(
      async () => {
        const last = (await leader.status())?.lastReconcile as { at?: string; reason?: string } | null;
        return last?.reason === "route recheck" && (last.at ?? "") > seenAt;
      },
      { timeoutMs: 15_000, message: "no route recheck after the edit" },
    );
    const touched = world
      .mutatingCalls(cursor)
      .filter((call) => call.params.DestinationCidrBlock === IGNORED);
    recordScenario({
      id: "manual-edits",
      title: "Manual edits of the route tables (console)",
      injection:
        "a spec route pointed at a router outside the spec, deleted, blackholed (its ENI deleted); a route put inside an ignored CIDR",
      trials: 1,
      checks: ["each edit repaired at the next route recheck", "the ignored CIDR's route untouched"],
      passed: touched.length === 0,
      figures: [
        { name: "three edits → all repaired", value: repairMs, unit: "ms" },
        { name: "changes to the ignored CIDR", value: touched.length, unit: "count" },
      ],
    });
    assert.deepEqual(touched, []);
    assert.equal(world.ec2.route(table, IGNORED)?.networkInterfaceId, world.eniOf(r2));
  });
});
