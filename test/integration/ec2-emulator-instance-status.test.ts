/**
 * The EC2 emulator's DescribeInstanceStatus against the real `@aws-sdk/client-ec2`: default
 * statuses, running-only unless IncludeAllInstances, impaired checks, filters, pagination, EC2's
 * errors, the call log and the non-mutating throttle bucket, and the control that changes an
 * instance's state and status checks (in process, over HTTP, and by router IP).
 */

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  CreateRouteCommand,
  DescribeInstanceStatusCommand,
  type DescribeInstanceStatusCommandInput,
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  type EC2Client,
  type InstanceStatus,
  paginateDescribeInstanceStatus,
} from "@aws-sdk/client-ec2";
import {
  createWorld,
  demoRouteTableId,
  demoWorld,
  type Ec2Emulator,
  instanceIdOfIp,
  setInstanceStatusOfIp,
  startEc2Emulator,
  type WorldSpec,
} from "../support/ec2-emulator/index.js";
import { emulatorClient, sdkFailure } from "../support/ec2-sdk.js";

/** Instance id of router `n` (1-based) of the demo world. */
const instance = (n: number) => `i-${n.toString(16).padStart(17, "0")}`;
const I1 = instance(1);
const I2 = instance(2);
const I3 = instance(3);
const ALL = Array.from({ length: 7 }, (_, i) => instance(i + 1));
const MAIN = demoRouteTableId(0);

/** Seven routers (so that MaxResults 5 needs two pages); router 1 also holds a floating IP. */
function statusWorld(): WorldSpec {
  return demoWorld({
    routers: Array.from({ length: 7 }, (_, i) => ({
      ip: `198.18.0.${11 + i}`,
      ...(i === 0 ? { secondaryIps: ["198.18.0.111"] } : {}),
    })),
  });
}

/** What a health check reads of one status: [id, state, system status, instance status]. */
function summary(status: InstanceStatus | undefined): [unknown, unknown, unknown, unknown] {
  return [
    status?.InstanceId,
    status?.InstanceState?.Name,
    status?.SystemStatus?.Status,
    status?.InstanceStatus?.Status,
  ];
}

describe("EC2 emulator: DescribeInstanceStatus with the real SDK", () => {
  let emulator: Ec2Emulator;
  let ec2: EC2Client;
  const statuses = async (input: DescribeInstanceStatusCommandInput) =>
    (await ec2.send(new DescribeInstanceStatusCommand(input))).InstanceStatuses ?? [];

  beforeEach(async () => {
    emulator = await startEc2Emulator({ world: statusWorld() });
    ec2 = emulatorClient(emulator.url, "AKIDSTATUSTEST");
  });
  afterEach(async () => {
    ec2?.destroy();
    await emulator?.close();
  });

  it("reports every instance running with both checks ok and passed reachability", async () => {
    const all = await statuses({});
    assert.deepEqual(
      all.map((s) => s.InstanceId),
      ALL,
    );
    const [first] = await statuses({ InstanceIds: [I1] });
    assert.equal(first?.InstanceId, I1);
    assert.equal(first?.AvailabilityZone, "us-east-1a");
    assert.deepEqual(first?.InstanceState, { Code: 16, Name: "running" });
    for (const check of [first?.SystemStatus, first?.InstanceStatus]) {
      assert.equal(check?.Status, "ok");
      assert.deepEqual(check?.Details, [{ Name: "reachability", Status: "passed" }]);
    }
  });

  it("without IncludeAllInstances omits a stopped instance, even asked by id; with it shows it", async () => {
    emulator.mutate({ op: "set-instance-status", instanceId: I2, state: "stopped" });
    assert.deepEqual((await statuses({ InstanceIds: [I1, I2] })).map(summary), [[I1, "running", "ok", "ok"]]);
    assert.equal((await statuses({})).length, 6, "running instances only by default");
    const withAll = await statuses({ InstanceIds: [I1, I2], IncludeAllInstances: true });
    assert.deepEqual(withAll.map(summary), [
      [I1, "running", "ok", "ok"],
      [I2, "stopped", "not-applicable", "not-applicable"],
    ]);
    const stopped = withAll[1];
    assert.equal(stopped?.InstanceState?.Code, 80);
    assert.equal(stopped?.SystemStatus?.Details, undefined, "a check that does not run has no details");
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [I2] }));
    assert.equal(
      described.Reservations?.[0]?.Instances?.[0]?.State?.Name,
      "stopped",
      "DescribeInstances agrees",
    );
  });

  it("reports impaired checks with failed reachability since the change, and filters on them", async () => {
    let now = Date.parse("2030-01-02T03:04:05.000Z");
    const world = createWorld(statusWorld(), { now: () => now });
    const local = await startEc2Emulator({ world });
    const c = emulatorClient(local.url, "AKIDSTATUSTEST");
    try {
      local.mutate([
        { op: "set-instance-status", instanceId: I1, systemStatus: "impaired" },
        { op: "set-instance-status", instanceId: I2, instanceStatus: "impaired" },
      ]);
      now += 60_000;
      // Still impaired: the time it became so does not move.
      local.mutate({ op: "set-instance-status", instanceId: I1, systemStatus: "impaired" });
      const read = async (input: DescribeInstanceStatusCommandInput) =>
        (await c.send(new DescribeInstanceStatusCommand(input))).InstanceStatuses ?? [];
      const [one, two] = await read({ InstanceIds: [I1, I2] });
      assert.deepEqual(summary(one), [I1, "running", "impaired", "ok"]);
      assert.deepEqual(summary(two), [I2, "running", "ok", "impaired"]);
      const detail = one?.SystemStatus?.Details?.[0];
      assert.equal(detail?.Status, "failed");
      assert.equal(detail?.ImpairedSince?.toISOString(), "2030-01-02T03:04:05.000Z");
      assert.deepEqual(one?.InstanceStatus?.Details, [{ Name: "reachability", Status: "passed" }]);

      const ids = async (name: string, values: string[]) =>
        (await read({ Filters: [{ Name: name, Values: values }] })).map((s) => s.InstanceId);
      assert.deepEqual(await ids("system-status.status", ["impaired"]), [I1]);
      assert.deepEqual(await ids("instance-status.status", ["impaired"]), [I2]);
      assert.deepEqual(await ids("instance-status.reachability", ["failed"]), [I2]);
      assert.equal((await ids("system-status.status", ["ok"])).length, 6);

      local.mutate({ op: "set-instance-status", instanceId: I1, systemStatus: "ok" });
      const [healed] = await read({ InstanceIds: [I1] });
      assert.deepEqual(healed?.SystemStatus, {
        Status: "ok",
        Details: [{ Name: "reachability", Status: "passed" }],
      });
      assert.equal(
        (await sdkFailure(read({ Filters: [{ Name: "colour", Values: ["x"] }] }))).code,
        "InvalidParameterValue",
      );
    } finally {
      c.destroy();
      await local.close();
    }
  });

  it("paginates with MaxResults and NextToken, also through the SDK's paginator", async () => {
    emulator.mutate({ op: "set-instance-status", instanceId: I3, state: "stopped" });
    const first = await ec2.send(new DescribeInstanceStatusCommand({ MaxResults: 5 }));
    assert.equal(first.InstanceStatuses?.length, 5);
    assert.ok(first.NextToken, "5 out of 6 running instances leave a next page");
    const second = await ec2.send(
      new DescribeInstanceStatusCommand({ MaxResults: 5, NextToken: first.NextToken }),
    );
    assert.deepEqual(
      [...(first.InstanceStatuses ?? []), ...(second.InstanceStatuses ?? [])].map((s) => s.InstanceId),
      ALL.filter((id) => id !== I3),
    );
    assert.equal(second.NextToken, undefined);

    const pages: number[] = [];
    const seen: unknown[] = [];
    for await (const page of paginateDescribeInstanceStatus(
      { client: ec2, pageSize: 5 },
      { IncludeAllInstances: true },
    )) {
      pages.push(page.InstanceStatuses?.length ?? 0);
      seen.push(...(page.InstanceStatuses ?? []).map((s) => [s.InstanceId, s.InstanceState?.Name]));
    }
    assert.deepEqual(pages, [5, 2]);
    assert.deepEqual(
      seen,
      ALL.map((id) => [id, id === I3 ? "stopped" : "running"]),
    );
    assert.equal((await sdkFailure(statuses({ MaxResults: 4 }))).code, "InvalidParameterValue");
    assert.equal(
      (await sdkFailure(statuses({ MaxResults: 5, NextToken: "garbage" }))).code,
      "InvalidPaginationToken",
    );
  });

  it("answers InvalidInstanceID.NotFound for an unknown id", async () => {
    assert.deepEqual(await sdkFailure(statuses({ InstanceIds: [I1, "i-0nope"] })), {
      code: "InvalidInstanceID.NotFound",
      status: 400,
      fault: "client",
    });
  });

  it("refuses MaxResults together with instance ids (InvalidParameterCombination), and over 100 ids", async () => {
    assert.deepEqual(await sdkFailure(statuses({ InstanceIds: [I1], MaxResults: 5 })), {
      code: "InvalidParameterCombination",
      status: 400,
      fault: "client",
    });
    const many = Array.from({ length: 101 }, (_, i) => instance(i + 1));
    assert.equal((await sdkFailure(statuses({ InstanceIds: many }))).code, "InvalidParameterValue");
  });

  it("is logged, and throttled in the non-mutating bucket while writes pass", async () => {
    const throttled = await startEc2Emulator({
      world: statusWorld(),
      throttle: {
        mutating: { burst: 50, refillPerSecond: 5 },
        nonMutating: { burst: 1, refillPerSecond: 0.001 },
      },
    });
    const c = emulatorClient(throttled.url, "AKIDSTATUSTEST");
    try {
      const mark = throttled.logCursor();
      await c.send(new DescribeInstanceStatusCommand({ InstanceIds: [I1, I2], IncludeAllInstances: true }));
      assert.deepEqual(await sdkFailure(c.send(new DescribeInstanceStatusCommand({}))), {
        code: "RequestLimitExceeded",
        status: 503,
        fault: "server",
      });
      await c.send(
        new CreateRouteCommand({
          RouteTableId: MAIN,
          DestinationCidrBlock: "10.50.0.0/24",
          NetworkInterfaceId: "eni-00000000000000001",
        }),
      );
      const [ok, limited, write] = throttled.log(mark);
      assert.equal(ok?.action, "DescribeInstanceStatus");
      assert.equal(ok?.status, 200);
      assert.equal(ok?.accessKeyId, "AKIDSTATUSTEST");
      assert.deepEqual(
        [ok?.params["InstanceId.1"], ok?.params["InstanceId.2"], ok?.params.IncludeAllInstances],
        [I1, I2, "true"],
      );
      assert.deepEqual(
        [limited?.action, limited?.status, limited?.errorCode],
        ["DescribeInstanceStatus", 503, "RequestLimitExceeded"],
      );
      assert.deepEqual([write?.action, write?.status], ["CreateRoute", 200]);
    } finally {
      c.destroy();
      await throttled.close();
    }
  });

  describe("the control", () => {
    const control = (body: unknown) =>
      fetch(`${emulator.url}/_control/world`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });

    it("over HTTP changes state and checks, and refuses bad values without changing anything", async () => {
      const changed = await control({
        op: "set-instance-status",
        instanceId: I1,
        state: "stopping",
        instanceStatus: "initializing",
      });
      assert.equal(changed.status, 200);
      const world = (await (await fetch(`${emulator.url}/_control/world`)).json()) as WorldSpec;
      assert.deepEqual(
        world.instances?.find((i) => i.instanceId === I1),
        { instanceId: I1, state: "stopping", systemStatus: "ok", instanceStatus: "initializing" },
      );
      assert.deepEqual((await statuses({ InstanceIds: [I1], IncludeAllInstances: true })).map(summary), [
        [I1, "stopping", "not-applicable", "not-applicable"],
      ]);
      await control({ op: "set-instance-status", instanceId: I1, state: "running" });
      const [running] = await statuses({ InstanceIds: [I1] });
      assert.deepEqual(summary(running), [I1, "running", "ok", "initializing"]);
      assert.deepEqual(running?.InstanceStatus?.Details, [{ Name: "reachability", Status: "initializing" }]);

      for (const [body, pattern] of [
        [{ op: "set-instance-status", instanceId: I1, systemStatus: "broken" }, /systemStatus broken/],
        [{ op: "set-instance-status", instanceId: I1, state: "asleep" }, /instance state asleep/],
        [{ op: "set-instance-status", instanceId: I1 }, /needs state, systemStatus or instanceStatus/],
        [{ op: "set-instance-status", instanceId: "i-0nope", state: "stopped" }, /i-0nope/],
      ] as const) {
        const bad = await control(body);
        assert.equal(bad.status, 400, JSON.stringify(body));
        assert.match(((await bad.json()) as { error: string }).error, pattern);
      }
      assert.deepEqual(summary((await statuses({ InstanceIds: [I1] }))[0]), [
        I1,
        "running",
        "ok",
        "initializing",
      ]);
    });

    it("a stopped instance's routes are blackholes until it runs again", async () => {
      await ec2.send(
        new CreateRouteCommand({
          RouteTableId: MAIN,
          DestinationCidrBlock: "10.60.0.0/24",
          NetworkInterfaceId: "eni-00000000000000001",
        }),
      );
      const state = async () =>
        (
          await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [MAIN] }))
        ).RouteTables?.[0]?.Routes?.find((r) => r.DestinationCidrBlock === "10.60.0.0/24")?.State;
      emulator.mutate({ op: "set-instance-status", instanceId: I1, state: "stopped" });
      assert.equal(await state(), "blackhole");
      emulator.mutate({ op: "set-instance-status", instanceId: I1, state: "running" });
      assert.equal(await state(), "active");
      // Failed status checks alone do not change a route: EC2 still delivers to a running instance.
      emulator.mutate({ op: "set-instance-status", instanceId: I1, systemStatus: "impaired" });
      assert.equal(await state(), "active");
    });

    it("by router IP: the instance behind a primary or a floating IP, wherever it moved", async () => {
      assert.equal(instanceIdOfIp(emulator.world, "198.18.0.12"), I2);
      assert.equal(instanceIdOfIp(emulator.world, "198.18.0.111"), I1);
      assert.throws(() => instanceIdOfIp(emulator.world, "198.18.0.250"), /no network interface holds/);
      emulator.world.operatorReassignPrivateIp("198.18.0.111", "eni-00000000000000003");
      assert.equal(setInstanceStatusOfIp(emulator.world, "198.18.0.111", { instanceStatus: "impaired" }), I3);
      assert.equal(setInstanceStatusOfIp(emulator.world, "198.18.0.12", { state: "stopped" }), I2);
      assert.deepEqual(
        (await statuses({ InstanceIds: [I1, I2, I3], IncludeAllInstances: true })).map(summary),
        [
          [I1, "running", "ok", "ok"],
          [I2, "stopped", "not-applicable", "not-applicable"],
          [I3, "running", "ok", "impaired"],
        ],
      );
    });
  });
});
