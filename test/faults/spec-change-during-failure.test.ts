/**
 * Fault: the operator changes the spec while a router is down (docs/DESIGN.md, safety rule 1). A
 * router the quorum confirmed failed stays failed across the spec change: no route is replaced or
 * created to it, neither an edited one nor one the change adds.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { recordScenario } from "../support/fault-report.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const X = "10.55.16.0/24";
const Y = "10.77.18.0/24";

describe("a spec change during a failure", () => {
  let world: TestWorld;
  let r1: string;
  let r2: string;
  let r3: string;

  before(async () => {
    world = await TestWorld.create({ tag: "fspec", subnet: 230, etcdMembers: 1, routers: 3, routeTables: 3 });
    [r1, r2, r3] = world.routers.routerIps as [string, string, string];
    for (const id of ["rep-a", "rep-b", "rep-c"]) await world.startReplica(id, `az-${id.slice(-1)}`);
    await world.putSpecAndWait({ [X]: [r1, r2] });
  });

  after(async () => {
    await world?.destroy();
  });

  it("never sends traffic to the dead router: the edited route goes to the new standby, the new route too", async () => {
    await world.routers.linkDown(r1);
    await waitFor(() => world.allTablesRoute(X, r2), {
      timeoutMs: 20_000,
      message: () => `no failover to ${r2}\n${world.tails()}`,
    });
    const cursor = world.ec2.logCursor();
    // The operator replaces the standby: r1 (still down) stays first in X's list, and a new route
    // Y is added with r1 first too.
    await world.putSpecWithEtcdctl(JSON.stringify({ [X]: [r1, r3], [Y]: [r1, r3] }));
    await waitFor(() => world.allTablesRoute(X, r3) && world.allTablesRoute(Y, r3), {
      timeoutMs: 20_000,
      message: () => `routes did not settle on ${r3}\n${world.tails()}`,
    });
    const deadEni = world.eniOf(r1);
    const toDead = world
      .mutatingCalls(cursor)
      .filter((call) => call.params.NetworkInterfaceId === deadEni)
      .map((call) => `${call.action} ${call.params.DestinationCidrBlock} in ${call.params.RouteTableId}`);
    recordScenario({
      id: "spec-change-during-failure",
      title: "The operator changes the spec while a router is down",
      injection:
        "router R1 down and failed over to R2; then the spec lists R1 first for the edited route and for a new one",
      trials: 1,
      checks: ["no route is replaced or created to R1", "both routes settle on R3"],
      passed: toDead.length === 0,
      figures: [{ name: "changes to the failed router", value: toDead.length, unit: "count" }],
    });
    assert.deepEqual(toDead, [], "no route was pointed at the router the quorum had confirmed failed");
  });
});
