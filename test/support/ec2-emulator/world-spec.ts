/**
 * The emulated VPC world as plain JSON (what a test or `main.ts --world FILE` loads), and the views
 * the emulator answers with. Field names follow the EC2 API (camelCase wire names).
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RouteTable.html,
 * API_NetworkInterface.html, API_Instance.html, API_Subnet.html
 */

/** A VPC: id and its primary IPv4 CIDR block. */
export interface VpcSpec {
  readonly vpcId: string;
  readonly cidrBlock: string;
}

/** A subnet inside a VPC. `availabilityZone` defaults to `<region>a`. */
export interface SubnetSpec {
  readonly subnetId: string;
  readonly vpcId: string;
  readonly cidrBlock: string;
  readonly availabilityZone?: string;
}

/** EC2 instance state names. Source: API_InstanceState.html */
export type InstanceStateName =
  | "pending"
  | "running"
  | "stopping"
  | "stopped"
  | "shutting-down"
  | "terminated";

/**
 * The summary status of one of an instance's status checks (system or instance).
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceStatusSummary.html
 */
export type StatusCheckStatus = "ok" | "impaired" | "initializing" | "insufficient-data" | "not-applicable";

/** An instance. Its VPC, subnet and IPs come from its network interfaces (device index 0 is primary). */
export interface InstanceSpec {
  readonly instanceId: string;
  /** Defaults to `running`. */
  readonly state?: InstanceStateName;
  /** The system status check (AWS's side: host, network, power); defaults to `ok`. */
  readonly systemStatus?: StatusCheckStatus;
  /** The instance status check (the guest: OS, its network configuration); defaults to `ok`. */
  readonly instanceStatus?: StatusCheckStatus;
}

/**
 * A change of an instance's state and/or status checks made outside the API (a failing host, a
 * stopped instance); fields left out keep their value.
 */
export interface InstanceStatusChange {
  readonly state?: InstanceStateName;
  readonly systemStatus?: StatusCheckStatus;
  readonly instanceStatus?: StatusCheckStatus;
}

/** One private IPv4 address of an ENI. Exactly one per ENI is primary (the first when none is flagged). */
export interface PrivateIpSpec {
  readonly privateIpAddress: string;
  readonly primary?: boolean;
}

/** An elastic network interface (ENI). Its VPC is its subnet's VPC. */
export interface NetworkInterfaceSpec {
  readonly networkInterfaceId: string;
  readonly subnetId: string;
  readonly description?: string;
  readonly attachment?: { readonly instanceId: string; readonly deviceIndex?: number };
  readonly privateIpAddresses: readonly PrivateIpSpec[];
  /** Defaults to `true`, as on EC2 (routers need it `false`). */
  readonly sourceDestCheck?: boolean;
}

/** One route as stored: a destination and exactly one target. */
export interface RouteEntrySpec {
  readonly destinationCidrBlock: string;
  /** `local` or an internet/virtual private gateway id (`igw-…`, `vgw-…`). */
  readonly gatewayId?: string;
  readonly networkInterfaceId?: string;
  /** Given alone, the route targets the instance's primary ENI (EC2 resolves it). */
  readonly instanceId?: string;
  readonly natGatewayId?: string;
  readonly transitGatewayId?: string;
  readonly vpcPeeringConnectionId?: string;
}

/** A route table. A `local` route for the VPC CIDR is added when missing (EC2 always has one). */
export interface RouteTableSpec {
  readonly routeTableId: string;
  readonly vpcId: string;
  /** Exactly one table per VPC is main. */
  readonly main?: boolean;
  /** Subnets explicitly associated with this table. */
  readonly subnetIds?: readonly string[];
  readonly routes?: readonly RouteEntrySpec[];
  /** Tags (key → value), matched by the `tag:<key>` and `tag-key` filters. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The whole world. A VPC without any route table gets a main table with only its local route. */
export interface WorldSpec {
  /** Defaults to `us-east-1`. */
  readonly region?: string;
  /** The owner id shown in replies; defaults to `123456789012`. */
  readonly accountId?: string;
  readonly vpcs: readonly VpcSpec[];
  readonly subnets?: readonly SubnetSpec[];
  /** Known gateway ids; when given, routes to other `igw-`/`vgw-` ids fail with `InvalidGatewayID.NotFound`. */
  readonly internetGateways?: readonly string[];
  readonly instances?: readonly InstanceSpec[];
  readonly networkInterfaces?: readonly NetworkInterfaceSpec[];
  readonly routeTables?: readonly RouteTableSpec[];
}

/** A route as EC2 describes it: stored fields plus derived `state` and attachment `instanceId`. */
export interface RouteView {
  readonly destinationCidrBlock: string;
  readonly gatewayId?: string;
  readonly networkInterfaceId?: string;
  readonly instanceId?: string;
  readonly instanceOwnerId?: string;
  readonly natGatewayId?: string;
  readonly transitGatewayId?: string;
  readonly vpcPeeringConnectionId?: string;
  readonly origin: "CreateRouteTable" | "CreateRoute";
  /** `blackhole` when the target ENI/instance is gone or not running. */
  readonly state: "active" | "blackhole";
}

/** A route table association (the main one, or one per explicitly associated subnet). */
export interface RouteTableAssociationView {
  readonly routeTableAssociationId: string;
  readonly routeTableId: string;
  readonly main: boolean;
  readonly subnetId?: string;
}

/** A route table as described. */
export interface RouteTableView {
  readonly routeTableId: string;
  readonly vpcId: string;
  readonly ownerId: string;
  readonly main: boolean;
  readonly subnetIds: readonly string[];
  readonly associations: readonly RouteTableAssociationView[];
  readonly routes: readonly RouteView[];
  readonly tags: Readonly<Record<string, string>>;
}

/** An ENI as described. */
export interface NetworkInterfaceView {
  readonly networkInterfaceId: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  readonly description: string;
  readonly ownerId: string;
  readonly status: "in-use" | "available";
  readonly sourceDestCheck: boolean;
  /** The primary private IP. */
  readonly privateIpAddress: string;
  readonly privateIpAddresses: readonly { readonly privateIpAddress: string; readonly primary: boolean }[];
  readonly attachment?: {
    readonly attachmentId: string;
    readonly instanceId: string;
    readonly deviceIndex: number;
    readonly status: "attached";
  };
}

/**
 * One status check as stored: its status (whatever the instance's state) and, while `impaired`,
 * since when (ms since the epoch, the world's clock).
 */
export interface StatusCheckView {
  readonly status: StatusCheckStatus;
  readonly impairedSince?: number;
}

/** An instance as described. */
export interface InstanceView {
  readonly instanceId: string;
  readonly state: InstanceStateName;
  readonly systemStatus: StatusCheckView;
  readonly instanceStatus: StatusCheckView;
  readonly vpcId?: string;
  readonly subnetId?: string;
  readonly availabilityZone: string;
  readonly privateIpAddress?: string;
  readonly sourceDestCheck: boolean;
  readonly networkInterfaces: readonly NetworkInterfaceView[];
}

/** A subnet as described. */
export interface SubnetView {
  readonly subnetId: string;
  readonly vpcId: string;
  readonly cidrBlock: string;
  readonly availabilityZone: string;
  readonly availableIpAddressCount: number;
}
