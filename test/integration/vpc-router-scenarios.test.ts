/**
 * vpc-router 1.8's route-table scenarios (vpcrouter/tests/test_vpc.py, which ran them on moto),
 * through our real EC2 port and the AWS SDK against the EC2 emulator: each step resolves the spec's
 * routers, reads the route tables, plans (planReconcile, with the failed and questionable sets given
 * directly: no etcd, no probes), applies, and checks the tables as read back from the emulator.
 * The same steps run against the pure planner in test/unit/vpc-router-scenarios.test.ts.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { pino } from "pino";
import { createEc2VpcPort, type Ec2VpcPort } from "../../src/vpc/ec2-vpc-port.js";
import { emulatorAwsSettings } from "../support/aws-settings.js";
import { demoRouteTableId, type Ec2Emulator, startEc2Emulator } from "../support/ec2-emulator/index.js";
import {
  type HandEdit,
  ROUTER_IPS,
  runScenario,
  SCENARIOS,
  type Scenario,
  type ScenarioVpc,
  scenarioWorld,
} from "../support/vpc-router-scenarios.js";

const AWS = emulatorAwsSettings("vpc-0scenario");

/** A scenario's VPC: a fresh emulator world, reached only through the daemon's EC2 port. */
async function emulatedVpc(scenario: Scenario): Promise<ScenarioVpc & { close(): Promise<void> }> {
  const world = scenarioWorld(scenario.tables);
  const emulator: Ec2Emulator = await startEc2Emulator({ world });
  const port: Ec2VpcPort = createEc2VpcPort(AWS, pino({ level: "silent" }), {
    endpoint: emulator.url,
    credentials: { accessKeyId: "AKIDSCENARIOS", secretAccessKey: "not-a-secret" },
    routerCacheTtlMs: 0,
  });
  const eniOf = (ip: string) =>
    world.networkInterfaces?.find((eni) => eni.privateIpAddresses.some((a) => a.privateIpAddress === ip));
  return {
    async edit(edit: HandEdit) {
      if ("stop" in edit) {
        const instanceId = eniOf(ROUTER_IPS[edit.stop])?.attachment?.instanceId;
        assert.ok(instanceId, `no instance for ${edit.stop}`);
        emulator.mutate({ op: "set-instance-state", instanceId, state: "stopped" });
        return;
      }
      const networkInterfaceId = eniOf(ROUTER_IPS[edit.router])?.networkInterfaceId;
      assert.ok(networkInterfaceId, `no ENI for ${edit.router}`);
      emulator.mutate({
        op: "put-route",
        routeTableId: demoRouteTableId(edit.table),
        route: { destinationCidrBlock: edit.cidr, networkInterfaceId },
      });
    },
    resolveRouters: (ips) => port.resolveRouters(ips),
    readRouteTables: (routers) => port.readRouteTables(routers),
    async apply(actions) {
      const outcome = await port.apply(actions, { mayMutate: () => true });
      assert.equal(outcome.stoppedByFence, false);
      const failures = outcome.results.filter((result) => !result.ok);
      assert.deepEqual(failures, [], "every EC2 change succeeded");
      assert.equal(outcome.results.length, actions.length);
    },
    async close() {
      port.close();
      await emulator.close();
    },
  };
}

describe("vpc-router 1.8 route-table scenarios, through the EC2 port and the emulator (test_vpc.py)", () => {
  const open: { close(): Promise<void> }[] = [];
  after(async () => {
    await Promise.all(open.map((vpc) => vpc.close()));
  });

  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const vpc = await emulatedVpc(scenario);
      open.push(vpc);
      await runScenario(scenario, vpc);
    });
  }
});
