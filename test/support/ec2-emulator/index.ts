/** The EC2 emulator for tests: start it, load a world, inject faults, read the call log. */
export type { CallLogEntry } from "./call-log.js";
export {
  DEMO_ROUTERS_SUBNET_ID,
  type DemoRouter,
  type DemoWorldOptions,
  demoRouteTableId,
  demoSubnetId,
  demoWorld,
  withForeignVpc,
} from "./demo-world.js";
export {
  EC2_DEFAULT_THROTTLE,
  type FaultReport,
  type FaultSettings,
  type InjectedFault,
  type ThrottleConfig,
  type TokenBucketConfig,
} from "./faults.js";
export { instanceIdOfIp, setInstanceStatusOfIp } from "./router-instances.js";
export { type Ec2Emulator, type Ec2EmulatorOptions, startEc2Emulator } from "./server.js";
export { createWorld, World, type WorldOptions } from "./world.js";
export type { WorldMutation } from "./world-mutation.js";
export type * from "./world-spec.js";
