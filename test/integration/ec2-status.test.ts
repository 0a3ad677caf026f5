/**
 * The ec2status health check in the test world, inside multi (`icmpecho:ec2status`): a route
 * moves when the emulator marks the active router's instance impaired, and again when it stops
 * the instance; the routers keep answering ICMP all along, so EC2's view alone moves them. Only
 * the leader writes; every replica reads the status with one DescribeInstanceStatus per interval.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ReplicaProcess } from "../support/replica-process.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const A = "10.55.16.0/24";
const ARGS = [
  "--health",
  "multi",
  "--multi-plugins",
  "icmpecho:ec2status",
  "--ec2status-interval-ms",
  "1000",
];

describe("ec2status health check", () => {
  let world: TestWorld;
  let replicas: ReplicaProcess[];
  let r1: string;
  let r2: string;

  before(async () => {
    world = await TestWorld.create({ tag: "ec2st", subnet: 224, etcdMembers: 1, routers: 2, routeTables: 2 });
    [r1, r2] = world.routers.routerIps as [string, string];
    replicas = [];
    for (const id of ["ec2st-a", "ec2st-b", "ec2st-c"])
      replicas.push(await world.startReplica(id, "az-a", [...ARGS, "--expected-replicas", "3"]));
    await world.putSpecAndWait({ [A]: [r1, r2] });
  });

  after(async () => {
    await world?.destroy();
  });

  function onlyLeaderWrote(leader: ReplicaProcess, since: number): void {
    const writers = new Set(world.mutatingCalls(since).map((call) => call.accessKeyId));
    assert.deepEqual([...writers], [leader.id], "only the leader writes to EC2");
  }

  it("moves the route off a router whose instance status check is impaired", async () => {
    const leader = await world.agreedLeader();
    const cursor = world.ec2.logCursor();
    const instance = world.impairRouterInstance(r1);
    await waitFor(() => world.allTablesRoute(A, r2), {
      timeoutMs: 20_000,
      message: () => `A did not move off the impaired r1\n${world.tails()}`,
    });
    onlyLeaderWrote(leader, cursor);
    // Only EC2's view moved it: the router answers ICMP, and EC2 keeps its routes active.
    // (The quorum may have been the two others: the leader's own view may come a read later.)
    const lines = () => leader.logged("local probe view changed") as { reasons?: Record<string, string> }[];
    const reason = `ec2status: instance ${instance}: instance status check impaired`;
    await waitFor(() => lines().some((line) => line.reasons?.[r1] === reason), {
      timeoutMs: 5000,
      message: () => `r1 not failed by ec2status: ${JSON.stringify(lines())}`,
    });
    const reads = () => world.ec2.log(cursor).filter((call) => call.action === "DescribeInstanceStatus");
    for (const replica of replicas)
      await waitFor(() => reads().some((call) => call.accessKeyId === replica.id), {
        timeoutMs: 5000,
        message: `${replica.id} does not read the status`,
      });
    assert.ok(reads().every((call) => call.params.IncludeAllInstances === "true"));
    world.setRouterInstanceStatus(r1, { state: "running", systemStatus: "ok", instanceStatus: "ok" });
    for (const replica of replicas) {
      await waitFor(
        async () =>
          (((await replica.status())?.probes ?? {}) as Record<string, { healthy: boolean }>)[r1]?.healthy,
        { timeoutMs: 15_000, message: `${replica.id} does not see r1 healthy again` },
      );
    }
  });

  it("moves the route off a router whose instance is stopped", async () => {
    const leader = await world.agreedLeader();
    const cursor = world.ec2.logCursor();
    const instance = world.stopRouterInstance(r2);
    await waitFor(() => world.allTablesRoute(A, r1), {
      timeoutMs: 20_000,
      message: () => `A did not move off the stopped r2\n${world.tails()}`,
    });
    onlyLeaderWrote(leader, cursor);
    // EC2 blackholes the routes of a stopped instance, which the leader may repair before the next
    // status read; either way the check must then count r2 failed, for EC2's reason.
    const reason = `ec2status: instance ${instance} is stopped`;
    const lines = () => leader.logged("local probe view changed") as { reasons?: Record<string, string> }[];
    await waitFor(() => lines().some((line) => line.reasons?.[r2] === reason), {
      timeoutMs: 10_000,
      message: () => `r2 not failed by ec2status: ${JSON.stringify(lines())}`,
    });
    await waitFor(
      async () =>
        ((await leader.status()) as { failedRouters?: string[] }).failedRouters?.includes(r2) === true,
      {
        timeoutMs: 10_000,
        message: "the quorum does not confirm r2 failed",
      },
    );
    assert.ok(world.allTablesRoute(A, r1));
  });
});
