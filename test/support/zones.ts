/**
 * "Zones" for fault tests: each replica in a network namespace of its own on the routers' bridge,
 * so that a test can cut one replica's path to one router, or to etcd and EC2, without touching the
 * others. Everything stays on the bridge behind the world's `unreachable 198.18.0.0/15` guard.
 *
 *   bridge `vrb-<name>`  198.18.S.1 (routers' gateway), .2 (etcd), .3 (EC2 emulator)
 *   netns  `vz-<name>-<i>`  eth0 = 198.18.S.(200+i)   (veth peer `vzv-<name>-<i>` on the bridge)
 *
 * A path is cut with an `unreachable` route inside the zone (the replica's sends fail at once, as
 * when a link is down); `restore` removes it. Reference: ip-route(8), ip-netns(8).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);
const ip = async (...args: string[]) => (await run("ip", args)).stdout;
const FIRST_ZONE_HOST = 200;
/** The bridge's extra addresses: etcd listens on the first, the EC2 emulator on the second. */
const ETCD_HOST = 2;
const EC2_HOST = 3;

/** One zone: where a replica runs. */
export interface Zone {
  readonly index: number;
  readonly netns: string;
  /** The zone's address on the bridge (the replica's API listens there). */
  readonly ip: string;
}

/** The zones of one router world. */
export class Zones {
  private constructor(
    readonly name: string,
    readonly subnet: number,
    readonly zones: readonly Zone[],
  ) {}

  /** Where etcd listens, reachable from every zone (and from the root namespace). */
  static etcdHost(subnet: number): string {
    return `198.18.${subnet}.${ETCD_HOST}`;
  }

  /** Where the EC2 emulator listens. */
  static ec2Host(subnet: number): string {
    return `198.18.${subnet}.${EC2_HOST}`;
  }

  /**
   * Adds etcd's and EC2's addresses to the world's bridge `vrb-<name>` and creates `count` zones on
   * it. The router world (bridge, guard route) must exist.
   * @throws Error when an `ip` command fails (what was created is removed again)
   */
  static async create(name: string, subnet: number, count: number): Promise<Zones> {
    await destroyZones(name);
    const bridge = `vrb-${name}`;
    const zones = Array.from({ length: count }, (_, index) => ({
      index,
      netns: `vz-${name}-${index}`,
      ip: `198.18.${subnet}.${FIRST_ZONE_HOST + index}`,
    }));
    try {
      for (const host of [Zones.etcdHost(subnet), Zones.ec2Host(subnet)]) {
        await ip("addr", "add", `${host}/24`, "dev", bridge).catch((error: unknown) => {
          if (!String(error).includes("File exists")) throw error;
        });
      }
      for (const zone of zones) {
        const veth = `vzv-${name}-${zone.index}`;
        await ip("netns", "add", zone.netns);
        await ip("link", "add", "name", veth, "type", "veth", "peer", "name", "eth0", "netns", zone.netns);
        await ip("link", "set", "dev", veth, "master", bridge, "up");
        await ip("-n", zone.netns, "link", "set", "dev", "lo", "up");
        await ip("-n", zone.netns, "addr", "add", `${zone.ip}/24`, "dev", "eth0");
        await ip("-n", zone.netns, "link", "set", "dev", "eth0", "up");
      }
    } catch (error) {
      await destroyZones(name);
      throw error;
    }
    return new Zones(name, subnet, zones);
  }

  /** Zone `index`. @throws RangeError for a zone that does not exist */
  zone(index: number): Zone {
    const zone = this.zones[index];
    if (!zone) throw new RangeError(`no zone ${index}`);
    return zone;
  }

  /** Cuts the path from zone `index` to `target` (a router, or etcd's or EC2's address). */
  async cut(index: number, target: string): Promise<void> {
    await ip("-n", this.zone(index).netns, "route", "add", "unreachable", `${target}/32`);
  }

  /** Restores a path {@link cut} cut (a no-op when it is not cut). */
  async restore(index: number, target: string): Promise<void> {
    await ip("-n", this.zone(index).netns, "route", "del", "unreachable", `${target}/32`).catch(
      () => undefined,
    );
  }

  /** Removes every zone (their processes are killed with their namespaces' veths). Never throws. */
  async destroy(): Promise<void> {
    await destroyZones(this.name);
  }
}

/** Removes the zones of world `name`, whoever created them (e.g. a crashed earlier run). Never throws. */
export async function destroyZones(name: string): Promise<void> {
  const listed = await ip("netns", "list").catch(() => "");
  const mine = listed
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((netns) => netns.startsWith(`vz-${name}-`));
  for (const netns of mine) {
    const pids = await ip("netns", "pids", netns).catch(() => "");
    for (const pid of pids.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    const index = netns.slice(`vz-${name}-`.length);
    await ip("link", "del", "dev", `vzv-${name}-${index}`).catch(() => undefined);
    await ip("netns", "del", netns).catch(() => undefined);
  }
}
