/** Mapping SDK route tables to the model: targets, main flag, subnets, IPv4 only, blackhole. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toRouteTable, toRouteTarget } from "../../src/vpc/route-table-mapping.js";

describe("toRouteTarget", () => {
  it("maps each target kind", () => {
    assert.deepEqual(toRouteTarget({ GatewayId: "local" }), { kind: "local" });
    assert.deepEqual(toRouteTarget({ GatewayId: "igw-1" }), { kind: "gateway", id: "igw-1" });
    assert.deepEqual(toRouteTarget({ NetworkInterfaceId: "eni-1", InstanceId: "i-1" }), {
      kind: "eni",
      networkInterfaceId: "eni-1",
      instanceId: "i-1",
    });
    assert.deepEqual(toRouteTarget({ NetworkInterfaceId: "eni-2" }), {
      kind: "eni",
      networkInterfaceId: "eni-2",
    });
    assert.deepEqual(toRouteTarget({ InstanceId: "i-3" }), { kind: "instance", instanceId: "i-3" });
    assert.deepEqual(toRouteTarget({ NatGatewayId: "nat-1" }), { kind: "other", id: "nat-1" });
    assert.deepEqual(toRouteTarget({ TransitGatewayId: "tgw-1" }), { kind: "other", id: "tgw-1" });
    assert.deepEqual(toRouteTarget({ VpcPeeringConnectionId: "pcx-1" }), { kind: "other", id: "pcx-1" });
  });
});

describe("toRouteTable", () => {
  it("derives main and subnets from associations and keeps IPv4 routes only", () => {
    const table = toRouteTable(
      {
        RouteTableId: "rtb-1",
        VpcId: "vpc-1",
        Associations: [
          { Main: true },
          { Main: false, SubnetId: "subnet-1" },
          { Main: false, SubnetId: "subnet-2" },
        ],
        Routes: [
          { DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", State: "active" },
          { DestinationIpv6CidrBlock: "::/0", GatewayId: "igw-1", State: "active" },
          { DestinationPrefixListId: "pl-1", GatewayId: "vgw-1", State: "active" },
          { DestinationCidrBlock: "10.55.0.0/24", NetworkInterfaceId: "eni-gone", State: "blackhole" },
        ],
      },
      "vpc-fallback",
    );
    assert.deepEqual(table, {
      routeTableId: "rtb-1",
      vpcId: "vpc-1",
      main: true,
      subnetIds: ["subnet-1", "subnet-2"],
      routes: [
        { destinationCidrBlock: "10.0.0.0/16", target: { kind: "local" }, state: "active" },
        {
          destinationCidrBlock: "10.55.0.0/24",
          target: { kind: "eni", networkInterfaceId: "eni-gone" },
          state: "blackhole",
        },
      ],
    });
  });

  it("is not main without a main association, and tolerates missing lists", () => {
    assert.deepEqual(toRouteTable({ RouteTableId: "rtb-2" }, "vpc-9"), {
      routeTableId: "rtb-2",
      vpcId: "vpc-9",
      main: false,
      subnetIds: [],
      routes: [],
    });
  });
});
