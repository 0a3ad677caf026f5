/**
 * vpc-router 1.8's route-table scenarios (vpcrouter/tests/test_vpc.py), run against the pure planner
 * and an in-memory VPC built from the same world as the EC2 emulator's
 * (test/integration/vpc-router-scenarios.test.ts runs the same steps through the real EC2 port).
 * The scenarios, each step commented with its origin, are in test/support/vpc-router-scenarios.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RouteAction } from "../../src/domain/route-action.js";
import type { Route, RouterEni, RouteTable, RouteTarget } from "../../src/domain/route-table.js";
import { parseSpec } from "../../src/route-spec/parse.js";
import { demoRouteTableId } from "../support/ec2-emulator/index.js";
import type { RouteEntrySpec } from "../support/ec2-emulator/world-spec.js";
import {
  type HandEdit,
  ROUTER_IPS,
  runScenario,
  SCENARIOS,
  type ScenarioVpc,
  scenarioWorld,
} from "../support/vpc-router-scenarios.js";

/** A route as stored: its target, before the blackhole state is worked out on read. */
type StoredTarget = Exclude<RouteTarget, { kind: "instance" }>;

/** The scenario world in memory: EC2's route semantics, errors as exceptions. */
class InMemoryVpc implements ScenarioVpc {
  private readonly enis: { id: string; instanceId?: string; ips: string[] }[];
  private readonly tables: Map<string, Map<string, StoredTarget>>;
  private readonly stopped = new Set<string>();

  constructor(tables: number) {
    const world = scenarioWorld(tables);
    this.enis = (world.networkInterfaces ?? []).map((eni) => ({
      id: eni.networkInterfaceId,
      instanceId: eni.attachment?.instanceId,
      ips: eni.privateIpAddresses.map((ip) => ip.privateIpAddress),
    }));
    this.tables = new Map(
      (world.routeTables ?? []).map((table) => [
        table.routeTableId,
        new Map((table.routes ?? []).map((route) => [route.destinationCidrBlock, storedTarget(route)])),
      ]),
    );
  }

  async edit(edit: HandEdit): Promise<void> {
    if ("stop" in edit) {
      const instanceId = this.eniOf(ROUTER_IPS[edit.stop])?.instanceId;
      assert.ok(instanceId, `no instance for ${edit.stop}`);
      this.stopped.add(instanceId);
      return;
    }
    const eni = this.eniOf(ROUTER_IPS[edit.router]);
    assert.ok(eni, `no ENI for ${edit.router}`);
    this.table(demoRouteTableId(edit.table)).set(edit.cidr, {
      kind: "eni",
      networkInterfaceId: eni.id,
    });
  }

  async resolveRouters(ips: readonly string[]): Promise<ReadonlyMap<string, RouterEni>> {
    const resolved = new Map<string, RouterEni>();
    for (const ip of ips) {
      const eni = this.eniOf(ip);
      if (eni) resolved.set(ip, { ip, networkInterfaceId: eni.id, instanceId: eni.instanceId });
    }
    return resolved;
  }

  async readRouteTables(): Promise<RouteTable[]> {
    return [...this.tables].map(([routeTableId, routes], index) => ({
      routeTableId,
      vpcId: "vpc-0scenario",
      main: index === 0,
      subnetIds: [],
      routes: [...routes].map(([destinationCidrBlock, target]): Route => {
        const instanceId =
          target.kind === "eni"
            ? this.enis.find((e) => e.id === target.networkInterfaceId)?.instanceId
            : undefined;
        const stopped = instanceId !== undefined && this.stopped.has(instanceId);
        return { destinationCidrBlock, target, state: stopped ? "blackhole" : "active" };
      }),
    }));
  }

  /** Like EC2: create of an existing destination, replace or delete of a missing one, fail. */
  async apply(actions: readonly RouteAction[]): Promise<void> {
    for (const action of actions) {
      const routes = this.table(action.routeTableId);
      const exists = routes.has(action.destinationCidrBlock);
      const where = `${action.kind} ${action.routeTableId} ${action.destinationCidrBlock}`;
      if (action.kind === "delete") {
        assert.ok(exists, `${where}: InvalidRoute.NotFound`);
        routes.delete(action.destinationCidrBlock);
        continue;
      }
      assert.equal(exists, action.kind === "replace", `${where}: RouteAlreadyExists / InvalidParameterValue`);
      routes.set(action.destinationCidrBlock, { kind: "eni", networkInterfaceId: action.networkInterfaceId });
    }
  }

  private eniOf(ip: string) {
    return this.enis.find((eni) => eni.ips.includes(ip));
  }

  private table(id: string): Map<string, StoredTarget> {
    const table = this.tables.get(id);
    assert.ok(table, `no route table ${id}`);
    return table;
  }
}

function storedTarget(route: RouteEntrySpec): StoredTarget {
  if (route.networkInterfaceId) return { kind: "eni", networkInterfaceId: route.networkInterfaceId };
  if (route.gatewayId === "local") return { kind: "local" };
  if (route.gatewayId) return { kind: "gateway", id: route.gatewayId };
  return { kind: "other", id: "unexpected" };
}

describe("vpc-router 1.8 route-table scenarios, pure planner (test_vpc.py)", () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      await runScenario(scenario, new InMemoryVpc(scenario.tables));
    });
  }

  it("the scenarios exercise every step they list", () => {
    const steps = SCENARIOS.flatMap((scenario) => scenario.steps);
    assert.ok(steps.length >= 25, `only ${steps.length} steps`);
    assert.ok(steps.every((step) => step.origin.length > 0 && step.does.length > 0));
  });

  it('an empty host list is rejected with the whole spec, where vpc-router deletes the route (test_update_existing_routes, route_spec {"10.0.0.0/16": []})', () => {
    // Deliberate difference: an empty list is far more likely a mistake than a wish to delete;
    // removing the CIDR from the spec deletes the route (if managed) instead.
    const result = parseSpec('{"10.0.0.0/16": []}', { maxRoutes: 10 });
    assert.equal(result.ok, false);
  });
});
