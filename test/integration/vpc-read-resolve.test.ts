/**
 * Reading route tables and resolving router IPs through the real SDK against the EC2 emulator:
 * pagination, target mapping, blackholes, primary/secondary IPs and the resolver's cache.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { createEc2Client } from "../../src/vpc/ec2-client.js";
import { createEc2Policy, type Ec2PolicyOptions } from "../../src/vpc/ec2-policy.js";
import { readRouteTables } from "../../src/vpc/route-table-reader.js";
import { RouterResolver } from "../../src/vpc/router-resolver.js";
import {
  demoRouteTableId,
  demoWorld,
  type Ec2Emulator,
  startEc2Emulator,
  withForeignVpc,
} from "../support/ec2-emulator/index.js";

const VPC = "vpc-0read";
const POLICY: Ec2PolicyOptions = {
  callTimeoutMs: 2_000,
  maxRetries: 2,
  initialBackoffMs: 1,
  maxBackoffMs: 5,
  breakerThreshold: 5,
  breakerHalfOpenAfterMs: 60_000,
};

describe("route-table reader and router resolver against the emulator", () => {
  let emulator: Ec2Emulator;
  const clients: EC2Client[] = [];
  const clientFor = (accessKeyId: string) => {
    const client = createEc2Client({
      region: "us-east-1",
      endpoint: emulator.url,
      credentials: { accessKeyId, secretAccessKey: "not-a-secret" },
    });
    clients.push(client);
    return client;
  };
  const callsBy = (accessKeyId: string) =>
    emulator.log().filter((entry) => entry.accessKeyId === accessKeyId);

  before(async () => {
    const demo = demoWorld({
      vpcId: VPC,
      routeTableCount: 7,
      routers: [
        { ip: "198.18.1.10", secondaryIps: ["198.18.1.110"] },
        { ip: "198.18.1.20" },
        { ip: "198.18.1.30" },
      ],
    });
    emulator = await startEc2Emulator({
      world: {
        ...withForeignVpc(demo),
        routeTables: [
          ...(demo.routeTables ?? []),
          { routeTableId: "rtb-0elsewhere", vpcId: "vpc-0elsewhere", main: true },
        ],
      },
    });
    const main = demoRouteTableId(0);
    emulator.mutate([
      {
        op: "put-route",
        routeTableId: main,
        route: { destinationCidrBlock: "10.55.1.0/24", networkInterfaceId: "eni-00000000000000001" },
      },
      {
        op: "put-route",
        routeTableId: main,
        route: { destinationCidrBlock: "10.55.2.0/24", instanceId: "i-00000000000000002" },
      },
      {
        op: "put-route",
        routeTableId: main,
        route: { destinationCidrBlock: "10.55.3.0/24", natGatewayId: "nat-0abc" },
      },
      {
        op: "put-route",
        routeTableId: main,
        route: { destinationCidrBlock: "10.55.4.0/24", networkInterfaceId: "eni-00000000000000003" },
      },
      { op: "delete-network-interface", networkInterfaceId: "eni-00000000000000003" },
    ]);
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await emulator?.close();
  });

  it("reads every table of the VPC over several pages and maps targets", async () => {
    const tables = await readRouteTables(clientFor("AKIDREADER"), createEc2Policy(POLICY), VPC, {
      pageSize: 5,
    });
    assert.deepEqual(
      tables.map((t) => t.routeTableId).sort(),
      Array.from({ length: 7 }, (_, i) => demoRouteTableId(i)),
      "all 7 tables, none of the other VPC",
    );
    const calls = callsBy("AKIDREADER");
    assert.equal(calls.length, 2, "two pages");
    assert.equal(calls[0]?.params.MaxResults, "5");
    assert.equal(calls[0]?.params["Filter.1.Name"], "vpc-id");
    assert.equal(calls[0]?.params["Filter.1.Value.1"], VPC);
    assert.ok(calls[1]?.params.NextToken, "the second page passes the NextToken");

    const main = tables.find((t) => t.routeTableId === demoRouteTableId(0));
    assert.equal(main?.main, true);
    assert.deepEqual(main?.subnetIds, []);
    assert.deepEqual(main?.routes, [
      { destinationCidrBlock: "198.18.0.0/15", target: { kind: "local" }, state: "active" },
      { destinationCidrBlock: "0.0.0.0/0", target: { kind: "gateway", id: "igw-0demo" }, state: "active" },
      {
        destinationCidrBlock: "10.55.1.0/24",
        target: {
          kind: "eni",
          networkInterfaceId: "eni-00000000000000001",
          instanceId: "i-00000000000000001",
        },
        state: "active",
      },
      {
        destinationCidrBlock: "10.55.2.0/24",
        target: {
          kind: "eni",
          networkInterfaceId: "eni-00000000000000002",
          instanceId: "i-00000000000000002",
        },
        state: "active",
      },
      { destinationCidrBlock: "10.55.3.0/24", target: { kind: "other", id: "nat-0abc" }, state: "active" },
      {
        destinationCidrBlock: "10.55.4.0/24",
        target: { kind: "eni", networkInterfaceId: "eni-00000000000000003" },
        state: "blackhole",
      },
    ]);
    const second = tables.find((t) => t.routeTableId === demoRouteTableId(1));
    assert.equal(second?.main, false);
    assert.deepEqual(second?.subnetIds, ["subnet-00000000000000001"]);
  });

  it("propagates a failed page as an error (nothing partial)", async () => {
    emulator.injectFault({
      action: "DescribeRouteTables",
      count: 1,
      status: 400,
      code: "UnauthorizedOperation",
    });
    await assert.rejects(
      readRouteTables(clientFor("AKIDREADFAIL"), createEc2Policy(POLICY), VPC, { pageSize: 5 }),
      { name: "UnauthorizedOperation" },
    );
  });

  it("resolves primary and secondary IPs, leaves unknown and other-VPC IPs out, and caches", async () => {
    const resolver = new RouterResolver(clientFor("AKIDRESOLVER"), createEc2Policy(POLICY), VPC);
    const wanted = ["198.18.1.10", "198.18.1.110", "198.18.1.20", "198.18.9.9", "10.77.0.9"];
    const first = await resolver.resolve(wanted);
    assert.deepEqual(Object.fromEntries(first), {
      "198.18.1.10": {
        ip: "198.18.1.10",
        networkInterfaceId: "eni-00000000000000001",
        instanceId: "i-00000000000000001",
        subnetId: "subnet-0routers",
        sourceDestCheck: false,
      },
      "198.18.1.110": {
        ip: "198.18.1.110",
        networkInterfaceId: "eni-00000000000000001",
        instanceId: "i-00000000000000001",
        subnetId: "subnet-0routers",
        sourceDestCheck: false,
      },
      "198.18.1.20": {
        ip: "198.18.1.20",
        networkInterfaceId: "eni-00000000000000002",
        instanceId: "i-00000000000000002",
        subnetId: "subnet-0routers",
        sourceDestCheck: false,
      },
    });
    const calls = callsBy("AKIDRESOLVER");
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.action, "DescribeNetworkInterfaces");
    assert.equal(calls[0]?.params["Filter.1.Name"], "addresses.private-ip-address");
    assert.equal(calls[0]?.params["Filter.2.Name"], "vpc-id");

    const again = await resolver.resolve(["198.18.1.10", "198.18.1.110", "198.18.1.20"]);
    assert.equal(again.size, 3);
    assert.equal(callsBy("AKIDRESOLVER").length, 1, "a second resolve of cached IPs makes no call");

    const withUnknown = await resolver.resolve(["198.18.1.10", "198.18.9.9"]);
    assert.equal(withUnknown.size, 1);
    const afterUnknown = callsBy("AKIDRESOLVER");
    assert.equal(afterUnknown.length, 2, "unresolved IPs are not cached");
    assert.equal(
      afterUnknown[1]?.params["Filter.1.Value.1"],
      "198.18.9.9",
      "only the uncached IP is looked up",
    );
    assert.equal(afterUnknown[1]?.params["Filter.1.Value.2"], undefined);
  });

  it("looks an IP up again after the cache TTL or an invalidation", async () => {
    let now = 0;
    const resolver = new RouterResolver(clientFor("AKIDTTL"), createEc2Policy(POLICY), VPC, {
      cacheTtlMs: 1_000,
      now: () => now,
    });
    assert.equal((await resolver.resolve(["198.18.1.20"])).size, 1);
    now = 999;
    await resolver.resolve(["198.18.1.20"]);
    assert.equal(callsBy("AKIDTTL").length, 1);
    now = 1_000;
    await resolver.resolve(["198.18.1.20"]);
    assert.equal(callsBy("AKIDTTL").length, 2, "expired after the TTL");
    resolver.invalidate("198.18.1.20");
    await resolver.resolve(["198.18.1.20"]);
    assert.equal(callsBy("AKIDTTL").length, 3, "looked up again after invalidate");
  });

  it("forgets IPs that left the spec: an IP removed and added again is looked up afresh", async () => {
    const resolver = new RouterResolver(clientFor("AKIDFORGET"), createEc2Policy(POLICY), VPC);
    await resolver.resolve(["198.18.1.10", "198.18.1.20"]);
    await resolver.resolve(["198.18.1.10"]); // 198.18.1.20 left the spec
    assert.equal(callsBy("AKIDFORGET").length, 1);
    await resolver.resolve(["198.18.1.10", "198.18.1.20"]);
    const calls = callsBy("AKIDFORGET");
    assert.equal(calls.length, 2, "the IP that left was not kept");
    assert.equal(calls[1]?.params["Filter.1.Value.1"], "198.18.1.20");
  });

  it("ages its cache on the monotonic clock: a wall-clock step of an hour expires nothing", async (t) => {
    t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
    try {
      const resolver = new RouterResolver(clientFor("AKIDSTEP"), createEc2Policy(POLICY), VPC);
      await resolver.resolve(["198.18.1.10"]);
      t.mock.timers.setTime(Date.now() + 3_600_000); // NTP steps the clock an hour ahead
      await resolver.resolve(["198.18.1.10"]);
    } finally {
      t.mock.timers.reset();
    }
    assert.equal(callsBy("AKIDSTEP").length, 1, "still cached");
  });
});
