/**
 * Edits made to the world outside the EC2 API, as an operator (console) or a failure would make them:
 * delete an ENI, add/replace or remove a route by hand, add an ENI or instance, change an instance's
 * state or status checks, move a secondary IP to another ENI.
 */
import { isInstanceStateName, isStatusCheckStatus } from "./instance-states.js";
import type { World } from "./world.js";
import type {
  InstanceSpec,
  InstanceStateName,
  InstanceStatusChange,
  NetworkInterfaceSpec,
  RouteEntrySpec,
  StatusCheckStatus,
} from "./world-spec.js";

/** One edit. JSON-encodable (the control endpoint `POST /_control/world` accepts it or an array of them). */
export type WorldMutation =
  | { readonly op: "delete-network-interface"; readonly networkInterfaceId: string }
  | { readonly op: "add-network-interface"; readonly networkInterface: NetworkInterfaceSpec }
  | { readonly op: "put-route"; readonly routeTableId: string; readonly route: RouteEntrySpec }
  | { readonly op: "delete-route"; readonly routeTableId: string; readonly destinationCidrBlock: string }
  | { readonly op: "add-instance"; readonly instance: InstanceSpec }
  | { readonly op: "set-instance-state"; readonly instanceId: string; readonly state: InstanceStateName }
  | ({ readonly op: "set-instance-status"; readonly instanceId: string } & InstanceStatusChange)
  | {
      readonly op: "reassign-private-ip";
      readonly privateIpAddress: string;
      readonly networkInterfaceId: string;
    };

function field(value: object, name: string): unknown {
  return (value as Record<string, unknown>)[name];
}

function stringField(value: object, name: string): string {
  const found = field(value, name);
  if (typeof found !== "string" || found === "")
    throw new Error(`mutation: ${name} must be a non-empty string`);
  return found;
}

function objectField(value: object, name: string): object {
  const found = field(value, name);
  if (typeof found !== "object" || found === null) throw new Error(`mutation: ${name} must be an object`);
  return found;
}

/** An optional status check field: absent, or one of EC2's statuses. */
function optionalStatus(value: object, name: string): StatusCheckStatus | undefined {
  const found = field(value, name);
  if (found !== undefined && !isStatusCheckStatus(found)) {
    throw new Error(`mutation: unknown ${name} ${String(found)}`);
  }
  return found;
}

/** The optional `state`, `systemStatus` and `instanceStatus` of a `set-instance-status`; at least one. */
function parseStatusChange(value: object): InstanceStatusChange {
  const state = field(value, "state");
  if (state !== undefined && !isInstanceStateName(state)) {
    throw new Error(`mutation: unknown instance state ${String(state)}`);
  }
  const systemStatus = optionalStatus(value, "systemStatus");
  const instanceStatus = optionalStatus(value, "instanceStatus");
  if (state === undefined && systemStatus === undefined && instanceStatus === undefined) {
    throw new Error("mutation: set-instance-status needs state, systemStatus or instanceStatus");
  }
  return {
    ...(state !== undefined ? { state } : {}),
    ...(systemStatus !== undefined ? { systemStatus } : {}),
    ...(instanceStatus !== undefined ? { instanceStatus } : {}),
  };
}

/**
 * Checks that a JSON value is a {@link WorldMutation} (nested specs are checked by the world when applied).
 * @throws Error naming the first problem
 */
export function parseWorldMutation(value: unknown): WorldMutation {
  if (typeof value !== "object" || value === null) throw new Error("mutation: expected an object");
  const op = field(value, "op");
  switch (op) {
    case "delete-network-interface":
      return { op, networkInterfaceId: stringField(value, "networkInterfaceId") };
    case "add-network-interface":
      return { op, networkInterface: objectField(value, "networkInterface") as NetworkInterfaceSpec };
    case "put-route": {
      const route = objectField(value, "route");
      stringField(route, "destinationCidrBlock");
      return { op, routeTableId: stringField(value, "routeTableId"), route: route as RouteEntrySpec };
    }
    case "delete-route":
      return {
        op,
        routeTableId: stringField(value, "routeTableId"),
        destinationCidrBlock: stringField(value, "destinationCidrBlock"),
      };
    case "add-instance": {
      const instance = objectField(value, "instance");
      stringField(instance, "instanceId");
      return { op, instance: instance as InstanceSpec };
    }
    case "set-instance-state": {
      const state = stringField(value, "state");
      if (!isInstanceStateName(state)) throw new Error(`mutation: unknown instance state ${state}`);
      return { op, instanceId: stringField(value, "instanceId"), state };
    }
    case "set-instance-status":
      return { op, instanceId: stringField(value, "instanceId"), ...parseStatusChange(value) };
    case "reassign-private-ip":
      return {
        op,
        privateIpAddress: stringField(value, "privateIpAddress"),
        networkInterfaceId: stringField(value, "networkInterfaceId"),
      };
    default:
      throw new Error(`mutation: unknown op ${String(op)}`);
  }
}

/**
 * Applies one edit.
 * @throws Error or Ec2Error when the edit refers to something that does not exist or is inconsistent
 */
export function applyWorldMutation(world: World, mutation: WorldMutation): void {
  switch (mutation.op) {
    case "delete-network-interface":
      if (!world.operatorDeleteNetworkInterface(mutation.networkInterfaceId)) {
        throw new Error(`no network interface ${mutation.networkInterfaceId}`);
      }
      return;
    case "add-network-interface":
      world.operatorAddNetworkInterface(mutation.networkInterface);
      return;
    case "put-route":
      world.operatorPutRoute(mutation.routeTableId, mutation.route);
      return;
    case "delete-route":
      if (!world.operatorDeleteRoute(mutation.routeTableId, mutation.destinationCidrBlock)) {
        throw new Error(`no route ${mutation.destinationCidrBlock} in ${mutation.routeTableId}`);
      }
      return;
    case "add-instance":
      world.operatorAddInstance(mutation.instance);
      return;
    case "set-instance-state":
      world.operatorSetInstanceState(mutation.instanceId, mutation.state);
      return;
    case "set-instance-status": {
      const { op: _op, instanceId, ...change } = mutation;
      world.operatorSetInstanceStatus(instanceId, change);
      return;
    }
    case "reassign-private-ip":
      world.operatorReassignPrivateIp(mutation.privateIpAddress, mutation.networkInterfaceId);
      return;
  }
}
