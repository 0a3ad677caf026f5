/**
 * Simulated routers for tests, the demo and benchmarks (docs/DESIGN.md section 7 "The test world"): each router is a
 * network namespace whose `eth0` (one end of a veth pair) is joined to a per-world bridge in the
 * root namespace. A world with tag `name` and subnet `S` has
 *
 *   bridge `vrb-<name>`       198.18.S.1/24            (root namespace)
 *   netns  `vr-<name>-<i>`    eth0 = 198.18.S.(10+i)   (veth peer `vrv-<name>-<i>` on the bridge)
 *
 * 198.18.0.0/15 is the RFC 2544 benchmarking range. Before any namespace exists the harness makes
 * sure `unreachable 198.18.0.0/15` is routed in the root namespace, so a probe for an address that
 * is not on one of our bridges fails locally instead of leaving the machine.
 *
 * Every command runs through `execFile` (no shell). Needs root (`ip netns`, veth, bridge).
 * Reference: ip-netns(8), ip-link(8), ip-route(8) from iproute2.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { waitFor } from "./wait.js";

/** The benchmarking range all simulated routers live in (RFC 2544). */
export const ROUTER_RANGE = "198.18.0.0/15";

const execFileAsync = promisify(execFile);
const NETNS_PREFIX = "vr-";
const BRIDGE_PREFIX = "vrb-";
const VETH_PREFIX = "vrv-";
/** Interface names are limited to 15 characters (IFNAMSIZ − 1): "vrv-" + 7 + "-" + 3 digits. */
const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,6}$/;
const FIRST_HOST = 10;
const MAX_ROUTERS = 254 - FIRST_HOST + 1;
const PARALLEL_SETUP = 16;
/** Which process created which world, so that stale-world cleanup spares worlds still in use. */
const OWNER_DIR = "/run/vpcrouter-router-worlds";
const LISTENER_START_TIMEOUT_MS = 10_000;

/**
 * A TCP server run inside a namespace with `node -e`: accepts and immediately closes connections,
 * prints "listening" once bound, and exits when its stdin closes (i.e. when the test process dies).
 * Arguments: host, port.
 */
const LISTENER_SCRIPT = `
const net = require("node:net");
const [host, port] = process.argv.slice(1);
const server = net.createServer((socket) => socket.destroy());
server.on("error", (error) => { process.stderr.write(String(error.message) + "\\n"); process.exit(1); });
server.listen(Number(port), host, () => process.stdout.write("listening\\n"));
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
`;

/** Options of {@link RouterWorld.create}. */
export interface RouterWorldOptions {
  /**
   * Short unique tag used in bridge, veth and namespace names: 1–7 characters of `a-z0-9-`,
   * starting with a letter or digit (interface names must stay ≤ 15 characters).
   */
  name: string;
  /** Third octet (0..255): routers get 198.18.<subnet>.<10+i>, the bridge 198.18.<subnet>.1/24. */
  subnet: number;
}

interface Router {
  readonly index: number;
  readonly ip: string;
  readonly netns: string;
  readonly veth: string;
}

interface Listener {
  readonly routerIp: string;
  readonly child: ChildProcess;
}

/** A set of simulated routers on one bridge. */
export class RouterWorld {
  /** Router addresses in creation order. Removing a router does not shrink this list. */
  readonly routerIps: readonly string[];
  private readonly routers: ReadonlyMap<string, Router>;
  private readonly removed = new Set<string>();
  private readonly listeners: Listener[] = [];
  private destroying: Promise<void> | undefined;

  private constructor(
    /** The world's tag. */
    readonly name: string,
    /** The world's subnet (third octet). */
    readonly subnet: number,
    routers: readonly Router[],
  ) {
    this.routerIps = routers.map((r) => r.ip);
    this.routers = new Map(routers.map((r) => [r.ip, r]));
  }

  /**
   * Creates the bridge and `routerCount` router namespaces, after making sure the guard route
   * `unreachable 198.18.0.0/15` exists in the root namespace. Routers answer ICMP echo (the
   * kernel does) as soon as this resolves, give or take neighbour discovery.
   * @param routerCount 1..245
   * @throws Error when not root, when `ip netns` is unusable, on invalid options, when the name or
   *   subnet is already in use, or when an `ip` command fails (everything created is removed again)
   */
  static async create(options: RouterWorldOptions, routerCount: number): Promise<RouterWorld> {
    validateName(options.name);
    if (!Number.isInteger(options.subnet) || options.subnet < 0 || options.subnet > 255) {
      throw new RangeError(`subnet must be an integer 0..255, got ${options.subnet}`);
    }
    if (!Number.isInteger(routerCount) || routerCount < 1 || routerCount > MAX_ROUTERS) {
      throw new RangeError(`routerCount must be an integer 1..${MAX_ROUTERS}, got ${routerCount}`);
    }
    await requireIpNetns();
    await ensureGuardRoute();
    await requireUnused(options.name, options.subnet);

    const { name, subnet } = options;
    const routers = Array.from({ length: routerCount }, (_, index) => routerPlan(name, subnet, index));
    try {
      await writeOwner(name);
      const bridge = bridgeName(name);
      await ip("link", "add", "name", bridge, "type", "bridge");
      await ip("addr", "add", `198.18.${subnet}.1/24`, "dev", bridge);
      await ip("link", "set", "dev", bridge, "up");
      // The first `ip netns add` of a boot sets up /run/netns; do it alone, then go parallel.
      const [first, ...rest] = routers;
      if (first) await createRouter(first, bridge);
      for (let i = 0; i < rest.length; i += PARALLEL_SETUP) {
        await Promise.all(rest.slice(i, i + PARALLEL_SETUP).map((r) => createRouter(r, bridge)));
      }
    } catch (error) {
      await destroyRouterWorld(name);
      throw error;
    }
    return new RouterWorld(name, subnet, routers);
  }

  /**
   * Re-opens a world created by another process (e.g. by the CLI) from the namespaces and bridge
   * that exist. Listeners of the other process are not adopted.
   * @throws Error when no world with this name exists
   */
  static async attach(name: string): Promise<RouterWorld> {
    validateName(name);
    await requireIpNetns();
    const subnet = await bridgeSubnet(name);
    if (subnet === undefined) throw new Error(`no router world named ${JSON.stringify(name)} (no bridge)`);
    const indexes = (await listNetns())
      .map((netns) => parseIndexedName(NETNS_PREFIX, name, netns))
      .filter((index): index is number => index !== undefined)
      .sort((a, b) => a - b);
    return new RouterWorld(
      name,
      subnet,
      indexes.map((index) => routerPlan(name, subnet, index)),
    );
  }

  /** The network namespace of router `ip` (for `ip netns exec <netns> …` in tests). */
  netnsOf(ip: string): string {
    return this.liveRouter(ip).netns;
  }

  /** Takes the router's `eth0` down inside its namespace: it stops answering anything. */
  async linkDown(ip: string): Promise<void> {
    const router = this.liveRouter(ip);
    await ipIn(router.netns, "link", "set", "dev", "eth0", "down");
  }

  /** Brings the router's `eth0` back up (its address is kept while down). */
  async linkUp(ip: string): Promise<void> {
    const router = this.liveRouter(ip);
    await ipIn(router.netns, "link", "set", "dev", "eth0", "up");
  }

  /** Deletes the router: its listeners, its veth pair and its namespace. */
  async removeRouter(ip: string): Promise<void> {
    const router = this.liveRouter(ip);
    this.removed.add(ip);
    await Promise.all(this.listeners.filter((l) => l.routerIp === ip).map((l) => killChild(l.child)));
    await deleteRouter(router.netns, router.veth);
  }

  /**
   * Starts a TCP listener on `ip`:`port` inside the router's namespace (a `node` child process run
   * through `ip netns exec`) and waits until it is bound. It is killed by {@link destroy} or
   * {@link removeRouter}.
   * @throws Error when the listener does not come up within 10 s (e.g. port in use)
   */
  async startTcpListener(ip: string, port: number): Promise<void> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`bad port ${port}`);
    await this.startChild(
      ip,
      ["-e", LISTENER_SCRIPT, ip, String(port)],
      "listening",
      `TCP listener on ${ip}:${port}`,
    );
  }

  /**
   * Impairs the router's answers to ICMP echo, as `tc netem` would (this kernel has no sch_netem):
   * its kernel stops answering echo, and a responder in its namespace (impaired-responder.ts)
   * answers after `delayMs` + up to `jitterMs` (uniform), dropping a `loss` share (0..1). Undone
   * by {@link destroy} or {@link removeRouter} only.
   */
  async impair(ip: string, impairment: { loss: number; delayMs: number; jitterMs: number }): Promise<void> {
    const router = this.liveRouter(ip);
    await execFileAsync("ip", [
      "netns",
      "exec",
      router.netns,
      "sysctl",
      "-q",
      "-w",
      "net.ipv4.icmp_echo_ignore_all=1",
    ]);
    const responder = new URL("./impaired-responder.ts", import.meta.url).pathname;
    const args = [
      "--loss",
      String(impairment.loss),
      "--delay-ms",
      String(impairment.delayMs),
      "--jitter-ms",
      String(impairment.jitterMs),
    ];
    await this.startChild(
      ip,
      ["--import", "tsx", responder, ...args],
      "ready",
      `impaired responder of ${ip}`,
    );
  }

  /**
   * Runs `node <args>` in the router's namespace (through `ip netns exec`) until it prints `ready`;
   * it is killed by {@link destroy} or {@link removeRouter}.
   * @throws Error when it exits or does not print `ready` within 10 s
   */
  private async startChild(ip: string, args: readonly string[], ready: string, what: string): Promise<void> {
    const router = this.liveRouter(ip);
    const child = spawn("ip", ["netns", "exec", router.netns, process.execPath, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.listeners.push({ routerIp: ip, child });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", (error) => {
      stderr += error.message;
    });
    try {
      await waitFor(
        () => {
          if (stdout.includes(ready)) return true;
          if (child.exitCode !== null || child.signalCode !== null)
            throw new Error(`exited: ${stderr.trim()}`);
          return false;
        },
        { timeoutMs: LISTENER_START_TIMEOUT_MS, intervalMs: 10, message: `${what} did not start` },
      );
    } catch (error) {
      await killChild(child);
      throw error;
    }
  }

  /**
   * Kills listeners and removes namespaces, veths and the bridge. The guard route stays (other
   * worlds may rely on it). Safe to call twice; never throws.
   */
  destroy(): Promise<void> {
    this.destroying ??= (async () => {
      await Promise.all(this.listeners.map((l) => killChild(l.child)));
      await destroyRouterWorld(this.name);
    })();
    return this.destroying;
  }

  private liveRouter(ip: string): Router {
    const router = this.routers.get(ip);
    if (!router) throw new Error(`${ip} is not a router of world ${this.name}`);
    if (this.removed.has(ip)) throw new Error(`router ${ip} of world ${this.name} was removed`);
    return router;
  }
}

/**
 * Adds `unreachable 198.18.0.0/15` to the root namespace's main table unless it is there
 * (idempotent, safe against a concurrent add by another process).
 * @throws Error when the route cannot be added (e.g. another route for that exact prefix exists)
 */
export async function ensureGuardRoute(): Promise<void> {
  if (await hasGuardRoute()) return;
  try {
    await ip("route", "add", "unreachable", ROUTER_RANGE);
  } catch (error) {
    if (!(await hasGuardRoute())) throw error;
  }
}

/** Whether the root namespace routes 198.18.0.0/15 as `unreachable`. */
export async function hasGuardRoute(): Promise<boolean> {
  const out = await ip("-j", "route", "show", "exact", ROUTER_RANGE);
  const routes = parseJsonArray(out);
  return routes.some((r) => field(r, "type") === "unreachable" && field(r, "dst") === ROUTER_RANGE);
}

/**
 * Removes everything of world `name` (listener processes inside its namespaces, veths,
 * namespaces, bridge, owner record), whichever process created it. Never throws.
 */
export async function destroyRouterWorld(name: string): Promise<void> {
  if (!NAME_PATTERN.test(name)) return;
  const netnsIndexes = (await listNetns().catch(() => []))
    .map((netns) => parseIndexedName(NETNS_PREFIX, name, netns))
    .filter((index): index is number => index !== undefined);
  const vethIndexes = (await listLinks().catch(() => []))
    .map((link) => parseIndexedName(VETH_PREFIX, name, link))
    .filter((index): index is number => index !== undefined);
  const indexes = [...new Set([...netnsIndexes, ...vethIndexes])];
  await Promise.all(indexes.map((i) => deleteRouter(netnsName(name, i), vethName(name, i))));
  await ip("link", "del", "dev", bridgeName(name)).catch(() => undefined);
  await rm(join(OWNER_DIR, name), { force: true }).catch(() => undefined);
}

/**
 * Removes worlds whose name starts with `tagPrefix` and whose creating process is gone (crashed
 * runs, CLI-created worlds). Worlds whose creator is still alive are left alone, so tests running
 * in parallel do not destroy each other's worlds. Never throws.
 */
export async function cleanupStaleRouterWorlds(tagPrefix: string): Promise<void> {
  const names = new Set<string>();
  for (const netns of await listNetns().catch(() => [])) {
    const name = parseWorldName(NETNS_PREFIX, netns, true);
    if (name !== undefined) names.add(name);
  }
  for (const link of await listLinks().catch(() => [])) {
    const name = parseWorldName(VETH_PREFIX, link, true) ?? parseWorldName(BRIDGE_PREFIX, link, false);
    if (name !== undefined) names.add(name);
  }
  for (const name of names) {
    if (!name.startsWith(tagPrefix)) continue;
    if (await ownerAlive(name)) continue;
    await destroyRouterWorld(name);
  }
}

// ---- naming ---------------------------------------------------------------------------------

function validateName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new RangeError(
      `world name must be 1-7 chars of a-z0-9- (not starting with -), got ${JSON.stringify(name)}`,
    );
  }
}

function netnsName(name: string, index: number): string {
  return `${NETNS_PREFIX}${name}-${index}`;
}

function vethName(name: string, index: number): string {
  return `${VETH_PREFIX}${name}-${index}`;
}

function bridgeName(name: string): string {
  return `${BRIDGE_PREFIX}${name}`;
}

function routerPlan(name: string, subnet: number, index: number): Router {
  return {
    index,
    ip: `198.18.${subnet}.${FIRST_HOST + index}`,
    netns: netnsName(name, index),
    veth: vethName(name, index),
  };
}

/** `<prefix><name>-<index>` → index, for exactly this world name. */
function parseIndexedName(prefix: string, name: string, candidate: string): number | undefined {
  const head = `${prefix}${name}-`;
  if (!candidate.startsWith(head)) return undefined;
  const rest = candidate.slice(head.length);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}

/** `<prefix><name>[-<index>]` → name. */
function parseWorldName(prefix: string, candidate: string, indexed: boolean): string | undefined {
  if (!candidate.startsWith(prefix)) return undefined;
  const rest = candidate.slice(prefix.length);
  const match = indexed ? /^(.+)-\d+$/.exec(rest) : /^(.+)$/.exec(rest);
  const name = match?.[1];
  return name !== undefined && NAME_PATTERN.test(name) ? name : undefined;
}

// ---- setup and teardown steps --------------------------------------------------------------

async function createRouter(router: Router, bridge: string): Promise<void> {
  await ip("netns", "add", router.netns);
  await ip("link", "add", "name", router.veth, "type", "veth", "peer", "name", "eth0", "netns", router.netns);
  await ip("link", "set", "dev", router.veth, "master", bridge, "up");
  await ipIn(router.netns, "link", "set", "dev", "lo", "up");
  await ipIn(router.netns, "addr", "add", `${router.ip}/24`, "dev", "eth0");
  await ipIn(router.netns, "link", "set", "dev", "eth0", "up");
}

/**
 * Kills what runs inside the namespace (only our listeners ever do), deletes the veth pair (which
 * is synchronous, unlike the kernel's deferred cleanup of a deleted namespace's devices), then the
 * namespace. Never throws.
 */
async function deleteRouter(netns: string, veth: string): Promise<void> {
  const pids = await ip("netns", "pids", netns).catch(() => "");
  for (const pid of pids.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  await ip("link", "del", "dev", veth).catch(() => undefined);
  await ip("netns", "del", netns).catch(() => undefined);
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())]);
}

// ---- checks ---------------------------------------------------------------------------------

async function requireIpNetns(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error("RouterWorld needs root: it creates network namespaces, veths and bridges (ip netns)");
  }
  try {
    await ip("netns", "list");
  } catch (error) {
    throw new Error(`'ip netns' is not usable (is iproute2 installed?): ${message(error)}`);
  }
}

async function requireUnused(name: string, subnet: number): Promise<void> {
  const links = await listLinks();
  const netns = await listNetns();
  if (
    links.includes(bridgeName(name)) ||
    links.some((l) => parseIndexedName(VETH_PREFIX, name, l) !== undefined) ||
    netns.some((n) => parseIndexedName(NETNS_PREFIX, name, n) !== undefined)
  ) {
    throw new Error(`router world name ${JSON.stringify(name)} is in use (destroy it or pick another name)`);
  }
  const addresses = parseJsonArray(await ip("-j", "-4", "addr", "show"));
  for (const link of addresses) {
    const infos = (link as { addr_info?: unknown }).addr_info;
    if (!Array.isArray(infos)) continue;
    for (const info of infos) {
      const local = field(info, "local");
      if (local?.startsWith(`198.18.${subnet}.`)) {
        throw new Error(
          `subnet 198.18.${subnet}.0/24 is in use by ${field(link, "ifname") ?? "?"} (pick another)`,
        );
      }
    }
  }
}

async function bridgeSubnet(name: string): Promise<number | undefined> {
  const out = await ip("-j", "-4", "addr", "show", "dev", bridgeName(name)).catch(() => "");
  for (const link of parseJsonArray(out)) {
    const infos = (link as { addr_info?: unknown }).addr_info;
    if (!Array.isArray(infos)) continue;
    for (const info of infos) {
      const match = /^198\.18\.(\d+)\.1$/.exec(field(info, "local") ?? "");
      if (match) return Number(match[1]);
    }
  }
  return undefined;
}

// ---- ownership ------------------------------------------------------------------------------

async function writeOwner(name: string): Promise<void> {
  await mkdir(OWNER_DIR, { recursive: true });
  await writeFile(join(OWNER_DIR, name), `${process.pid}\n`);
}

async function ownerAlive(name: string): Promise<boolean> {
  const text = await readFile(join(OWNER_DIR, name), "utf8").catch(() => "");
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---- ip(8) ----------------------------------------------------------------------------------

/** Runs `ip <args>` and returns stdout. @throws Error with the command and ip's stderr. */
async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync("ip", args, { encoding: "utf8" });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const detail = typeof stderr === "string" && stderr.trim() !== "" ? stderr.trim() : message(error);
    throw new Error(`ip ${args.join(" ")}: ${detail}`);
  }
}

/** `ip -n <netns> <args>`: runs the command inside the namespace. */
function ipIn(netns: string, ...args: string[]): Promise<string> {
  return ip("-n", netns, ...args);
}

async function listNetns(): Promise<string[]> {
  const out = await ip("netns", "list");
  return out
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0] ?? "")
    .filter((name) => name !== "");
}

async function listLinks(): Promise<string[]> {
  return parseJsonArray(await ip("-j", "link", "show"))
    .map((link) => field(link, "ifname"))
    .filter((name): name is string => name !== undefined);
}

function parseJsonArray(text: string): unknown[] {
  if (text.trim() === "") return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed : [];
}

function field(value: unknown, key: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = (value as Record<string, unknown>)[key];
  return typeof v === "string" ? v : undefined;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
