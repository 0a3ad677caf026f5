/**
 * A ready-made world for tests and the bash demo: one VPC (default `198.18.0.0/15`, the RFC 2544
 * range the router namespaces use), a routers subnet holding one instance + ENI per router, a main
 * route table and N-1 further tables (each with its own subnet), every table with the VPC's local
 * route and a `0.0.0.0/0` route to the internet gateway.
 */
import { formatIpv4, parseIpv4Cidr } from "./ipv4.js";
import type { NetworkInterfaceSpec, RouteTableSpec, SubnetSpec, WorldSpec } from "./world-spec.js";

/** One router of the demo world. Ids default to ones derived from the router's index. */
export interface DemoRouter {
  readonly ip: string;
  readonly instanceId?: string;
  readonly eniId?: string;
  /** Extra private IPs on the router's ENI (secondary addresses). */
  readonly secondaryIps?: readonly string[];
  /**
   * Source/destination check of the router's ENI. Default `false` (what a router needs, so tests
   * stay quiet); EC2's own default for a new ENI is `true`.
   */
  readonly sourceDestCheck?: boolean;
  /**
   * The router's subnet: default the routers subnet ({@link DEMO_ROUTERS_SUBNET_ID}, associated
   * with no table, so the main table's implicitly), or {@link demoSubnetId}(i) of table i ≥ 1.
   * Its IPs must lie in that subnet.
   */
  readonly subnetId?: string;
}

/** Options of {@link demoWorld}. */
export interface DemoWorldOptions {
  readonly vpcId?: string;
  /** Default `198.18.0.0/15`; prefix must be /23 or shorter. */
  readonly vpcCidr?: string;
  /** Number of route tables including the main one (default 1). */
  readonly routeTableCount?: number;
  readonly routers?: readonly DemoRouter[];
  readonly region?: string;
  /** Default `igw-0demo`. */
  readonly internetGatewayId?: string;
  /** Tags per route table index (0 = main), e.g. `[undefined, { vpcrouter: "managed" }]`. */
  readonly routeTableTags?: readonly (Readonly<Record<string, string>> | undefined)[];
}

/** The subnet of the demo world's routers (the first half of the VPC CIDR), in no table explicitly. */
export const DEMO_ROUTERS_SUBNET_ID = "subnet-0routers";

function hex17(n: number): string {
  return n.toString(16).padStart(17, "0");
}

/** The id of the demo world's route table number `index` (0 = main). */
export function demoRouteTableId(index: number): string {
  return `rtb-${hex17(index + 1)}`;
}

/**
 * The id of the /24 subnet explicitly associated with route table `index` ≥ 1; its CIDR is the
 * `index`-th /24 of the VPC CIDR's second half (e.g. 198.19.0.0/24 for table 1 of 198.18.0.0/15).
 */
export function demoSubnetId(index: number): string {
  return `subnet-${hex17(index)}`;
}

/**
 * Builds the demo world's spec (pass it to `createWorld` or `startEc2Emulator`).
 * Router IPs must lie in their subnet: the first half of the VPC CIDR (the routers subnet) unless
 * a router names another.
 * Route table ids are {@link demoRouteTableId}(0..N-1); router ids default to `i-…`/`eni-…` by index.
 * @throws Error for a VPC CIDR longer than /23 or too many tables for its second half
 */
export function demoWorld(options: DemoWorldOptions = {}): WorldSpec {
  const vpcId = options.vpcId ?? "vpc-0demo";
  const vpcCidr = options.vpcCidr ?? "198.18.0.0/15";
  const tableCount = options.routeTableCount ?? 1;
  const igw = options.internetGatewayId ?? "igw-0demo";
  const region = options.region ?? "us-east-1";
  const parsed = parseIpv4Cidr(vpcCidr);
  if (!parsed || parsed.prefix > 23) throw new Error(`demoWorld: vpcCidr ${vpcCidr} must be a /23 or larger`);
  const half = 2 ** (32 - parsed.prefix - 1);
  if ((tableCount - 1) * 256 > half) throw new Error(`demoWorld: too many route tables for ${vpcCidr}`);

  const routersSubnet: SubnetSpec = {
    subnetId: DEMO_ROUTERS_SUBNET_ID,
    vpcId,
    cidrBlock: `${formatIpv4(parsed.network)}/${parsed.prefix + 1}`,
    availabilityZone: `${region}a`,
  };
  const tableSubnets: SubnetSpec[] = [];
  const routeTables: RouteTableSpec[] = [];
  for (let index = 0; index < tableCount; index++) {
    const subnetIds: string[] = [];
    if (index > 0) {
      const subnet: SubnetSpec = {
        subnetId: demoSubnetId(index),
        vpcId,
        cidrBlock: `${formatIpv4(parsed.network + half + (index - 1) * 256)}/24`,
        availabilityZone: `${region}${"abc"[index % 3]}`,
      };
      tableSubnets.push(subnet);
      subnetIds.push(subnet.subnetId);
    }
    routeTables.push({
      routeTableId: demoRouteTableId(index),
      vpcId,
      main: index === 0,
      subnetIds,
      routes: [
        { destinationCidrBlock: vpcCidr, gatewayId: "local" },
        { destinationCidrBlock: "0.0.0.0/0", gatewayId: igw },
      ],
      ...(options.routeTableTags?.[index] ? { tags: options.routeTableTags[index] } : {}),
    });
  }

  const routers = options.routers ?? [];
  const instances = routers.map((router, index) => ({
    instanceId: router.instanceId ?? `i-${hex17(index + 1)}`,
    state: "running" as const,
  }));
  const networkInterfaces: NetworkInterfaceSpec[] = routers.map((router, index) => ({
    networkInterfaceId: router.eniId ?? `eni-${hex17(index + 1)}`,
    subnetId: router.subnetId ?? routersSubnet.subnetId,
    description: `router ${router.ip}`,
    attachment: { instanceId: instances[index]?.instanceId ?? "", deviceIndex: 0 },
    privateIpAddresses: [
      { privateIpAddress: router.ip, primary: true },
      ...(router.secondaryIps ?? []).map((ip) => ({ privateIpAddress: ip, primary: false })),
    ],
    sourceDestCheck: router.sourceDestCheck ?? false,
  }));

  return {
    region,
    vpcs: [{ vpcId, cidrBlock: vpcCidr }],
    subnets: [routersSubnet, ...tableSubnets],
    internetGateways: [igw],
    instances,
    networkInterfaces,
    routeTables,
  };
}

/**
 * `world` plus a second VPC (`vpc-0elsewhere`, 10.77.0.0/16) with a subnet and one ENI
 * (`eni-0elsewhere`, 10.77.0.9): for tests that must ignore, or be refused, what is not in their VPC.
 */
export function withForeignVpc(world: WorldSpec): WorldSpec {
  return {
    ...world,
    vpcs: [...world.vpcs, { vpcId: "vpc-0elsewhere", cidrBlock: "10.77.0.0/16" }],
    subnets: [
      ...(world.subnets ?? []),
      { subnetId: "subnet-0elsewhere", vpcId: "vpc-0elsewhere", cidrBlock: "10.77.0.0/24" },
    ],
    networkInterfaces: [
      ...(world.networkInterfaces ?? []),
      {
        networkInterfaceId: "eni-0elsewhere",
        subnetId: "subnet-0elsewhere",
        privateIpAddresses: [{ privateIpAddress: "10.77.0.9" }],
      },
    ],
  };
}
