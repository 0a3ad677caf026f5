/**
 * The daemon's EC2-backed VPC port: endpoint and credentials from the SDK's default chain
 * (AWS_ENDPOINT_URL_EC2, AWS_ACCESS_KEY_ID), and a stale router ENI looked up again after EC2
 * says it no longer exists.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { failureOf } from "../../src/domain/outcome.js";
import { createEc2VpcPort, type Ec2VpcPort } from "../../src/vpc/ec2-vpc-port.js";
import { emulatorAwsSettings } from "../support/aws-settings.js";
import {
  demoRouteTableId,
  demoWorld,
  type Ec2Emulator,
  startEc2Emulator,
} from "../support/ec2-emulator/index.js";

const VPC = "vpc-0port";
const ENV_KEYS = ["AWS_ENDPOINT_URL_EC2", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;

describe("EC2 VPC port", () => {
  let emulator: Ec2Emulator;
  let port: Ec2VpcPort;
  const savedEnv = new Map<string, string | undefined>();

  before(async () => {
    emulator = await startEc2Emulator({
      world: demoWorld({
        vpcId: VPC,
        routeTableCount: 2,
        routers: [{ ip: "198.18.3.10" }, { ip: "198.18.3.20" }],
      }),
    });
    for (const key of ENV_KEYS) savedEnv.set(key, process.env[key]);
    process.env.AWS_ENDPOINT_URL_EC2 = emulator.url;
    process.env.AWS_ACCESS_KEY_ID = "AKIDPORTFROMENV";
    process.env.AWS_SECRET_ACCESS_KEY = "not-a-secret";
    const aws = emulatorAwsSettings(VPC);
    port = createEc2VpcPort(aws, pino({ level: "silent" }));
  });
  after(async () => {
    port?.close();
    for (const [key, value] of savedEnv) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await emulator?.close();
  });

  it("reads route tables through the endpoint and credentials of the default chain", async () => {
    const mark = emulator.logCursor();
    const tables = await port.readRouteTables(new Map());
    assert.deepEqual(
      tables.map((t) => t.routeTableId),
      [demoRouteTableId(0), demoRouteTableId(1)],
    );
    assert.deepEqual(
      emulator.log(mark).map((e) => [e.action, e.accessKeyId]),
      [["DescribeRouteTables", "AKIDPORTFROMENV"]],
    );
    assert.deepEqual(port.breakerStates(), { DescribeRouteTables: "closed" });
  });

  it("warns once when the VPC has no route table (a wrong region or VPC id would otherwise be silent)", async () => {
    const lines: { msg: string; vpcId?: string }[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const empty = createEc2VpcPort(emulatorAwsSettings("vpc-0000dead"), logger);
    try {
      assert.deepEqual(await empty.readRouteTables(new Map()), []);
      assert.deepEqual(await empty.readRouteTables(new Map()), []);
    } finally {
      empty.close();
    }
    const warnings = lines.filter((line) => line.msg.startsWith("no route table found"));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.vpcId, "vpc-0000dead");
    assert.equal((await port.readRouteTables(new Map())).length, 2, "the real VPC is not affected");
  });

  it("forgets a router's cached ENI when EC2 says it does not exist", async () => {
    const ip = "198.18.3.10";
    const first = await port.resolveRouters([ip]);
    const staleEni = first.get(ip)?.networkInterfaceId;
    assert.equal(staleEni, "eni-00000000000000001");
    // The router's instance is replaced: same IP, new ENI.
    emulator.mutate([
      { op: "delete-network-interface", networkInterfaceId: staleEni },
      {
        op: "add-network-interface",
        networkInterface: {
          networkInterfaceId: "eni-0replacement",
          subnetId: "subnet-0routers",
          privateIpAddresses: [{ privateIpAddress: ip }],
          sourceDestCheck: false,
        },
      },
    ]);
    assert.equal((await port.resolveRouters([ip])).get(ip)?.networkInterfaceId, staleEni, "still cached");
    const outcome = await port.apply(
      [
        {
          kind: "create",
          routeTableId: demoRouteTableId(0),
          destinationCidrBlock: "10.70.0.0/24",
          routerIp: ip,
          networkInterfaceId: staleEni,
          failover: true,
          reason: "test",
        },
      ],
      { mayMutate: () => true },
    );
    assert.equal(failureOf(outcome.results[0])?.code, "InvalidNetworkInterfaceID.NotFound");
    assert.equal((await port.resolveRouters([ip])).get(ip)?.networkInterfaceId, "eni-0replacement");
  });
});
