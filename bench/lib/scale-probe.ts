/**
 * Scale, part 3: one replica probing thousands of routers at 1 Hz, its CPU time and RSS read from
 * /proc. The routers are many addresses in a few namespaces; their plan:
 *
 *   bridge subnet 198.18.S.0/24 (S = the world's subnet): hosts .20–.254 on-link, as secondary
 *     addresses of the namespaces' eth0 (the root namespace holds one neighbour entry per address);
 *   the other seven /24s of this benchmark, 198.18.{250..253}.0/24 and 198.19.{250..253}.0/24
 *     without S: hosts .1–.254 as /32s on one namespace's eth0 each, routed from the root
 *     namespace via that namespace's primary address, so they cost one neighbour entry per
 *     namespace (the kernel keeps at most gc_thresh3 = 1024 entries by default).
 *
 * That is 235 + 7 × 254 = 2013 addresses, all in 198.18.0.0/15 and in namespaces made here.
 * Routes and addresses go with the bridge and the namespaces when the world is destroyed.
 *
 * The test world's VPC has a subnet for 198.18.0.0/16 only, so this part builds its world itself
 * (the same parts as test-world.ts) with a VPC subnet for 198.19.248.0/21 as well: every router
 * address is a real ENI of the VPC, as in production, so the leader resolves every one of them.
 */
import { execFile } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import {
  DEMO_ROUTERS_SUBNET_ID,
  demoWorld,
  type Ec2Emulator,
  startEc2Emulator,
} from "../../test/support/ec2-emulator/index.js";
import { EtcdCluster } from "../../test/support/etcd-cluster.js";
import { ReplicaProcess } from "../../test/support/replica-process.js";
import { cleanupStaleRouterWorlds, RouterWorld } from "../../test/support/router-namespaces.js";
import { waitFor } from "../../test/support/wait.js";
import { type Summary, summarize } from "./report.js";
import { childPid, fetchText, ip, ipBatch, metricValue, processUsage } from "./scale-proc.js";

const run = promisify(execFile);

/** The eight /24s (third octet, in 198.18 and in 198.19) this benchmark may use. */
const OWN_THIRD_OCTETS = [250, 251, 252, 253];
/** First on-link host of the bridge subnet: below it are the bridge (.1) and the primaries (.10+). */
const FIRST_ONLINK_HOST = 20;
/** Most router IPs one spec CIDR may list (docs/DESIGN.md section 2). */
const IPS_PER_CIDR = 32;
/** The VPC subnet holding the 198.19 router addresses. */
const UPPER_SUBNET = { subnetId: "subnet-0scaleupper", cidrBlock: "198.19.248.0/21" } as const;

/** What this part is run with. */
export interface ProbeScaleSettings {
  readonly tag: string;
  readonly subnet: number;
  readonly namespaces: number;
  readonly routers: number;
  readonly probeIntervalMs: number;
  /** The measured window, ms. */
  readonly windowMs: number;
  /** One CPU and RSS sample per this many ms of the window. */
  readonly sampleMs: number;
}

/** What this part measured. */
export interface ProbeScaleResult {
  readonly cidrs: number;
  /** CPU time over the whole window, % of one core. */
  readonly cpuPercent: number;
  /** RSS at the end of the window, MB (2^20 bytes). */
  readonly rssMb: number;
  readonly peakRssMb: number;
  /** V8 heap in use at the end of the window, MB (the replica's GET /metrics): the rest of RSS is code, tsx and native memory. */
  readonly heapUsedMb: number;
  /** Per sample interval: CPU % of one core, and RSS MB at its end. */
  readonly cpuSamples: readonly number[];
  readonly rssSamples: readonly number[];
  readonly cpu: Summary;
  readonly rss: Summary;
  /** Probe checks per second over the window (the replica's own counter), and the failed ones. */
  readonly checksPerSecond: number;
  readonly failedChecks: number;
  /** Routers this replica saw failed at the end of the window (all are up: false failures). */
  readonly localFailedAtEnd: number;
  /** Routes the leader had made by then (one per spec CIDR when all went well). */
  readonly routesCreated: number;
  /** Time from the spec put until every router had been probed once, ms. */
  readonly readyMs: number;
}

/** One router address and where it lives. */
interface PlannedAddress {
  readonly ip: string;
  /** Index of the namespace holding it. */
  readonly namespace: number;
  /** `/24` on the bridge subnet, `/32` in a routed block. */
  readonly prefix: 24 | 32;
}

/** The router addresses, spread round-robin over the blocks so that a short list uses them all. */
export function planAddresses(subnet: number, namespaces: number, count: number): PlannedAddress[] {
  const blocks: PlannedAddress[][] = [];
  const onLink: PlannedAddress[] = [];
  for (let host = FIRST_ONLINK_HOST; host <= 254; host++) {
    onLink.push({ ip: `198.18.${subnet}.${host}`, namespace: host % namespaces, prefix: 24 });
  }
  blocks.push(onLink);
  const routed = [
    ...OWN_THIRD_OCTETS.filter((octet) => octet !== subnet).map((octet) => `198.18.${octet}`),
    ...OWN_THIRD_OCTETS.map((octet) => `198.19.${octet}`),
  ];
  for (const [index, block] of routed.entries()) {
    blocks.push(
      Array.from({ length: 254 }, (_, host) => ({
        ip: `${block}.${host + 1}`,
        namespace: index % namespaces,
        prefix: 32 as const,
      })),
    );
  }
  const merged: PlannedAddress[] = [];
  for (let position = 0; merged.length < count; position++) {
    const before = merged.length;
    for (const block of blocks) {
      const address = block[position];
      if (address !== undefined && merged.length < count) merged.push(address);
    }
    if (merged.length === before) throw new Error(`only ${merged.length} router addresses available`);
  }
  return merged;
}

/** The /24 of an address, e.g. `198.19.250.0/24`. */
function blockOf(address: string): string {
  return `${address.split(".").slice(0, 3).join(".")}.0/24`;
}

/** A world built for this part: namespaces with many addresses, etcd, the emulator, one replica. */
export class ProbeWorld {
  etcd: EtcdCluster | undefined;
  ec2: Ec2Emulator | undefined;
  private routers: RouterWorld | undefined;
  replica: ReplicaProcess | undefined;
  readonly prefix: string;
  readonly vpcId: string;

  constructor(readonly settings: ProbeScaleSettings) {
    this.prefix = `/vpcrouter-${settings.tag}`;
    this.vpcId = `vpc-${Buffer.from(settings.tag).toString("hex").padEnd(17, "0").slice(0, 17)}`;
  }

  /** Creates everything; the caller destroys it (also when this throws). */
  async create(addresses: readonly PlannedAddress[]): Promise<void> {
    const { tag, subnet, namespaces } = this.settings;
    await cleanupStaleRouterWorlds(tag);
    await requireFreeBlocks(addresses);
    this.routers = await RouterWorld.create({ name: tag, subnet }, namespaces);
    const primaries = this.routers.routerIps;
    for (let index = 0; index < namespaces; index++) {
      const lines = addresses
        .filter((a) => a.namespace === index)
        .map((a) => `address add ${a.ip}/${a.prefix} dev eth0`);
      await ipBatch(this.routers.netnsOf(primaries[index] ?? ""), lines);
    }
    const routedBlocks = new Map<string, string>();
    for (const a of addresses) {
      if (a.prefix === 32) routedBlocks.set(blockOf(a.ip), primaries[a.namespace] ?? "");
    }
    // More specific than the guard route `unreachable 198.18.0.0/15`, and gone with the bridge.
    const routeLines = [...routedBlocks].map(
      ([block, via]) => `route add ${block} via ${via} dev vrb-${tag}`,
    );
    await ipBatch(undefined, routeLines);

    this.etcd = await EtcdCluster.start({ members: 1 });
    const world = demoWorld({
      vpcId: this.vpcId,
      routeTableCount: 1,
      routers: addresses.map((a) => ({
        ip: a.ip,
        subnetId: a.ip.startsWith("198.19.") ? UPPER_SUBNET.subnetId : DEMO_ROUTERS_SUBNET_ID,
      })),
    });
    this.ec2 = await startEc2Emulator({
      world: { ...world, subnets: [...(world.subnets ?? []), { ...UPPER_SUBNET, vpcId: this.vpcId }] },
    });
    this.replica = await ReplicaProcess.start({
      id: `${tag}-0`,
      zone: "az-a",
      etcdEndpoints: this.etcd.endpoints,
      prefix: this.prefix,
      vpcId: this.vpcId,
      ec2Endpoint: this.ec2.url,
      extraArgs: ["--probe-interval", String(this.settings.probeIntervalMs)],
    });
  }

  /** Puts the spec with etcdctl, as an operator does. */
  async putSpec(spec: Readonly<Record<string, readonly string[]>>): Promise<void> {
    if (!this.etcd) throw new Error("world not created");
    await run(
      "etcdctl",
      [...this.etcd.etcdctlArgs(), "put", "--", `${this.prefix}/spec`, JSON.stringify(spec)],
      {
        env: { ...process.env, ETCDCTL_API: "3" },
      },
    );
  }

  /** Routes of the one route table. */
  routeCount(): number {
    return this.ec2?.routeTables()[0]?.routes.filter((r) => r.networkInterfaceId !== undefined).length ?? 0;
  }

  /** Removes everything. Never throws. */
  async destroy(): Promise<void> {
    await this.replica?.kill("SIGKILL").catch(() => undefined);
    await this.ec2?.close().catch(() => undefined);
    await this.routers?.destroy().catch(() => undefined);
    await this.etcd?.destroy().catch(() => undefined);
  }
}

/**
 * Refuses to start when an address of the blocks about to be routed exists in the root namespace
 * (another world would be using them).
 */
async function requireFreeBlocks(addresses: readonly PlannedAddress[]): Promise<void> {
  const blocks = new Set(addresses.map((a) => blockOf(a.ip).replace(/0\/24$/, "")));
  const links = JSON.parse(await ip("-j", "-4", "addr", "show")) as {
    ifname?: string;
    addr_info?: { local?: string }[];
  }[];
  for (const link of links) {
    for (const info of link.addr_info ?? []) {
      const local = info.local ?? "";
      if ([...blocks].some((block) => local.startsWith(block))) {
        throw new Error(`${local} on ${link.ifname} is in a block this benchmark needs`);
      }
    }
  }
}

/** The replica's probe checks so far, by result, and its V8 heap in use (its GET /metrics). */
async function replicaMetrics(replica: ReplicaProcess): Promise<{ ok: number; fail: number; heap: number }> {
  const text = await fetchText(`${replica.apiUrl}/metrics`);
  return {
    ok: metricValue(text, "vpcrouter_probe_checks_total", { result: "ok" }),
    fail: metricValue(text, "vpcrouter_probe_checks_total", { result: "fail" }),
    heap: metricValue(text, "v8js_memory_heap_used_bytes"),
  };
}

/** What GET /status shows of one probed router. */
interface Probed {
  readonly lastCheckAt?: string;
}

/** How many routers the replica sees failed (GET /status `localFailed`); NaN when it does not answer. */
async function localFailed(replica: ReplicaProcess): Promise<number> {
  const status = await replica.status();
  return Array.isArray(status?.localFailed) ? status.localFailed.length : Number.NaN;
}

const MB = 2 ** 20;

/**
 * Runs the part in its own world (destroyed before it returns).
 * @throws Error when the routers are not all probed within 60 s
 */
export async function runProbeScale(settings: ProbeScaleSettings): Promise<ProbeScaleResult> {
  const addresses = planAddresses(settings.subnet, settings.namespaces, settings.routers);
  const world = new ProbeWorld(settings);
  try {
    await world.create(addresses);
    const replica = world.replica;
    if (!replica) throw new Error("no replica");
    const ips = addresses.map((a) => a.ip);
    const cidrs = Math.ceil(ips.length / IPS_PER_CIDR);
    const spec = Object.fromEntries(
      Array.from({ length: cidrs }, (_, k) => [
        `10.201.${k}.0/24`,
        ips.slice(k * IPS_PER_CIDR, (k + 1) * IPS_PER_CIDR),
      ]),
    );
    const putAt = performance.now();
    await world.putSpec(spec);
    // Ready: every router probed at least once. Not "every router healthy": on a loaded machine
    // some may fail falsely, and how many is a result (reported below), not a set-up failure.
    await waitFor(
      async () => {
        const probes = Object.values(((await replica.status())?.probes ?? {}) as Record<string, Probed>);
        return probes.length === ips.length && probes.every((p) => p.lastCheckAt !== undefined);
      },
      { timeoutMs: 60_000, intervalMs: 1000, message: () => `routers not all probed\n${replica.tail(3)}` },
    );
    const readyMs = performance.now() - putAt;

    const pid = await childPid([replica.id, world.prefix]);
    const checksBefore = await replicaMetrics(replica);
    const first = await processUsage(pid);
    const startedAt = performance.now();
    const cpuSamples: number[] = [];
    const rssSamples: number[] = [];
    let previous = { usage: first, at: startedAt };
    // A measured window, not a wait for a condition: timers are the point here.
    while (performance.now() - startedAt < settings.windowMs - 1) {
      await sleep(Math.min(settings.sampleMs, settings.windowMs - (performance.now() - startedAt)));
      const usage = await processUsage(pid);
      const at = performance.now();
      cpuSamples.push(((usage.cpuSeconds - previous.usage.cpuSeconds) * 100_000) / (at - previous.at));
      rssSamples.push(usage.rssBytes / MB);
      previous = { usage, at };
    }
    const elapsedMs = previous.at - startedAt;
    const checksAfter = await replicaMetrics(replica);
    const last = previous.usage;
    return {
      cidrs,
      cpuPercent: ((last.cpuSeconds - first.cpuSeconds) * 100_000) / elapsedMs,
      rssMb: last.rssBytes / MB,
      peakRssMb: last.peakRssBytes / MB,
      heapUsedMb: checksAfter.heap / MB,
      cpuSamples,
      rssSamples,
      cpu: summarize(cpuSamples),
      rss: summarize(rssSamples),
      checksPerSecond:
        ((checksAfter.ok + checksAfter.fail - checksBefore.ok - checksBefore.fail) * 1000) / elapsedMs,
      failedChecks: checksAfter.fail - checksBefore.fail,
      localFailedAtEnd: await localFailed(replica),
      routesCreated: world.routeCount(),
      readyMs,
    };
  } finally {
    await world.destroy();
  }
}
