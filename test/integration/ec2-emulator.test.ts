/**
 * The EC2 emulator against the real `@aws-sdk/client-ec2`: every action, EC2's error codes,
 * pagination, the call log, fault injection and throttling, the control endpoint, the runner.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  CreateRouteCommand,
  DeleteRouteCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceRouteCommand,
} from "@aws-sdk/client-ec2";
import {
  createWorld,
  demoRouteTableId,
  demoWorld,
  type Ec2Emulator,
  startEc2Emulator,
  type WorldSpec,
} from "../support/ec2-emulator/index.js";
import { emulatorClient, sdkFailure } from "../support/ec2-sdk.js";

const VPC = "vpc-0demo";
const OTHER_VPC = "vpc-0other";
const MAIN = demoRouteTableId(0);
const RTB1 = demoRouteTableId(1);
const ENI1 = "eni-00000000000000001";
const ENI2 = "eni-00000000000000002";
const I1 = "i-00000000000000001";

/** Seven tables in the demo VPC plus a second VPC with its own main table and ENI. */
function testWorld(): WorldSpec {
  const demo = demoWorld({
    vpcId: VPC,
    routeTableCount: 7,
    routers: [{ ip: "198.18.0.11", secondaryIps: ["198.18.0.111"] }, { ip: "198.18.0.12" }],
  });
  return {
    ...demo,
    vpcs: [...demo.vpcs, { vpcId: OTHER_VPC, cidrBlock: "10.99.0.0/16" }],
    subnets: [
      ...(demo.subnets ?? []),
      { subnetId: "subnet-0other", vpcId: OTHER_VPC, cidrBlock: "10.99.1.0/24" },
    ],
    networkInterfaces: [
      ...(demo.networkInterfaces ?? []),
      {
        networkInterfaceId: "eni-0other",
        subnetId: "subnet-0other",
        privateIpAddresses: [{ privateIpAddress: "10.99.1.5" }],
      },
    ],
    routeTables: [...(demo.routeTables ?? []), { routeTableId: "rtb-0other", vpcId: OTHER_VPC, main: true }],
  };
}

describe("EC2 emulator with the real SDK", () => {
  let emulator: Ec2Emulator;
  let ec2: EC2Client;

  before(async () => {
    emulator = await startEc2Emulator({ world: testWorld() });
    ec2 = emulatorClient(emulator.url);
  });
  after(async () => {
    ec2?.destroy();
    await emulator?.close();
  });
  beforeEach(() => emulator.clearFaults());

  describe("DescribeRouteTables", () => {
    it("paginates 7 tables with MaxResults 5 and an opaque NextToken", async () => {
      const first = await ec2.send(
        new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [VPC] }], MaxResults: 5 }),
      );
      assert.equal(first.RouteTables?.length, 5);
      assert.ok(first.NextToken, "a first page of 5 out of 7 has a NextToken");
      const second = await ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [{ Name: "vpc-id", Values: [VPC] }],
          MaxResults: 5,
          NextToken: first.NextToken,
        }),
      );
      assert.equal(second.RouteTables?.length, 2);
      assert.equal(second.NextToken, undefined);
      const ids = [...(first.RouteTables ?? []), ...(second.RouteTables ?? [])].map((t) => t.RouteTableId);
      assert.deepEqual(
        ids.sort(),
        Array.from({ length: 7 }, (_, i) => demoRouteTableId(i)),
      );
    });

    it("maps tables, associations and routes to EC2's element names", async () => {
      const reply = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [MAIN, RTB1] }));
      const [main, other] = reply.RouteTables ?? [];
      assert.equal(main?.RouteTableId, MAIN);
      assert.equal(main?.VpcId, VPC);
      assert.deepEqual(
        main?.Associations?.map((a) => a.Main),
        [true],
      );
      assert.deepEqual(
        other?.Associations?.map((a) => [a.Main, a.SubnetId]),
        [[false, "subnet-00000000000000001"]],
      );
      assert.deepEqual(
        main?.Routes?.map((r) => [r.DestinationCidrBlock, r.GatewayId, r.State, r.Origin]),
        [
          ["198.18.0.0/15", "local", "active", "CreateRouteTable"],
          ["0.0.0.0/0", "igw-0demo", "active", "CreateRoute"],
        ],
      );
    });

    it("filters by vpc-id, route-table-id, association.subnet-id and association.main", async () => {
      const ids = async (filters: { Name: string; Values: string[] }[]) =>
        ((await ec2.send(new DescribeRouteTablesCommand({ Filters: filters }))).RouteTables ?? []).map(
          (t) => t.RouteTableId,
        );
      assert.deepEqual(await ids([{ Name: "vpc-id", Values: [OTHER_VPC] }]), ["rtb-0other"]);
      assert.deepEqual(await ids([{ Name: "route-table-id", Values: [RTB1, "rtb-0other"] }]), [
        RTB1,
        "rtb-0other",
      ]);
      assert.deepEqual(await ids([{ Name: "association.subnet-id", Values: ["subnet-00000000000000002"] }]), [
        demoRouteTableId(2),
      ]);
      assert.deepEqual(await ids([{ Name: "association.main", Values: ["true"] }]), [MAIN, "rtb-0other"]);
      assert.deepEqual(
        await ids([
          { Name: "association.main", Values: ["true"] },
          { Name: "vpc-id", Values: [VPC] },
        ]),
        [MAIN],
      );
    });

    it("answers EC2's errors for unknown ids, bad filters, bad MaxResults and bad tokens", async () => {
      assert.deepEqual(
        await sdkFailure(ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: ["rtb-0nope"] }))),
        {
          code: "InvalidRouteTableID.NotFound",
          status: 400,
          fault: "client",
        },
      );
      assert.equal(
        (
          await sdkFailure(
            ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "colour", Values: ["x"] }] })),
          )
        ).code,
        "InvalidParameterValue",
      );
      assert.equal(
        (await sdkFailure(ec2.send(new DescribeRouteTablesCommand({ MaxResults: 3 })))).code,
        "InvalidParameterValue",
      );
      assert.equal(
        (await sdkFailure(ec2.send(new DescribeRouteTablesCommand({ MaxResults: 5, NextToken: "garbage" }))))
          .code,
        "InvalidPaginationToken",
      );
    });
  });

  describe("route writes", () => {
    it("CreateRoute to an ENI shows the ENI and its instance, active", async () => {
      const reply = await ec2.send(
        new CreateRouteCommand({
          RouteTableId: RTB1,
          DestinationCidrBlock: "10.1.0.0/24",
          NetworkInterfaceId: ENI1,
        }),
      );
      assert.equal(reply.Return, true);
      const route = emulator.route(RTB1, "10.1.0.0/24");
      assert.equal(route?.networkInterfaceId, ENI1);
      assert.equal(route?.instanceId, I1);
      assert.equal(route?.state, "active");
      const described = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [RTB1] }));
      const sdkRoute = described.RouteTables?.[0]?.Routes?.find(
        (r) => r.DestinationCidrBlock === "10.1.0.0/24",
      );
      assert.equal(sdkRoute?.NetworkInterfaceId, ENI1);
      assert.equal(sdkRoute?.InstanceId, I1);
    });

    it("CreateRoute fails with RouteAlreadyExists, InvalidRouteTableID.NotFound, InvalidNetworkInterfaceID.NotFound", async () => {
      await ec2.send(
        new CreateRouteCommand({
          RouteTableId: RTB1,
          DestinationCidrBlock: "10.2.0.0/24",
          NetworkInterfaceId: ENI1,
        }),
      );
      assert.equal(
        (
          await sdkFailure(
            ec2.send(
              new CreateRouteCommand({
                RouteTableId: RTB1,
                DestinationCidrBlock: "10.2.0.0/24",
                NetworkInterfaceId: ENI2,
              }),
            ),
          )
        ).code,
        "RouteAlreadyExists",
      );
      assert.equal(
        emulator.route(RTB1, "10.2.0.0/24")?.networkInterfaceId,
        ENI1,
        "the failed create changed nothing",
      );
      assert.equal(
        (
          await sdkFailure(
            ec2.send(
              new CreateRouteCommand({
                RouteTableId: "rtb-0nope",
                DestinationCidrBlock: "10.2.0.0/24",
                NetworkInterfaceId: ENI1,
              }),
            ),
          )
        ).code,
        "InvalidRouteTableID.NotFound",
      );
      assert.equal(
        (
          await sdkFailure(
            ec2.send(
              new CreateRouteCommand({
                RouteTableId: RTB1,
                DestinationCidrBlock: "10.3.0.0/24",
                NetworkInterfaceId: "eni-0nope",
              }),
            ),
          )
        ).code,
        "InvalidNetworkInterfaceID.NotFound",
      );
      assert.equal(
        (
          await sdkFailure(
            ec2.send(
              new CreateRouteCommand({
                RouteTableId: RTB1,
                DestinationCidrBlock: "10.3.0.0/24",
                NetworkInterfaceId: "eni-0other",
              }),
            ),
          )
        ).code,
        "InvalidParameterValue",
        "an ENI of another VPC is refused",
      );
      assert.equal(
        (
          await sdkFailure(
            ec2.send(
              new CreateRouteCommand({
                RouteTableId: RTB1,
                DestinationCidrBlock: "10.3.0.1/24",
                NetworkInterfaceId: ENI1,
              }),
            ),
          )
        ).code,
        "InvalidParameterValue",
        "host bits set",
      );
      assert.equal(emulator.route(RTB1, "10.3.0.0/24"), undefined);
    });

    it("CreateRoute by InstanceId targets the instance's ENI; by GatewayId the gateway", async () => {
      await ec2.send(
        new CreateRouteCommand({ RouteTableId: RTB1, DestinationCidrBlock: "10.4.0.0/24", InstanceId: I1 }),
      );
      assert.equal(emulator.route(RTB1, "10.4.0.0/24")?.networkInterfaceId, ENI1);
      await ec2.send(
        new CreateRouteCommand({
          RouteTableId: RTB1,
          DestinationCidrBlock: "10.5.0.0/24",
          GatewayId: "igw-0demo",
        }),
      );
      assert.equal(emulator.route(RTB1, "10.5.0.0/24")?.gatewayId, "igw-0demo");
      assert.equal(
        (
          await sdkFailure(
            ec2.send(
              new CreateRouteCommand({
                RouteTableId: RTB1,
                DestinationCidrBlock: "10.6.0.0/24",
                InstanceId: "i-0nope",
              }),
            ),
          )
        ).code,
        "InvalidInstanceID.NotFound",
      );
    });

    it("ReplaceRoute changes the target, and fails with InvalidParameterValue when the route is missing", async () => {
      await ec2.send(
        new CreateRouteCommand({
          RouteTableId: MAIN,
          DestinationCidrBlock: "10.7.0.0/24",
          NetworkInterfaceId: ENI1,
        }),
      );
      const reply = await ec2.send(
        new ReplaceRouteCommand({
          RouteTableId: MAIN,
          DestinationCidrBlock: "10.7.0.0/24",
          NetworkInterfaceId: ENI2,
        }),
      );
      assert.equal(reply.$metadata.httpStatusCode, 200);
      assert.equal(emulator.route(MAIN, "10.7.0.0/24")?.networkInterfaceId, ENI2);
      assert.equal(
        (
          await sdkFailure(
            ec2.send(
              new ReplaceRouteCommand({
                RouteTableId: MAIN,
                DestinationCidrBlock: "10.8.0.0/24",
                NetworkInterfaceId: ENI2,
              }),
            ),
          )
        ).code,
        "InvalidParameterValue",
      );
      assert.equal(emulator.route(MAIN, "10.8.0.0/24"), undefined, "ReplaceRoute never creates");
    });

    it("DeleteRoute removes the route, and fails with InvalidRoute.NotFound when it is missing", async () => {
      await ec2.send(
        new CreateRouteCommand({
          RouteTableId: MAIN,
          DestinationCidrBlock: "10.9.0.0/24",
          NetworkInterfaceId: ENI1,
        }),
      );
      await ec2.send(new DeleteRouteCommand({ RouteTableId: MAIN, DestinationCidrBlock: "10.9.0.0/24" }));
      assert.equal(emulator.route(MAIN, "10.9.0.0/24"), undefined);
      assert.equal(
        (
          await sdkFailure(
            ec2.send(new DeleteRouteCommand({ RouteTableId: MAIN, DestinationCidrBlock: "10.9.0.0/24" })),
          )
        ).code,
        "InvalidRoute.NotFound",
      );
      assert.equal(
        (
          await sdkFailure(
            ec2.send(new DeleteRouteCommand({ RouteTableId: MAIN, DestinationCidrBlock: "198.18.0.0/15" })),
          )
        ).code,
        "InvalidParameterValue",
        "the local route cannot be deleted",
      );
    });

    it("a route to a deleted ENI is a blackhole", async () => {
      const world = createWorld(demoWorld({ routers: [{ ip: "198.18.0.21" }] }));
      const local = await startEc2Emulator({ world });
      const localClient = emulatorClient(local.url);
      try {
        await localClient.send(
          new CreateRouteCommand({
            RouteTableId: MAIN,
            DestinationCidrBlock: "10.10.0.0/24",
            NetworkInterfaceId: ENI1,
          }),
        );
        local.mutate({ op: "delete-network-interface", networkInterfaceId: ENI1 });
        const reply = await localClient.send(new DescribeRouteTablesCommand({ RouteTableIds: [MAIN] }));
        const route = reply.RouteTables?.[0]?.Routes?.find((r) => r.DestinationCidrBlock === "10.10.0.0/24");
        assert.equal(route?.State, "blackhole");
        assert.equal(route?.NetworkInterfaceId, ENI1);
      } finally {
        localClient.destroy();
        await local.close();
      }
    });
  });

  describe("network interfaces, instances, subnets", () => {
    it("DescribeNetworkInterfaces finds primary and secondary addresses", async () => {
      const reply = await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [
            { Name: "addresses.private-ip-address", Values: ["198.18.0.111", "198.18.0.12"] },
            { Name: "vpc-id", Values: [VPC] },
          ],
        }),
      );
      const enis = reply.NetworkInterfaces ?? [];
      assert.deepEqual(
        enis.map((e) => e.NetworkInterfaceId),
        [ENI1, ENI2],
      );
      assert.equal(enis[0]?.Attachment?.InstanceId, I1);
      assert.deepEqual(
        enis[0]?.PrivateIpAddresses?.map((a) => [a.PrivateIpAddress, a.Primary]),
        [
          ["198.18.0.11", true],
          ["198.18.0.111", false],
        ],
      );
      const primaryOnly = await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [{ Name: "private-ip-address", Values: ["198.18.0.111"] }],
        }),
      );
      assert.deepEqual(
        primaryOnly.NetworkInterfaces,
        [],
        "private-ip-address matches primary addresses only",
      );
      const byId = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ENI2] }));
      assert.deepEqual(
        byId.NetworkInterfaces?.map((e) => e.PrivateIpAddress),
        ["198.18.0.12"],
      );
      const byFilterId = await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [{ Name: "network-interface-id", Values: ["eni-0other"] }],
        }),
      );
      assert.equal(byFilterId.NetworkInterfaces?.[0]?.VpcId, OTHER_VPC);
      assert.equal(
        (
          await sdkFailure(
            ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ["eni-0nope"] })),
          )
        ).code,
        "InvalidNetworkInterfaceID.NotFound",
      );
    });

    it("ModifyNetworkInterfaceAttribute sets SourceDestCheck", async () => {
      const before = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ENI2] }));
      assert.equal(before.NetworkInterfaces?.[0]?.SourceDestCheck, false);
      const reply = await ec2.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: ENI2,
          SourceDestCheck: { Value: true },
        }),
      );
      assert.equal(reply.$metadata.httpStatusCode, 200);
      const after = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ENI2] }));
      assert.equal(after.NetworkInterfaces?.[0]?.SourceDestCheck, true);
      await ec2.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: ENI2,
          SourceDestCheck: { Value: false },
        }),
      );
      assert.equal(
        (
          await sdkFailure(
            ec2.send(
              new ModifyNetworkInterfaceAttributeCommand({
                NetworkInterfaceId: "eni-0nope",
                SourceDestCheck: { Value: false },
              }),
            ),
          )
        ).code,
        "InvalidNetworkInterfaceID.NotFound",
      );
    });

    it("DescribeInstances returns reservations with instances and their ENIs", async () => {
      const byId = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [I1] }));
      const instance = byId.Reservations?.[0]?.Instances?.[0];
      assert.equal(instance?.InstanceId, I1);
      assert.equal(instance?.State?.Name, "running");
      assert.equal(instance?.PrivateIpAddress, "198.18.0.11");
      assert.equal(instance?.VpcId, VPC);
      assert.deepEqual(
        instance?.NetworkInterfaces?.map((e) => e.NetworkInterfaceId),
        [ENI1],
      );
      const byVpc = await ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: "vpc-id", Values: [VPC] }] }),
      );
      assert.equal(byVpc.Reservations?.length, 2);
      assert.equal(
        (await sdkFailure(ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0nope"] })))).code,
        "InvalidInstanceID.NotFound",
      );
    });

    it("DescribeSubnets lists and filters subnets", async () => {
      const all = await ec2.send(new DescribeSubnetsCommand({}));
      assert.equal(all.Subnets?.length, 8, "routers subnet + 6 table subnets + the other VPC's");
      const other = await ec2.send(
        new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [OTHER_VPC] }] }),
      );
      assert.deepEqual(
        other.Subnets?.map((s) => [s.SubnetId, s.CidrBlock, s.State]),
        [["subnet-0other", "10.99.1.0/24", "available"]],
      );
    });

    it("an action the emulator does not know is InvalidAction (400)", async () => {
      assert.deepEqual(await sdkFailure(ec2.send(new DescribeVpcsCommand({}))), {
        code: "InvalidAction",
        status: 400,
        fault: "client",
      });
    });
  });

  describe("call log, faults, throttling", () => {
    it("logs every call with time, action, access key id, params, status and error code", async () => {
      const mark = emulator.logCursor();
      const alice = emulatorClient(emulator.url, "AKIDALICE");
      const bob = emulatorClient(emulator.url, "AKIDBOB");
      try {
        await alice.send(new DescribeRouteTablesCommand({ RouteTableIds: [MAIN] }));
        await sdkFailure(
          bob.send(new DeleteRouteCommand({ RouteTableId: MAIN, DestinationCidrBlock: "10.250.0.0/24" })),
        );
      } finally {
        alice.destroy();
        bob.destroy();
      }
      const entries = emulator.log(mark);
      assert.equal(entries.length, 2);
      const [describeCall, deleteCall] = entries;
      assert.equal(describeCall?.action, "DescribeRouteTables");
      assert.equal(describeCall?.accessKeyId, "AKIDALICE");
      assert.equal(describeCall?.status, 200);
      assert.equal(describeCall?.errorCode, undefined);
      assert.equal(describeCall?.params["RouteTableId.1"], MAIN);
      assert.equal(describeCall?.params.Version, "2016-11-15");
      assert.ok(!Number.isNaN(Date.parse(describeCall?.time ?? "")), "time is ISO 8601");
      assert.equal(deleteCall?.action, "DeleteRoute");
      assert.equal(deleteCall?.accessKeyId, "AKIDBOB");
      assert.equal(deleteCall?.status, 400);
      assert.equal(deleteCall?.errorCode, "InvalidRoute.NotFound");
      assert.equal(deleteCall?.params.DestinationCidrBlock, "10.250.0.0/24");
    });

    it("throttles the next N calls of an action with RequestLimitExceeded (503), then recovers", async () => {
      emulator.throttleNext(2, "DescribeSubnets");
      const mark = emulator.logCursor();
      for (let i = 0; i < 2; i++) {
        assert.deepEqual(await sdkFailure(ec2.send(new DescribeSubnetsCommand({}))), {
          code: "RequestLimitExceeded",
          status: 503,
          fault: "server",
        });
      }
      const routeTables = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [MAIN] }));
      assert.equal(routeTables.RouteTables?.length, 1, "other actions are not throttled");
      const subnets = await ec2.send(new DescribeSubnetsCommand({}));
      assert.ok((subnets.Subnets?.length ?? 0) > 0);
      assert.deepEqual(
        emulator.log(mark).map((e) => [e.action, e.status, e.errorCode]),
        [
          ["DescribeSubnets", 503, "RequestLimitExceeded"],
          ["DescribeSubnets", 503, "RequestLimitExceeded"],
          ["DescribeRouteTables", 200, undefined],
          ["DescribeSubnets", 200, undefined],
        ],
      );
    });

    it("throttles all actions when no action is named", async () => {
      emulator.throttleNext(1);
      assert.equal(
        (await sdkFailure(ec2.send(new DescribeInstancesCommand({})))).code,
        "RequestLimitExceeded",
      );
      await ec2.send(new DescribeInstancesCommand({}));
    });

    it("injects errors with a chosen status and code", async () => {
      emulator.injectFault({ action: "CreateRoute", count: 1, status: 500, code: "InternalError" });
      assert.deepEqual(
        await sdkFailure(
          ec2.send(
            new CreateRouteCommand({
              RouteTableId: MAIN,
              DestinationCidrBlock: "10.11.0.0/24",
              NetworkInterfaceId: ENI1,
            }),
          ),
        ),
        { code: "InternalError", status: 500, fault: "server" },
      );
      assert.equal(emulator.route(MAIN, "10.11.0.0/24"), undefined, "an injected error changes nothing");
      await ec2.send(
        new CreateRouteCommand({
          RouteTableId: MAIN,
          DestinationCidrBlock: "10.11.0.0/24",
          NetworkInterfaceId: ENI1,
        }),
      );
      assert.equal(emulator.route(MAIN, "10.11.0.0/24")?.networkInterfaceId, ENI1);
    });

    it("adds latency per action", async () => {
      emulator.setFaults({ latencyMs: { DescribeSubnets: 150 } });
      const started = performance.now();
      await ec2.send(new DescribeSubnetsCommand({}));
      assert.ok(performance.now() - started >= 145, "the call took at least the injected latency");
      const mark = emulator.logCursor();
      await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [MAIN] }));
      assert.ok((emulator.log(mark)[0]?.durationMs ?? 1000) < 145, "other actions are not delayed");
    });

    it("token-bucket throttling: the mutating bucket empties while reads still pass", async () => {
      const throttled = await startEc2Emulator({
        world: demoWorld({ routers: [{ ip: "198.18.0.31" }] }),
        throttle: {
          mutating: { burst: 2, refillPerSecond: 0.001 },
          nonMutating: { burst: 100, refillPerSecond: 20 },
        },
      });
      const c = emulatorClient(throttled.url);
      try {
        for (const cidr of ["10.12.0.0/24", "10.13.0.0/24"]) {
          await c.send(
            new CreateRouteCommand({
              RouteTableId: MAIN,
              DestinationCidrBlock: cidr,
              NetworkInterfaceId: ENI1,
            }),
          );
        }
        assert.deepEqual(
          await sdkFailure(
            c.send(
              new CreateRouteCommand({
                RouteTableId: MAIN,
                DestinationCidrBlock: "10.14.0.0/24",
                NetworkInterfaceId: ENI1,
              }),
            ),
          ),
          { code: "RequestLimitExceeded", status: 503, fault: "server" },
        );
        const read = await c.send(new DescribeRouteTablesCommand({}));
        assert.equal(read.RouteTables?.length, 1);
      } finally {
        c.destroy();
        await throttled.close();
      }
    });

    it("rejects unsigned requests with AuthFailure (401)", async () => {
      const response = await fetch(emulator.url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "Action=DescribeSubnets&Version=2016-11-15",
      });
      assert.equal(response.status, 401);
      assert.match(await response.text(), /<Code>AuthFailure<\/Code>/);
    });
  });

  describe("configuration and control", () => {
    it("the SDK finds the emulator through AWS_ENDPOINT_URL_EC2", async () => {
      const saved = process.env.AWS_ENDPOINT_URL_EC2;
      process.env.AWS_ENDPOINT_URL_EC2 = emulator.url;
      const envClient = new EC2Client({
        region: "us-east-1",
        credentials: { accessKeyId: "AKIDFROMENV", secretAccessKey: "x" },
        maxAttempts: 1,
      });
      try {
        const mark = emulator.logCursor();
        const reply = await envClient.send(new DescribeRouteTablesCommand({ RouteTableIds: [MAIN] }));
        assert.equal(reply.RouteTables?.[0]?.RouteTableId, MAIN);
        assert.equal(emulator.log(mark)[0]?.accessKeyId, "AKIDFROMENV");
      } finally {
        envClient.destroy();
        if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_EC2;
        else process.env.AWS_ENDPOINT_URL_EC2 = saved;
      }
    });

    it("the control endpoint reads tables and the log, edits the world, sets faults, resets the log", async () => {
      const control = (path: string, body?: unknown) =>
        fetch(`${emulator.url}/_control/${path}`, {
          method: body === undefined ? "GET" : "POST",
          ...(body === undefined
            ? {}
            : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
        });
      const put = await control("world", {
        op: "put-route",
        routeTableId: RTB1,
        route: { destinationCidrBlock: "10.20.0.0/24", networkInterfaceId: ENI2 },
      });
      assert.equal(put.status, 200);
      const tables = (await (await control("route-tables")).json()) as Array<{
        routeTableId: string;
        routes: Array<{ destinationCidrBlock: string; networkInterfaceId?: string }>;
      }>;
      const route = tables
        .find((t) => t.routeTableId === RTB1)
        ?.routes.find((r) => r.destinationCidrBlock === "10.20.0.0/24");
      assert.equal(route?.networkInterfaceId, ENI2);

      const faults = await control("faults", {
        inject: [{ action: "DescribeSubnets", count: 1, status: 503, code: "RequestLimitExceeded" }],
      });
      assert.equal(faults.status, 200);
      const mark = emulator.logCursor();
      assert.equal((await sdkFailure(ec2.send(new DescribeSubnetsCommand({})))).code, "RequestLimitExceeded");
      const log = (await (await control(`log?since=${mark}`)).json()) as {
        cursor: number;
        entries: Array<{ action: string; status: number; index: number }>;
      };
      assert.deepEqual(
        log.entries.map((e) => [e.index, e.action, e.status]),
        [[mark, "DescribeSubnets", 503]],
      );
      assert.equal((await control("reset-log", {})).status, 200);
      assert.deepEqual(emulator.log(), []);
      const bad = await control("world", { op: "delete-network-interface", networkInterfaceId: "eni-0nope" });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { error: string }).error, /eni-0nope/);
    });

    it("honours a consistency delay: writes show in Describe only after it", async () => {
      let now = 1_000_000;
      const world = createWorld(demoWorld({ routers: [{ ip: "198.18.0.41" }] }), {
        consistencyDelayMs: 500,
        now: () => now,
      });
      const delayed = await startEc2Emulator({ world });
      const c = emulatorClient(delayed.url);
      try {
        await c.send(
          new CreateRouteCommand({
            RouteTableId: MAIN,
            DestinationCidrBlock: "10.30.0.0/24",
            NetworkInterfaceId: ENI1,
          }),
        );
        const cidrs = async () =>
          ((await c.send(new DescribeRouteTablesCommand({}))).RouteTables?.[0]?.Routes ?? []).map(
            (r) => r.DestinationCidrBlock,
          );
        assert.ok(!(await cidrs()).includes("10.30.0.0/24"), "not yet visible");
        assert.equal(
          (
            await sdkFailure(
              c.send(
                new CreateRouteCommand({
                  RouteTableId: MAIN,
                  DestinationCidrBlock: "10.30.0.0/24",
                  NetworkInterfaceId: ENI1,
                }),
              ),
            )
          ).code,
          "RouteAlreadyExists",
          "writes see the latest state",
        );
        now += 500;
        assert.ok((await cidrs()).includes("10.30.0.0/24"), "visible after the delay");
      } finally {
        c.destroy();
        await delayed.close();
      }
    });

    it("the standalone runner prints its URL, serves the demo world and stops on SIGTERM", async () => {
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          "test/support/ec2-emulator/main.ts",
          "--demo-world",
          "--route-tables",
          "3",
          "--router",
          "198.18.0.51=i-0runner:eni-0runner",
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      try {
        const lines = createInterface({ input: child.stdout });
        const [line] = (await once(lines, "line")) as [string];
        const { url } = JSON.parse(line) as { url: string };
        assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
        const c = emulatorClient(url);
        try {
          const tables = await c.send(new DescribeRouteTablesCommand({}));
          assert.equal(tables.RouteTables?.length, 3);
          const enis = await c.send(
            new DescribeNetworkInterfacesCommand({
              Filters: [{ Name: "addresses.private-ip-address", Values: ["198.18.0.51"] }],
            }),
          );
          assert.equal(enis.NetworkInterfaces?.[0]?.NetworkInterfaceId, "eni-0runner");
          assert.equal(enis.NetworkInterfaces?.[0]?.Attachment?.InstanceId, "i-0runner");
        } finally {
          c.destroy();
        }
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        const [code] = (await exited) as [number | null];
        assert.equal(code, 0);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
    });
  });
});
