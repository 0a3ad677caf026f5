/**
 * Scale, part 4: etcd writes of a 3-replica cluster, in steady state and during a burst of router
 * failures. B "routers" are secondary addresses of one router namespace, so taking that
 * namespace's link down fails all B at once; every CIDR of the spec lists one of them first and a
 * standby router second.
 *
 * Writes are counted two ways: a watch on the cluster's prefix (every put and delete, by key
 * kind: votes, status, managed, …) and etcd's own counters on member 0 (`GET /metrics`:
 * the store revision, which moves once per write transaction, and `etcd_mvcc_put_total` /
 * `etcd_mvcc_delete_total`, one per key written). Lease keep-alives are not writes (they change
 * no key); they are left out on purpose, as the daemon's "in steady state nothing is written but
 * lease keep-alives" (docs/DESIGN.md section 3) is what the steady-state figure checks.
 *
 * The emulator does not throttle here and the replicas' client-side buckets are opened wide, so
 * that the burst window is the etcd traffic of detection, votes and passes, not EC2's pacing.
 */
import { Etcd3, type Watcher } from "etcd3";
import { DEMO_ROUTERS_SUBNET_ID } from "../../test/support/ec2-emulator/index.js";
import { TestWorld } from "../../test/support/test-world.js";
import { waitFor } from "../../test/support/wait.js";
import { fetchText, ipBatch, metricValue } from "./scale-proc.js";

/** What this part is run with. */
export interface EtcdScaleSettings {
  readonly tag: string;
  readonly subnet: number;
  readonly etcdMembers: 1 | 3;
  readonly replicas: number;
  readonly tables: number;
  /** Routers failing at once. */
  readonly burst: number;
  /** The steady-state window, ms. */
  readonly steadyMs: number;
  /** etcd counts as quiet after this long without a write, ms. */
  readonly quietMs: number;
}

/** Writes in one window. */
export interface EtcdWindow {
  readonly durationMs: number;
  /** Key writes (puts + deletes) seen by the watch. */
  readonly keyWrites: number;
  readonly keyWritesPerSecond: number;
  /** Key writes by kind (the first path segment after the prefix). */
  readonly byKind: Readonly<Record<string, number>>;
  /** Write transactions (store revisions) per etcd's counters. */
  readonly revisions: number;
  readonly revisionsPerSecond: number;
  /** etcd's put and delete counters (member 0). */
  readonly puts: number;
  readonly deletes: number;
  /** Key writes per 1-s bucket of the window, from its start. */
  readonly perSecond: readonly number[];
}

/** What this part measured. */
export interface EtcdScaleResult {
  readonly steady: EtcdWindow;
  readonly burst: EtcdWindow & {
    /** Link down → every route of the B CIDRs on the standby router, ms. */
    readonly failoverMs: number;
  };
}

/** Every key write under the prefix, with the time it was seen. */
class WriteLog {
  readonly writes: { readonly at: number; readonly kind: string }[] = [];

  private watcher: Watcher | undefined;

  private constructor(private readonly client: Etcd3) {}

  static async start(endpoints: readonly string[], prefix: string): Promise<WriteLog> {
    const client = new Etcd3({ hosts: endpoints.map((endpoint) => `http://${endpoint}`) });
    const log = new WriteLog(client);
    const watcher = await client.watch().prefix(`${prefix}/`).create();
    log.watcher = watcher;
    watcher.on("data", (response) => {
      for (const event of response.events) {
        const kind =
          event.kv.key
            .toString()
            .slice(prefix.length + 1)
            .split("/")[0] ?? "";
        log.writes.push({ at: performance.now(), kind });
      }
    });
    return log;
  }

  /** When the last write was seen (performance.now), or `since` when none was seen after it. */
  lastAfter(since: number): number {
    const last = this.writes.at(-1)?.at ?? 0;
    return Math.max(last, since);
  }

  /** Cancels the watch, then closes the client (a watch left open keeps the process alive). */
  async close(): Promise<void> {
    await this.watcher?.cancel().catch(() => undefined);
    this.client.close();
  }
}

/** etcd's write counters on one member. */
async function etcdCounters(endpoint: string) {
  const text = await fetchText(`http://${endpoint}/metrics`);
  return {
    revision: metricValue(text, "etcd_debugging_mvcc_current_revision"),
    puts: metricValue(text, "etcd_mvcc_put_total"),
    deletes: metricValue(text, "etcd_mvcc_delete_total"),
  };
}

/** Sums up the writes of [from, to] (performance.now). */
function windowOf(
  log: WriteLog,
  from: number,
  to: number,
  before: Awaited<ReturnType<typeof etcdCounters>>,
  after: Awaited<ReturnType<typeof etcdCounters>>,
): EtcdWindow {
  const writes = log.writes.filter((w) => w.at >= from && w.at <= to);
  const durationMs = Math.max(1, to - from);
  const byKind: Record<string, number> = {};
  const perSecond = Array.from({ length: Math.ceil(durationMs / 1000) }, () => 0);
  for (const write of writes) {
    byKind[write.kind] = (byKind[write.kind] ?? 0) + 1;
    const bucket = Math.min(perSecond.length - 1, Math.floor((write.at - from) / 1000));
    perSecond[bucket] = (perSecond[bucket] ?? 0) + 1;
  }
  const revisions = after.revision - before.revision;
  return {
    durationMs,
    keyWrites: writes.length,
    keyWritesPerSecond: (writes.length * 1000) / durationMs,
    byKind,
    revisions,
    revisionsPerSecond: (revisions * 1000) / durationMs,
    puts: after.puts - before.puts,
    deletes: after.deletes - before.deletes,
    perSecond,
  };
}

/** Waits until no write has been seen for `quietMs` (at most 60 s). */
async function quiet(log: WriteLog, quietMs: number, since: number): Promise<void> {
  await waitFor(() => performance.now() - log.lastAfter(since) >= quietMs, {
    timeoutMs: 60_000,
    intervalMs: 50,
    message: "etcd never went quiet",
  });
}

/**
 * Runs the part in its own world (destroyed before it returns).
 * @throws Error when routes are not created or not moved in time, or etcd does not go quiet
 */
export async function runEtcdScale(settings: EtcdScaleSettings): Promise<EtcdScaleResult> {
  const world = await TestWorld.create({
    tag: settings.tag,
    subnet: settings.subnet,
    etcdMembers: settings.etcdMembers,
    routers: 2,
    routeTables: settings.tables,
  });
  let log: WriteLog | undefined;
  try {
    const [host = "", standby = ""] = world.routers.routerIps;
    // The failing routers: 198.18.S.100.., secondary addresses of router 0's eth0, each its own ENI.
    const failing = Array.from({ length: settings.burst }, (_, i) => `198.18.${settings.subnet}.${100 + i}`);
    await ipBatch(
      world.routers.netnsOf(host),
      failing.map((ip) => `address add ${ip}/24 dev eth0`),
    );
    world.ec2.mutate(
      failing.flatMap((ip, i) => {
        const instanceId = `i-${(0xb000 + i).toString(16).padStart(17, "0")}`;
        return [
          { op: "add-instance" as const, instance: { instanceId } },
          {
            op: "add-network-interface" as const,
            networkInterface: {
              networkInterfaceId: `eni-${(0xb000 + i).toString(16).padStart(17, "0")}`,
              subnetId: DEMO_ROUTERS_SUBNET_ID,
              attachment: { instanceId, deviceIndex: 0 },
              privateIpAddresses: [{ privateIpAddress: ip, primary: true }],
              sourceDestCheck: false,
            },
          },
        ];
      }),
    );
    const cidrs = failing.map((_, i) => `10.61.${i}.0/24`);
    const spec = Object.fromEntries(cidrs.map((cidr, i) => [cidr, [failing[i] ?? "", standby]]));

    log = await WriteLog.start(world.etcd.endpoints, world.prefix);
    const wideOpen = "100000";
    await Promise.all(
      Array.from({ length: settings.replicas }, (_, i) =>
        world.startReplica(
          `bscal3-${i}`,
          `az-${"abc"[i % 3]}`,
          ["--expected-replicas", String(settings.replicas)],
          {
            defaults: true,
            env: {
              VPCROUTER_AWS_MUTATING_BURST: wideOpen,
              VPCROUTER_AWS_MUTATING_REFILL_PER_SECOND: wideOpen,
            },
          },
        ),
      ),
    );
    await world.agreedLeader();
    await world.putSpecAndWait(spec);
    const member = world.etcd.endpoints[0] ?? "";

    // Steady state: after the spec's own writes have settled.
    await quiet(log, settings.quietMs, performance.now());
    const steadyBefore = await etcdCounters(member);
    const steadyFrom = performance.now();
    // A measured window, not a wait for a condition.
    await new Promise((resolve) => setTimeout(resolve, settings.steadyMs));
    const steadyTo = performance.now();
    const steady = windowOf(log, steadyFrom, steadyTo, steadyBefore, await etcdCounters(member));

    // The burst: every failing router down at once.
    const burstBefore = await etcdCounters(member);
    const downAt = performance.now();
    await world.routers.linkDown(host);
    const standbyEni = world.eniOf(standby);
    await waitFor(() => cidrs.every((cidr) => world.allTablesRoute(cidr, standby)), {
      timeoutMs: 60_000,
      intervalMs: 50,
      message: () => `routes not moved to ${standbyEni}\n${world.tails()}`,
    });
    const failoverMs = performance.now() - downAt;
    await quiet(log, settings.quietMs, downAt);
    const burstTo = log.lastAfter(downAt);
    return {
      steady,
      burst: { ...windowOf(log, downAt, burstTo, burstBefore, await etcdCounters(member)), failoverMs },
    };
  } finally {
    await log?.close();
    await world.destroy();
  }
}
