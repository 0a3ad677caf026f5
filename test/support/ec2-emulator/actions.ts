/** The EC2 actions the emulator implements, and which of them count as mutating for throttling. */
import type { ActionHandler } from "./action-handler.js";
import { describeInstanceStatus } from "./instance-status-actions.js";
import {
  describeInstances,
  describeNetworkInterfaces,
  describeSubnets,
  modifyNetworkInterfaceAttribute,
} from "./network-actions.js";
import { createRoute, deleteRoute, describeRouteTables, replaceRoute } from "./route-table-actions.js";

/** Action name → handler. Any other action is answered with `InvalidAction` (400). */
export const ACTIONS: Readonly<Record<string, ActionHandler>> = {
  DescribeRouteTables: describeRouteTables,
  CreateRoute: createRoute,
  ReplaceRoute: replaceRoute,
  DeleteRoute: deleteRoute,
  DescribeNetworkInterfaces: describeNetworkInterfaces,
  DescribeInstances: describeInstances,
  DescribeInstanceStatus: describeInstanceStatus,
  ModifyNetworkInterfaceAttribute: modifyNetworkInterfaceAttribute,
  DescribeSubnets: describeSubnets,
};

/**
 * True for actions EC2 throttles in the mutating bucket (Create*, Replace*, Delete*, Modify*, …).
 * Source: https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
 */
export function isMutatingAction(action: string): boolean {
  return !/^(Describe|Get|List)/.test(action);
}
