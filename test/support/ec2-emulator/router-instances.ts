/**
 * From a router's IP to the instance behind it, for tests that fail a router's instance (stop it,
 * fail its status checks) while thinking in router IPs, as the spec and the daemon do.
 */
import type { World } from "./world.js";
import type { InstanceStatusChange } from "./world-spec.js";

/**
 * The id of the instance whose ENI holds `ip` now (primary or secondary IP: a moved floating IP
 * names its new instance).
 * @throws Error when no ENI holds `ip`, or the ENI holding it is attached to no instance
 */
export function instanceIdOfIp(world: World, ip: string): string {
  const eni = world
    .networkInterfaces()
    .find((e) => e.privateIpAddresses.some((p) => p.privateIpAddress === ip));
  if (!eni) throw new Error(`no network interface holds ${ip}`);
  if (!eni.attachment)
    throw new Error(`${eni.networkInterfaceId} (holding ${ip}) is attached to no instance`);
  return eni.attachment.instanceId;
}

/**
 * Changes the state and/or status checks of the instance behind router `ip`.
 * @returns that instance's id
 * @throws Error as {@link instanceIdOfIp}, or for an invalid change
 */
export function setInstanceStatusOfIp(world: World, ip: string, change: InstanceStatusChange): string {
  const instanceId = instanceIdOfIp(world, ip);
  world.operatorSetInstanceStatus(instanceId, change);
  return instanceId;
}
