/**
 * The emulated VPC world and the EC2 semantics of its operations: route table reads and writes
 * with EC2's error codes, ENI/instance/subnet reads, source/destination check, plus the changes an
 * operator makes by hand (console edits, deleted ENIs). Errors are thrown as {@link Ec2Error}.
 * Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html,
 * API_ReplaceRoute.html, API_DeleteRoute.html, errors-overview.html
 */
import { clientError } from "./ec2-error.js";
import { isStatusCheckStatus } from "./instance-states.js";
import { cidrContains, parseIpv4, parseIpv4Cidr } from "./ipv4.js";
import type {
  InstanceSpec,
  InstanceStateName,
  InstanceStatusChange,
  InstanceView,
  NetworkInterfaceSpec,
  NetworkInterfaceView,
  RouteEntrySpec,
  RouteTableSpec,
  RouteTableView,
  RouteView,
  StatusCheckStatus,
  StatusCheckView,
  SubnetSpec,
  SubnetView,
  VpcSpec,
  WorldSpec,
} from "./world-spec.js";

/** The target fields of a route, at most one of which is set. */
const TARGET_FIELDS = [
  "gatewayId",
  "networkInterfaceId",
  "instanceId",
  "natGatewayId",
  "transitGatewayId",
  "vpcPeeringConnectionId",
] as const;

interface StoredRoute extends RouteEntrySpec {
  readonly origin: "CreateRouteTable" | "CreateRoute";
}

interface StoredRouteTable {
  readonly routeTableId: string;
  readonly vpcId: string;
  readonly main: boolean;
  readonly mainAssociationId: string;
  /** subnet id → association id */
  readonly subnetAssociations: Map<string, string>;
  /** destination CIDR → route, in creation order */
  readonly routes: Map<string, StoredRoute>;
  readonly tags: Readonly<Record<string, string>>;
}

interface StoredEni {
  readonly networkInterfaceId: string;
  readonly subnetId: string;
  description: string;
  attachment?: { readonly attachmentId: string; readonly instanceId: string; readonly deviceIndex: number };
  readonly privateIpAddresses: { readonly privateIpAddress: string; readonly primary: boolean }[];
  sourceDestCheck: boolean;
}

interface StoredInstance {
  readonly instanceId: string;
  state: InstanceStateName;
  systemStatus: StatusCheckView;
  instanceStatus: StatusCheckView;
}

/**
 * The next value of a status check: `impairedSince` is when it became impaired, so it stays while
 * the check remains impaired and goes when it recovers.
 * @throws Error for a status EC2 does not have (a world file is JSON, unchecked by the compiler)
 */
function nextCheck(
  previous: StatusCheckView | undefined,
  status: StatusCheckStatus,
  now: number,
): StatusCheckView {
  if (!isStatusCheckStatus(status)) throw new Error(`unknown status check status ${String(status)}`);
  if (status !== "impaired") return { status };
  return { status, impairedSince: previous?.status === "impaired" ? previous.impairedSince : now };
}

interface Snapshot {
  readonly at: number;
  readonly tables: ReadonlyMap<string, StoredRouteTable>;
}

/** What CreateRoute / ReplaceRoute take (already read from the query). */
export interface RouteWrite extends RouteEntrySpec {
  readonly routeTableId: string;
}

/** Options of a world that are not part of its JSON. */
export interface WorldOptions {
  /** Delay (ms) before a route table write becomes visible to DescribeRouteTables; 0 (default) = immediately. */
  readonly consistencyDelayMs?: number;
  /** Clock in ms (default `Date.now`), injectable for tests. */
  readonly now?: () => number;
}

function cloneTable(table: StoredRouteTable): StoredRouteTable {
  return { ...table, subnetAssociations: new Map(table.subnetAssociations), routes: new Map(table.routes) };
}

function hexId(prefix: string, counter: number): string {
  return `${prefix}-${counter.toString(16).padStart(17, "0")}`;
}

function notFound(kind: "routeTable" | "networkInterface" | "instance" | "subnet", id: string): never {
  const code = {
    routeTable: "InvalidRouteTableID.NotFound",
    networkInterface: "InvalidNetworkInterfaceID.NotFound",
    instance: "InvalidInstanceID.NotFound",
    subnet: "InvalidSubnetID.NotFound",
  }[kind];
  throw clientError(code, `The ${kind} ID '${id}' does not exist`);
}

/**
 * A mutable emulated world. Build one with {@link createWorld}. Methods named after EC2 actions
 * implement that action's semantics; `operator*` methods are edits made outside the API.
 */
export class World {
  readonly region: string;
  readonly accountId: string;
  private readonly vpcs = new Map<string, VpcSpec>();
  private readonly subnets = new Map<string, SubnetSpec>();
  private readonly gateways: ReadonlySet<string> | undefined;
  private readonly instances = new Map<string, StoredInstance>();
  private readonly enis = new Map<string, StoredEni>();
  private tables = new Map<string, StoredRouteTable>();
  private snapshots: Snapshot[] = [];
  private idCounter = 0x1000;
  private readonly consistencyDelayMs: number;
  private readonly now: () => number;

  /** @throws Error when the spec is inconsistent (unknown references, duplicate ids, bad CIDRs) */
  constructor(spec: WorldSpec, options: WorldOptions = {}) {
    this.region = spec.region ?? "us-east-1";
    this.accountId = spec.accountId ?? "123456789012";
    this.consistencyDelayMs = options.consistencyDelayMs ?? 0;
    this.now = options.now ?? Date.now;
    this.gateways = spec.internetGateways ? new Set(spec.internetGateways) : undefined;
    for (const vpc of spec.vpcs) {
      if (!parseIpv4Cidr(vpc.cidrBlock)) throw new Error(`vpc ${vpc.vpcId}: bad cidrBlock ${vpc.cidrBlock}`);
      this.addUnique(this.vpcs, vpc.vpcId, { ...vpc });
    }
    for (const subnet of spec.subnets ?? []) this.addSubnet(subnet);
    for (const instance of spec.instances ?? []) this.operatorAddInstance(instance);
    for (const eni of spec.networkInterfaces ?? []) this.operatorAddNetworkInterface(eni);
    for (const table of spec.routeTables ?? []) this.addRouteTable(table);
    for (const vpc of this.vpcs.values()) {
      const mains = [...this.tables.values()].filter((t) => t.vpcId === vpc.vpcId && t.main);
      if (mains.length > 1) throw new Error(`vpc ${vpc.vpcId} has ${mains.length} main route tables`);
      if (mains.length === 0) {
        const hasTables = [...this.tables.values()].some((t) => t.vpcId === vpc.vpcId);
        if (hasTables) throw new Error(`vpc ${vpc.vpcId} has route tables but none is main`);
        this.addRouteTable({ routeTableId: this.nextId("rtb"), vpcId: vpc.vpcId, main: true });
      }
    }
    this.snapshots = [{ at: Number.NEGATIVE_INFINITY, tables: this.copyTables() }];
  }

  // ---- building ----

  private addUnique<V>(map: Map<string, V>, id: string, value: V): void {
    if (map.has(id)) throw new Error(`duplicate id ${id}`);
    map.set(id, value);
  }

  private nextId(prefix: string): string {
    this.idCounter += 1;
    return hexId(prefix, this.idCounter);
  }

  private addSubnet(subnet: SubnetSpec): void {
    const vpc = this.vpcs.get(subnet.vpcId);
    if (!vpc) throw new Error(`subnet ${subnet.subnetId}: unknown vpc ${subnet.vpcId}`);
    const cidr = parseIpv4Cidr(subnet.cidrBlock);
    const vpcCidr = parseIpv4Cidr(vpc.cidrBlock);
    if (
      !cidr ||
      !vpcCidr ||
      cidr.prefix < vpcCidr.prefix ||
      !cidrContains(vpcCidr, subnet.cidrBlock.split("/")[0] ?? "")
    ) {
      throw new Error(
        `subnet ${subnet.subnetId}: cidrBlock ${subnet.cidrBlock} is not inside ${vpc.cidrBlock}`,
      );
    }
    this.addUnique(this.subnets, subnet.subnetId, { ...subnet });
  }

  private addRouteTable(spec: RouteTableSpec): void {
    const vpc = this.vpcs.get(spec.vpcId);
    if (!vpc) throw new Error(`route table ${spec.routeTableId}: unknown vpc ${spec.vpcId}`);
    const subnetAssociations = new Map<string, string>();
    for (const subnetId of spec.subnetIds ?? []) {
      const subnet = this.subnets.get(subnetId);
      if (!subnet || subnet.vpcId !== spec.vpcId) {
        throw new Error(`route table ${spec.routeTableId}: subnet ${subnetId} is not in ${spec.vpcId}`);
      }
      for (const other of this.tables.values()) {
        if (other.subnetAssociations.has(subnetId)) throw new Error(`subnet ${subnetId} is associated twice`);
      }
      subnetAssociations.set(subnetId, this.nextId("rtbassoc"));
    }
    const routes = new Map<string, StoredRoute>();
    routes.set(vpc.cidrBlock, {
      destinationCidrBlock: vpc.cidrBlock,
      gatewayId: "local",
      origin: "CreateRouteTable",
    });
    for (const route of spec.routes ?? []) {
      if (!parseIpv4Cidr(route.destinationCidrBlock)) {
        throw new Error(`route table ${spec.routeTableId}: bad destination ${route.destinationCidrBlock}`);
      }
      const targets = TARGET_FIELDS.filter((field) => route[field] !== undefined);
      if (targets.length !== 1) {
        throw new Error(
          `route ${route.destinationCidrBlock} in ${spec.routeTableId} needs exactly one target`,
        );
      }
      const origin = route.gatewayId === "local" ? "CreateRouteTable" : "CreateRoute";
      routes.set(route.destinationCidrBlock, { ...route, origin });
    }
    this.addUnique(this.tables, spec.routeTableId, {
      routeTableId: spec.routeTableId,
      vpcId: spec.vpcId,
      main: spec.main === true,
      mainAssociationId: this.nextId("rtbassoc"),
      subnetAssociations,
      routes,
      tags: { ...spec.tags },
    });
  }

  // ---- consistency ----

  private copyTables(): Map<string, StoredRouteTable> {
    return new Map([...this.tables].map(([id, table]) => [id, cloneTable(table)]));
  }

  /** Records the current tables as a version that readers will see after the consistency delay. */
  private committed(): void {
    if (this.consistencyDelayMs <= 0) return;
    const now = this.now();
    this.snapshots.push({ at: now, tables: this.copyTables() });
    const horizon = now - this.consistencyDelayMs;
    // Keep the newest snapshot already visible and everything after it.
    let firstKept = 0;
    for (let i = 0; i < this.snapshots.length; i++)
      if ((this.snapshots[i]?.at ?? 0) <= horizon) firstKept = i;
    this.snapshots = this.snapshots.slice(firstKept);
  }

  /** The route tables readers see now: the current ones, or an older version within the consistency delay. */
  private visibleTables(): ReadonlyMap<string, StoredRouteTable> {
    if (this.consistencyDelayMs <= 0) return this.tables;
    const horizon = this.now() - this.consistencyDelayMs;
    let visible = this.snapshots[0]?.tables ?? this.tables;
    for (const snapshot of this.snapshots) if (snapshot.at <= horizon) visible = snapshot.tables;
    return visible;
  }

  // ---- views ----

  private availabilityZoneOf(subnetId: string): string {
    return this.subnets.get(subnetId)?.availabilityZone ?? `${this.region}a`;
  }

  private instanceRuns(instanceId: string): boolean {
    const state = this.instances.get(instanceId)?.state;
    return state === "running" || state === "pending";
  }

  private primaryEniOf(instanceId: string): StoredEni | undefined {
    return [...this.enis.values()].find(
      (eni) => eni.attachment?.instanceId === instanceId && eni.attachment.deviceIndex === 0,
    );
  }

  private routeView(route: StoredRoute): RouteView {
    const { origin, ...stored } = route;
    if (route.networkInterfaceId !== undefined) {
      const eni = this.enis.get(route.networkInterfaceId);
      const instanceId = eni?.attachment?.instanceId;
      const alive = eni !== undefined && (instanceId === undefined || this.instanceRuns(instanceId));
      return {
        ...stored,
        ...(instanceId !== undefined ? { instanceId, instanceOwnerId: this.accountId } : {}),
        origin,
        state: alive ? "active" : "blackhole",
      };
    }
    if (route.instanceId !== undefined) {
      const eni = this.primaryEniOf(route.instanceId);
      return {
        ...stored,
        networkInterfaceId: eni?.networkInterfaceId,
        instanceOwnerId: this.accountId,
        origin,
        state: this.instanceRuns(route.instanceId) ? "active" : "blackhole",
      };
    }
    return { ...stored, origin, state: "active" };
  }

  private tableView(table: StoredRouteTable): RouteTableView {
    const associations = [
      ...(table.main
        ? [{ routeTableAssociationId: table.mainAssociationId, routeTableId: table.routeTableId, main: true }]
        : []),
      ...[...table.subnetAssociations].map(([subnetId, routeTableAssociationId]) => ({
        routeTableAssociationId,
        routeTableId: table.routeTableId,
        main: false,
        subnetId,
      })),
    ];
    return {
      routeTableId: table.routeTableId,
      vpcId: table.vpcId,
      ownerId: this.accountId,
      main: table.main,
      subnetIds: [...table.subnetAssociations.keys()],
      associations,
      routes: [...table.routes.values()].map((route) => this.routeView(route)),
      tags: { ...table.tags },
    };
  }

  private eniView(eni: StoredEni): NetworkInterfaceView {
    const subnet = this.subnets.get(eni.subnetId);
    const primary = eni.privateIpAddresses.find((ip) => ip.primary) ?? eni.privateIpAddresses[0];
    return {
      networkInterfaceId: eni.networkInterfaceId,
      subnetId: eni.subnetId,
      vpcId: subnet?.vpcId ?? "",
      availabilityZone: this.availabilityZoneOf(eni.subnetId),
      description: eni.description,
      ownerId: this.accountId,
      status: eni.attachment ? "in-use" : "available",
      sourceDestCheck: eni.sourceDestCheck,
      privateIpAddress: primary?.privateIpAddress ?? "",
      privateIpAddresses: eni.privateIpAddresses.map((ip) => ({ ...ip })),
      ...(eni.attachment ? { attachment: { ...eni.attachment, status: "attached" as const } } : {}),
    };
  }

  /** Every route table as readers currently see it (subject to the consistency delay). */
  routeTables(): RouteTableView[] {
    return [...this.visibleTables().values()].map((table) => this.tableView(table));
  }

  /** Every route table as it is now (ignores the consistency delay; for test assertions). */
  currentRouteTables(): RouteTableView[] {
    return [...this.tables.values()].map((table) => this.tableView(table));
  }

  /** Every ENI. */
  networkInterfaces(): NetworkInterfaceView[] {
    return [...this.enis.values()].map((eni) => this.eniView(eni));
  }

  /** Every instance with its ENIs (device index order). */
  instanceViews(): InstanceView[] {
    return [...this.instances.values()].map((instance) => {
      const enis = [...this.enis.values()]
        .filter((eni) => eni.attachment?.instanceId === instance.instanceId)
        .sort((a, b) => (a.attachment?.deviceIndex ?? 0) - (b.attachment?.deviceIndex ?? 0))
        .map((eni) => this.eniView(eni));
      const primary = enis[0];
      return {
        instanceId: instance.instanceId,
        state: instance.state,
        systemStatus: { ...instance.systemStatus },
        instanceStatus: { ...instance.instanceStatus },
        vpcId: primary?.vpcId,
        subnetId: primary?.subnetId,
        availabilityZone: primary?.availabilityZone ?? `${this.region}a`,
        privateIpAddress: primary?.privateIpAddress,
        sourceDestCheck: primary?.sourceDestCheck ?? true,
        networkInterfaces: enis,
      };
    });
  }

  /** Every subnet. */
  subnetViews(): SubnetView[] {
    return [...this.subnets.values()].map((subnet) => {
      const prefix = parseIpv4Cidr(subnet.cidrBlock)?.prefix ?? 32;
      const used = [...this.enis.values()]
        .filter((eni) => eni.subnetId === subnet.subnetId)
        .reduce((sum, eni) => sum + eni.privateIpAddresses.length, 0);
      // EC2 reserves 5 addresses per subnet (first four and the last).
      return {
        subnetId: subnet.subnetId,
        vpcId: subnet.vpcId,
        cidrBlock: subnet.cidrBlock,
        availabilityZone: this.availabilityZoneOf(subnet.subnetId),
        availableIpAddressCount: Math.max(0, 2 ** (32 - prefix) - 5 - used),
      };
    });
  }

  /** The world as JSON that {@link createWorld} accepts (current state, not the delayed view). */
  toSpec(): WorldSpec {
    return {
      region: this.region,
      accountId: this.accountId,
      vpcs: [...this.vpcs.values()],
      subnets: [...this.subnets.values()],
      ...(this.gateways ? { internetGateways: [...this.gateways] } : {}),
      instances: [...this.instances.values()].map((i) => ({
        instanceId: i.instanceId,
        state: i.state,
        systemStatus: i.systemStatus.status,
        instanceStatus: i.instanceStatus.status,
      })),
      networkInterfaces: [...this.enis.values()].map((eni) => ({
        networkInterfaceId: eni.networkInterfaceId,
        subnetId: eni.subnetId,
        description: eni.description,
        ...(eni.attachment
          ? { attachment: { instanceId: eni.attachment.instanceId, deviceIndex: eni.attachment.deviceIndex } }
          : {}),
        privateIpAddresses: eni.privateIpAddresses.map((ip) => ({ ...ip })),
        sourceDestCheck: eni.sourceDestCheck,
      })),
      routeTables: [...this.tables.values()].map((table) => ({
        routeTableId: table.routeTableId,
        vpcId: table.vpcId,
        main: table.main,
        subnetIds: [...table.subnetAssociations.keys()],
        routes: [...table.routes.values()].map(({ origin: _origin, ...route }) => route),
        ...(Object.keys(table.tags).length > 0 ? { tags: { ...table.tags } } : {}),
      })),
    };
  }

  // ---- EC2 write actions ----

  private tableForWrite(routeTableId: string): StoredRouteTable {
    if (!/^rtb-[0-9a-z]+$/.test(routeTableId)) {
      throw clientError("InvalidRouteTableId.Malformed", `Invalid id: "${routeTableId}"`);
    }
    return this.tables.get(routeTableId) ?? notFound("routeTable", routeTableId);
  }

  private checkDestination(cidr: string): void {
    if (!parseIpv4Cidr(cidr)) {
      throw clientError(
        "InvalidParameterValue",
        `Value (${cidr}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.`,
      );
    }
  }

  /** Validates the single target of a write and returns the route to store. */
  private resolveTarget(table: StoredRouteTable, write: RouteWrite): StoredRoute {
    const given = TARGET_FIELDS.filter((field) => write[field] !== undefined && write[field] !== "");
    if (given.length === 0) {
      throw clientError(
        "MissingParameter",
        "The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId, transitGatewayId or instanceId",
      );
    }
    if (given.length > 1) {
      throw clientError(
        "InvalidParameterCombination",
        `The parameter ${given[0]} cannot be used with the parameter ${given[1]}`,
      );
    }
    const base = { destinationCidrBlock: write.destinationCidrBlock, origin: "CreateRoute" as const };
    if (write.networkInterfaceId !== undefined) {
      const eni =
        this.enis.get(write.networkInterfaceId) ?? notFound("networkInterface", write.networkInterfaceId);
      if (this.subnets.get(eni.subnetId)?.vpcId !== table.vpcId) {
        throw clientError(
          "InvalidParameterValue",
          `Route table ${table.routeTableId} and network interface ${eni.networkInterfaceId} belong to different networks`,
        );
      }
      return { ...base, networkInterfaceId: eni.networkInterfaceId };
    }
    if (write.instanceId !== undefined) {
      const instance = this.instances.get(write.instanceId);
      if (!instance || instance.state === "terminated") notFound("instance", write.instanceId);
      const enis = [...this.enis.values()].filter((eni) => eni.attachment?.instanceId === write.instanceId);
      if (enis.length !== 1) {
        throw clientError(
          "InvalidInstanceID",
          `There are ${enis.length === 0 ? "no" : "multiple"} interfaces attached to instance '${write.instanceId}'. Please specify an interface ID for the operation instead.`,
        );
      }
      const eni = enis[0] as StoredEni;
      if (this.subnets.get(eni.subnetId)?.vpcId !== table.vpcId) {
        throw clientError(
          "InvalidParameterValue",
          `Route table ${table.routeTableId} and instance ${write.instanceId} belong to different networks`,
        );
      }
      return { ...base, networkInterfaceId: eni.networkInterfaceId };
    }
    if (write.gatewayId !== undefined) {
      if (write.gatewayId === "local") {
        throw clientError("InvalidParameterValue", "The gateway ID 'local' cannot be used as a target");
      }
      if (!/^(igw|vgw)-[0-9a-z]+$/.test(write.gatewayId)) {
        throw clientError("InvalidGatewayID.Malformed", `Invalid id: "${write.gatewayId}"`);
      }
      if (this.gateways && !this.gateways.has(write.gatewayId)) {
        throw clientError("InvalidGatewayID.NotFound", `The gateway ID '${write.gatewayId}' does not exist`);
      }
      return { ...base, gatewayId: write.gatewayId };
    }
    if (write.natGatewayId !== undefined) return { ...base, natGatewayId: write.natGatewayId };
    if (write.transitGatewayId !== undefined) return { ...base, transitGatewayId: write.transitGatewayId };
    return { ...base, vpcPeeringConnectionId: write.vpcPeeringConnectionId };
  }

  /**
   * EC2 CreateRoute.
   * @throws Ec2Error `InvalidRouteTableID.NotFound`, `RouteAlreadyExists`, `InvalidNetworkInterfaceID.NotFound`,
   *   `InvalidInstanceID.NotFound`, `InvalidParameterValue`, `MissingParameter`, … (all 400)
   */
  createRoute(write: RouteWrite): void {
    const table = this.tableForWrite(write.routeTableId);
    this.checkDestination(write.destinationCidrBlock);
    if (table.routes.has(write.destinationCidrBlock)) {
      throw clientError(
        "RouteAlreadyExists",
        `The route identified by ${write.destinationCidrBlock} already exists.`,
      );
    }
    const route = this.resolveTarget(table, write);
    table.routes.set(route.destinationCidrBlock, route);
    this.committed();
  }

  /**
   * EC2 ReplaceRoute.
   * @throws Ec2Error `InvalidParameterValue` when no route exists for the destination (EC2's behaviour), and the
   *   errors of {@link createRoute} other than `RouteAlreadyExists`
   */
  replaceRoute(write: RouteWrite): void {
    const table = this.tableForWrite(write.routeTableId);
    this.checkDestination(write.destinationCidrBlock);
    const existing = table.routes.get(write.destinationCidrBlock);
    if (!existing) {
      throw clientError(
        "InvalidParameterValue",
        `There is no route defined for '${write.destinationCidrBlock}' in the route table. Use CreateRoute instead.`,
      );
    }
    if (existing.gatewayId === "local") {
      throw clientError("InvalidParameterValue", `cannot replace local route ${write.destinationCidrBlock}`);
    }
    table.routes.set(write.destinationCidrBlock, this.resolveTarget(table, write));
    this.committed();
  }

  /**
   * EC2 DeleteRoute.
   * @throws Ec2Error `InvalidRoute.NotFound` when no route exists, `InvalidParameterValue` for the local route
   */
  deleteRoute(routeTableId: string, destinationCidrBlock: string): void {
    const table = this.tableForWrite(routeTableId);
    this.checkDestination(destinationCidrBlock);
    const existing = table.routes.get(destinationCidrBlock);
    if (!existing) {
      throw clientError(
        "InvalidRoute.NotFound",
        `No route with destination-cidr-block ${destinationCidrBlock} in route table ${routeTableId}`,
      );
    }
    if (existing.gatewayId === "local") {
      throw clientError(
        "InvalidParameterValue",
        `cannot remove local route ${destinationCidrBlock} in route table ${routeTableId}`,
      );
    }
    table.routes.delete(destinationCidrBlock);
    this.committed();
  }

  /**
   * EC2 ModifyNetworkInterfaceAttribute (source/destination check, description).
   * @throws Ec2Error `InvalidNetworkInterfaceID.NotFound` (400)
   */
  modifyNetworkInterface(
    networkInterfaceId: string,
    change: { sourceDestCheck?: boolean; description?: string },
  ): void {
    const eni = this.enis.get(networkInterfaceId) ?? notFound("networkInterface", networkInterfaceId);
    if (change.sourceDestCheck !== undefined) eni.sourceDestCheck = change.sourceDestCheck;
    if (change.description !== undefined) eni.description = change.description;
  }

  /** Throws the EC2 NotFound error for the first unknown id (as EC2 does for explicit id lists). */
  requireIds(kind: "routeTable" | "networkInterface" | "instance" | "subnet", ids: readonly string[]): void {
    const known: ReadonlyMap<string, unknown> = {
      routeTable: this.visibleTables(),
      networkInterface: this.enis,
      instance: this.instances,
      subnet: this.subnets,
    }[kind];
    for (const id of ids) if (!known.has(id)) notFound(kind, id);
  }

  // ---- operator edits (outside the API) ----

  /** Adds or replaces a route by hand, as an operator would in the console. Only the table must exist. */
  operatorPutRoute(routeTableId: string, route: RouteEntrySpec): void {
    const table = this.tables.get(routeTableId) ?? notFound("routeTable", routeTableId);
    if (!parseIpv4Cidr(route.destinationCidrBlock))
      throw new Error(`bad destination ${route.destinationCidrBlock}`);
    if (TARGET_FIELDS.filter((field) => route[field] !== undefined).length !== 1) {
      throw new Error("a route needs exactly one target");
    }
    table.routes.set(route.destinationCidrBlock, { ...route, origin: "CreateRoute" });
    this.committed();
  }

  /** Removes a route by hand; returns whether it existed. */
  operatorDeleteRoute(routeTableId: string, destinationCidrBlock: string): boolean {
    const table = this.tables.get(routeTableId) ?? notFound("routeTable", routeTableId);
    const existed = table.routes.delete(destinationCidrBlock);
    this.committed();
    return existed;
  }

  /** Deletes an ENI (routes to it become blackholes); returns whether it existed. */
  operatorDeleteNetworkInterface(networkInterfaceId: string): boolean {
    return this.enis.delete(networkInterfaceId);
  }

  /**
   * Moves a secondary private IP to another ENI of the same VPC, as EC2 `AssignPrivateIpAddresses`
   * with `AllowReassignment` does (e.g. a router's floating IP taken over by a new instance).
   * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssignPrivateIpAddresses.html
   * @throws Error when the IP is on no ENI, is a primary IP (EC2 never moves those), or lies
   *   outside the target ENI's subnet
   */
  operatorReassignPrivateIp(privateIpAddress: string, networkInterfaceId: string): void {
    const target = this.enis.get(networkInterfaceId) ?? notFound("networkInterface", networkInterfaceId);
    const targetVpc = this.subnets.get(target.subnetId)?.vpcId;
    const source = [...this.enis.values()].find(
      (eni) =>
        this.subnets.get(eni.subnetId)?.vpcId === targetVpc &&
        eni.privateIpAddresses.some((ip) => ip.privateIpAddress === privateIpAddress),
    );
    if (!source) throw new Error(`no network interface in ${targetVpc} holds ${privateIpAddress}`);
    if (source === target) return;
    const index = source.privateIpAddresses.findIndex((ip) => ip.privateIpAddress === privateIpAddress);
    if (source.privateIpAddresses[index]?.primary) {
      throw new Error(`${privateIpAddress} is the primary IP of ${source.networkInterfaceId}: not movable`);
    }
    const subnetCidr = parseIpv4Cidr(this.subnets.get(target.subnetId)?.cidrBlock ?? "");
    if (!subnetCidr || !cidrContains(subnetCidr, privateIpAddress)) {
      throw new Error(`${privateIpAddress} is not in the subnet of ${networkInterfaceId}`);
    }
    source.privateIpAddresses.splice(index, 1);
    target.privateIpAddresses.push({ privateIpAddress, primary: false });
  }

  /** Adds an instance (state defaults to running, both status checks to ok). */
  operatorAddInstance(instance: InstanceSpec): void {
    const now = this.now();
    this.addUnique(this.instances, instance.instanceId, {
      instanceId: instance.instanceId,
      state: instance.state ?? "running",
      systemStatus: nextCheck(undefined, instance.systemStatus ?? "ok", now),
      instanceStatus: nextCheck(undefined, instance.instanceStatus ?? "ok", now),
    });
  }

  /**
   * Changes an instance's state and/or status checks, as a failing host or guest would (fields left
   * out keep their value). A state goes through {@link operatorSetInstanceState}. The checks are
   * stored whatever the state: DescribeInstanceStatus shows them only while the instance runs.
   * @throws Ec2Error `InvalidInstanceID.NotFound`; Error for an unknown status (nothing is changed then)
   */
  operatorSetInstanceStatus(instanceId: string, change: InstanceStatusChange): void {
    const instance = this.instances.get(instanceId) ?? notFound("instance", instanceId);
    const now = this.now();
    const systemStatus =
      change.systemStatus === undefined
        ? instance.systemStatus
        : nextCheck(instance.systemStatus, change.systemStatus, now);
    const instanceStatus =
      change.instanceStatus === undefined
        ? instance.instanceStatus
        : nextCheck(instance.instanceStatus, change.instanceStatus, now);
    if (change.state !== undefined) this.operatorSetInstanceState(instanceId, change.state);
    instance.systemStatus = systemStatus;
    instance.instanceStatus = instanceStatus;
  }

  /** Sets an instance's state; `terminated` also deletes its primary ENI and detaches the others, as EC2 does. */
  operatorSetInstanceState(instanceId: string, state: InstanceStateName): void {
    const instance = this.instances.get(instanceId) ?? notFound("instance", instanceId);
    instance.state = state;
    if (state !== "terminated") return;
    for (const eni of [...this.enis.values()]) {
      if (eni.attachment?.instanceId !== instanceId) continue;
      if (eni.attachment.deviceIndex === 0) this.enis.delete(eni.networkInterfaceId);
      else eni.attachment = undefined;
    }
  }

  /** Adds an ENI. @throws Error on unknown subnet/instance, IPs outside the subnet or already in use */
  operatorAddNetworkInterface(spec: NetworkInterfaceSpec): void {
    const subnet = this.subnets.get(spec.subnetId);
    if (!subnet) throw new Error(`eni ${spec.networkInterfaceId}: unknown subnet ${spec.subnetId}`);
    const subnetCidr = parseIpv4Cidr(subnet.cidrBlock);
    if (spec.privateIpAddresses.length === 0)
      throw new Error(`eni ${spec.networkInterfaceId}: no private IP`);
    const inUse = new Set(
      [...this.enis.values()]
        .filter((eni) => this.subnets.get(eni.subnetId)?.vpcId === subnet.vpcId)
        .flatMap((eni) => eni.privateIpAddresses.map((ip) => ip.privateIpAddress)),
    );
    for (const { privateIpAddress } of spec.privateIpAddresses) {
      if (
        parseIpv4(privateIpAddress) === undefined ||
        !subnetCidr ||
        !cidrContains(subnetCidr, privateIpAddress)
      ) {
        throw new Error(
          `eni ${spec.networkInterfaceId}: ${privateIpAddress} is not in subnet ${subnet.cidrBlock}`,
        );
      }
      if (inUse.has(privateIpAddress))
        throw new Error(`eni ${spec.networkInterfaceId}: ${privateIpAddress} in use`);
      inUse.add(privateIpAddress);
    }
    if (spec.attachment && !this.instances.has(spec.attachment.instanceId)) {
      throw new Error(`eni ${spec.networkInterfaceId}: unknown instance ${spec.attachment.instanceId}`);
    }
    const flagged = spec.privateIpAddresses.findIndex((ip) => ip.primary === true);
    const primaryIndex = flagged === -1 ? 0 : flagged;
    this.addUnique(this.enis, spec.networkInterfaceId, {
      networkInterfaceId: spec.networkInterfaceId,
      subnetId: spec.subnetId,
      description: spec.description ?? "",
      ...(spec.attachment
        ? {
            attachment: {
              attachmentId: this.nextId("eni-attach"),
              instanceId: spec.attachment.instanceId,
              deviceIndex: spec.attachment.deviceIndex ?? 0,
            },
          }
        : {}),
      privateIpAddresses: spec.privateIpAddresses.map((ip, index) => ({
        privateIpAddress: ip.privateIpAddress,
        primary: index === primaryIndex,
      })),
      sourceDestCheck: spec.sourceDestCheck ?? true,
    });
  }
}

/**
 * Builds a world from its JSON spec.
 * @param spec the world (see {@link WorldSpec})
 * @param options consistency delay and clock
 * @throws Error when the spec is inconsistent
 */
export function createWorld(spec: WorldSpec, options: WorldOptions = {}): World {
  return new World(spec, options);
}
