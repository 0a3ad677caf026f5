/**
 * The whole test world of docs/DESIGN.md on one machine, for integration tests, the demo and
 * benchmarks: a real etcd (1 or 3 members), the EC2 emulator holding a VPC whose routers are real
 * network namespaces, and vpcrouter replicas as child processes. `destroy()` removes everything.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { CallLogEntry } from "./ec2-emulator/call-log.js";
import { demoWorld } from "./ec2-emulator/demo-world.js";
import {
  type Ec2Emulator,
  type InstanceStatusChange,
  instanceIdOfIp,
  setInstanceStatusOfIp,
  startEc2Emulator,
} from "./ec2-emulator/index.js";
import { EtcdCluster, type EtcdTlsFiles } from "./etcd-cluster.js";
import { ReplicaProcess } from "./replica-process.js";
import { cleanupStaleRouterWorlds, RouterWorld } from "./router-namespaces.js";
import { waitFor } from "./wait.js";
import { Zones } from "./zones.js";

const run = promisify(execFile);

/** Options of {@link TestWorld.create}. */
export interface TestWorldOptions {
  /** Short unique name (1–7 chars of a-z0-9-): namespaces, etcd prefix and VPC derive from it. */
  readonly tag: string;
  /** Third octet of the routers' addresses (198.18.<subnet>.10+i); unique among parallel worlds. */
  readonly subnet: number;
  readonly etcdMembers: 1 | 3;
  readonly routers: number;
  readonly routeTables: number;
  /** etcd key prefix (default `/vpcrouter-<tag>`). */
  readonly prefix?: string;
  /** The emulated VPC's id (default: derived from the tag). */
  readonly vpcId?: string;
  /**
   * Run replicas in zones of their own (network namespaces on the routers' bridge, see zones.ts),
   * this many: the i-th replica started runs in zone i, and etcd and the emulator serve on the
   * bridge. Without: everything on loopback.
   */
  readonly zones?: number;
  /** Serve etcd over TLS with client certificates (files from certificates.ts). */
  readonly etcdTls?: EtcdTlsFiles;
}

/** EC2 actions that change route tables. */
export const MUTATING_ACTIONS = new Set([
  "CreateRoute",
  "ReplaceRoute",
  "DeleteRoute",
  "ModifyNetworkInterfaceAttribute",
]);

/** A running test world. */
export class TestWorld {
  readonly replicas: ReplicaProcess[] = [];
  readonly prefix: string;
  readonly vpcId: string;

  private constructor(
    readonly options: TestWorldOptions,
    readonly etcd: EtcdCluster,
    readonly ec2: Ec2Emulator,
    readonly routers: RouterWorld,
    readonly zones: Zones | undefined,
  ) {
    this.prefix = prefixFor(options);
    this.vpcId = vpcIdFor(options);
  }

  /** Starts etcd, the namespaces and the emulator; on any failure removes what was started. */
  static async create(options: TestWorldOptions): Promise<TestWorld> {
    await cleanupStaleRouterWorlds(options.tag);
    // Replicas a crashed earlier run of this world left behind (same tag, same prefix).
    await run("pkill", ["-KILL", "-f", `cli/main.ts run .*--prefix ${prefixFor(options)}( |$)`]).catch(
      () => undefined,
    );
    const vpcId = vpcIdFor(options);
    let etcd: EtcdCluster | undefined;
    let routers: RouterWorld | undefined;
    let zones: Zones | undefined;
    try {
      routers = await RouterWorld.create({ name: options.tag, subnet: options.subnet }, options.routers);
      if (options.zones) zones = await Zones.create(options.tag, options.subnet, options.zones);
      etcd = await EtcdCluster.start({
        members: options.etcdMembers,
        ...(zones ? { clientHost: Zones.etcdHost(options.subnet) } : {}),
        ...(options.etcdTls ? { tls: options.etcdTls } : {}),
      });
      const ec2 = await startEc2Emulator({
        ...(zones ? { host: Zones.ec2Host(options.subnet) } : {}),
        world: demoWorld({
          vpcId,
          routeTableCount: options.routeTables,
          routers: routers.routerIps.map((ip) => ({ ip })),
        }),
      });
      return new TestWorld(options, etcd, ec2, routers, zones);
    } catch (error) {
      await zones?.destroy();
      await routers?.destroy();
      await etcd?.destroy();
      throw error;
    }
  }

  /**
   * Starts a replica `id` in zone `zone` against this world. Tests probe faster than the defaults
   * (200 ms interval, rise 3) unless `options.defaults` is set; `extraArgs` come last and win.
   * `options.env` adds environment variables, e.g. `VPCROUTER_SPEC_MODE` (flags still win over them).
   */
  async startReplica(
    id: string,
    zone: string,
    extraArgs: readonly string[] = [],
    options: {
      readonly defaults?: boolean;
      readonly electionTtlSeconds?: number;
      readonly env?: Readonly<Record<string, string>>;
      /** Working directory (default the repository): where `-m <package>` plugins are installed. */
      readonly cwd?: string;
    } = {},
  ): Promise<ReplicaProcess> {
    const fast = ["--probe-interval", "200", "--probe-timeout", "150", "--fall", "3", "--rise", "3"];
    const ownZone = this.zones?.zones[this.replicas.length];
    if (this.zones && !ownZone)
      throw new Error(`no zone left for replica ${id} (zones: ${this.zones.zones.length})`);
    const replica = await ReplicaProcess.start({
      ...this.processOptions(id, zone),
      ...(ownZone ? { namespace: ownZone } : {}),
      electionTtlSeconds: options.electionTtlSeconds,
      ...(options.env ? { env: options.env } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      extraArgs: [...(options.defaults ? [] : fast), ...extraArgs],
    });
    this.replicas.push(replica);
    return replica;
  }

  /**
   * Starts a replica from a complete command line, exactly as an operator types it after
   * `vpcrouter` (e.g. vpc-router's `-m configfile -f spec.conf -v vpc-…`); the world's etcd, prefix
   * and API port go through `VPCROUTER_*` variables.
   */
  async startCommandLine(
    id: string,
    zone: string,
    commandLine: readonly string[],
    options: { readonly cwd?: string; readonly env?: Readonly<Record<string, string>> } = {},
  ): Promise<ReplicaProcess> {
    const replica = await ReplicaProcess.start({ ...this.processOptions(id, zone), commandLine, ...options });
    this.replicas.push(replica);
    return replica;
  }

  /** What every replica process of this world is told: who it is, and where etcd, EC2 and the VPC are. */
  private processOptions(id: string, zone: string) {
    return {
      id,
      zone,
      etcdEndpoints: this.etcd.endpoints,
      prefix: this.prefix,
      vpcId: this.vpcId,
      ec2Endpoint: this.ec2.url,
    };
  }

  /**
   * Puts the spec the way an operator does: `etcdctl put -- <prefix>/spec '<value>'` (the `--`
   * keeps a value starting with "-" from being read as a flag).
   */
  async putSpecWithEtcdctl(value: string): Promise<void> {
    await this.etcdctl(["put", "--", `${this.prefix}/spec`, value]);
  }

  /**
   * etcd user (`name:password`) of this world's own etcdctl calls once a test has enabled auth;
   * undefined: none.
   */
  etcdctlUser: string | undefined;

  /**
   * Runs etcdctl against this world's etcd (TLS flags included), as `user` (`name:password`,
   * default {@link etcdctlUser}).
   * @returns its standard output.
   * @throws Error with etcdctl's standard error when it exits non-zero.
   */
  async etcdctl(args: readonly string[], user = this.etcdctlUser): Promise<string> {
    const { stdout } = await run(
      "etcdctl",
      [...this.etcd.etcdctlArgs(), ...(user ? [`--user=${user}`] : []), ...args],
      { env: { ...process.env, ETCDCTL_API: "3" } },
    );
    return stdout;
  }

  /**
   * Puts `spec` with etcdctl and waits (up to 30 s) until every table routes each CIDR via its
   * first router: the state most tests start from.
   */
  async putSpecAndWait(spec: Readonly<Record<string, readonly string[]>>): Promise<void> {
    await this.putSpecWithEtcdctl(JSON.stringify(spec));
    await waitFor(
      () => Object.entries(spec).every(([cidr, [first]]) => this.allTablesRoute(cidr, first ?? "")),
      {
        timeoutMs: 30_000,
        message: () => `routes of the spec not created\n${this.tails()}`,
      },
    );
  }

  /** The value of an etcd key (read with etcdctl), or undefined when it does not exist. */
  async etcdGet(key: string): Promise<string | undefined> {
    const stdout = await this.etcdctl(["get", key, "--print-value-only"]);
    return stdout.length > 0 ? stdout.replace(/\n$/, "") : undefined;
  }

  /** etcd's current revision (it does not move on lease keep-alives, only on writes). */
  async etcdRevision(): Promise<string> {
    const stdout = await this.etcdctl(["get", "/", "-w", "json"]);
    return String((JSON.parse(stdout) as { header: { revision: number | string } }).header.revision);
  }

  /** ENI id of router `ip` in the emulated VPC. */
  eniOf(ip: string): string {
    const eni = this.ec2.world
      .networkInterfaces()
      .find((e) => e.privateIpAddresses.some((p) => p.privateIpAddress === ip));
    if (!eni) throw new Error(`no ENI holds ${ip}`);
    return eni.networkInterfaceId;
  }

  /** Instance id behind router `ip` (the instance its ENI is attached to). */
  instanceOf(ip: string): string {
    return instanceIdOfIp(this.ec2.world, ip);
  }

  /**
   * Changes the state and/or status checks of router `ip`'s instance, as DescribeInstanceStatus
   * then reports them; returns the instance id. Undo with `{ state: "running", systemStatus: "ok",
   * instanceStatus: "ok" }`.
   */
  setRouterInstanceStatus(ip: string, change: InstanceStatusChange): string {
    return setInstanceStatusOfIp(this.ec2.world, ip, change);
  }

  /** Fails one status check of router `ip`'s instance (it keeps running and answering probes). */
  impairRouterInstance(ip: string, check: "system" | "instance" = "instance"): string {
    return this.setRouterInstanceStatus(
      ip,
      check === "system" ? { systemStatus: "impaired" } : { instanceStatus: "impaired" },
    );
  }

  /** Stops router `ip`'s instance: `stopped` in EC2, and routes to its ENI become blackholes. */
  stopRouterInstance(ip: string): string {
    return this.setRouterInstanceStatus(ip, { state: "stopped" });
  }

  /** For `cidr`: route table id → the ENI its route targets (undefined when there is no route). */
  targets(cidr: string): Map<string, string | undefined> {
    return new Map(
      this.ec2
        .routeTables()
        .map((t) => [
          t.routeTableId,
          t.routes.find((r) => r.destinationCidrBlock === cidr)?.networkInterfaceId,
        ]),
    );
  }

  /** True when every table routes `cidr` to router `ip`'s ENI. */
  allTablesRoute(cidr: string, ip: string): boolean {
    const eni = this.eniOf(ip);
    return [...this.targets(cidr).values()].every((target) => target === eni);
  }

  /** EC2 calls that changed something, with the access key id that signed them. */
  mutatingCalls(since = 0): CallLogEntry[] {
    return this.ec2.log(since).filter((entry) => MUTATING_ACTIONS.has(entry.action));
  }

  /** The replica that `GET /status` of the live replicas names as leader (agreed by all). */
  async leader(): Promise<ReplicaProcess | undefined> {
    const live = this.replicas.filter((r) => r.running);
    const statuses = await Promise.all(live.map((r) => r.status()));
    const ids = new Set(statuses.map((s) => (s?.leader as { id?: string } | null)?.id));
    if (ids.size !== 1) return undefined;
    const [id] = ids;
    return live.find((r) => r.id === id);
  }

  /** Waits (up to 20 s) until the live replicas agree on a leader, and returns it. */
  async agreedLeader(): Promise<ReplicaProcess> {
    let leader: ReplicaProcess | undefined;
    await waitFor(
      async () => {
        leader = await this.leader();
        return leader !== undefined;
      },
      { timeoutMs: 20_000, message: () => `replicas do not agree on a leader\n${this.tails()}` },
    );
    if (!leader) throw new Error("unreachable: waitFor returned without a leader");
    return leader;
  }

  /** Log tails of every replica, for failure messages. */
  tails(): string {
    return this.replicas.map((r) => r.tail(Number(process.env.VPCROUTER_TAIL ?? 25))).join("\n");
  }

  /** Stops replicas, the emulator, the namespaces and etcd. Never throws. */
  async destroy(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.kill("SIGKILL").catch(() => undefined)));
    await this.ec2.close().catch(() => undefined);
    await this.zones?.destroy().catch(() => undefined);
    await this.routers.destroy().catch(() => undefined);
    await this.etcd.destroy().catch(() => undefined);
  }
}

/** A well-formed VPC id (vpc- and 17 hex digits) derived from the world's tag. */
function vpcIdFor(options: TestWorldOptions): string {
  return options.vpcId ?? `vpc-${Buffer.from(options.tag).toString("hex").padEnd(17, "0").slice(0, 17)}`;
}

/** The etcd prefix of a world: its own, or `/vpcrouter-<tag>`. */
function prefixFor(options: TestWorldOptions): string {
  return options.prefix ?? `/vpcrouter-${options.tag}`;
}
