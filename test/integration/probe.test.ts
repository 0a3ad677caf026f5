/**
 * Probes and the health monitor against real routers: network namespaces on a bridge in
 * 198.18.202.0/24 (test/support/router-namespaces.ts). Needs root. Every packet goes to those
 * namespaces, to loopback, or to 198.19.255.254, which the guard route makes unreachable locally.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { pino } from "pino";
import { loadConfig } from "../../src/config/load.js";
import { builtInPlugins } from "../../src/plugin/built-ins.js";
import { PluginFaults } from "../../src/plugin/plugin-faults.js";
import { loadPluginSet } from "../../src/plugin/plugin-set.js";
import { startHealthChecks } from "../../src/plugin/start-health-checks.js";
import { HealthMonitor } from "../../src/probe/health-monitor.js";
import { IcmpEchoProbe } from "../../src/probe/icmp-echo.js";
import type { Probe } from "../../src/probe/probe.js";
import { TcpProbe } from "../../src/probe/tcp.js";
import { cleanupStaleRouterWorlds, hasGuardRoute, RouterWorld } from "../support/router-namespaces.js";
import { waitFor } from "../support/wait.js";

const WORLD = { name: "probeit", subnet: 202 };
const TCP_PORT = 7001;
const TIMEOUT_MS = 300;
/** On the bridge's subnet, but no namespace has it: ARP goes unanswered. */
const NO_HOST_ON_BRIDGE = "198.18.202.250";
/** Inside 198.18.0.0/15 but on no bridge: only the guard route matches. */
const NO_ROUTE = "198.19.255.254";
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The bridge's address: where routers' replies to the root namespace go. */
const BRIDGE_IP = "198.18.202.1";
const run = promisify(execFile);

/**
 * Sends ICMP echo replies (type 0) to argv[1], one per "identifier:sequence" argument, from a raw
 * socket; checksum per RFC 1071 via raw-socket's helper. Run inside a router namespace.
 */
const FORGE_REPLIES = `
const raw = require("raw-socket");
const [destination, ...pairs] = process.argv.slice(1);
const socket = raw.createSocket({ protocol: raw.Protocol.ICMP });
let sent = 0;
for (const pair of pairs) {
  const [identifier, sequence] = pair.split(":").map(Number);
  const packet = Buffer.alloc(16);
  packet.writeUInt16BE(identifier, 4);
  packet.writeUInt16BE(sequence, 6);
  raw.writeChecksum(packet, 2, raw.createChecksum(packet));
  socket.send(packet, 0, packet.length, destination, (error) => {
    if (error) { process.stderr.write(error.message + "\\n"); process.exit(1); }
    if (++sent === pairs.length) socket.close();
  });
}
`;

/** Runs FORGE_REPLIES inside `netns`, sending to the bridge address. */
async function forgeReplies(netns: string, pairs: string[]): Promise<void> {
  const args = ["netns", "exec", netns, process.execPath, "-e", FORGE_REPLIES, BRIDGE_IP, ...pairs];
  await run("ip", args, { cwd: REPO_ROOT });
}

/** The built-in health checks `multiPlugins` names, started as the daemon starts them (fall 2). */
async function startChecks(multiPlugins: string[]) {
  const config = loadConfig({
    overrides: {
      "probe.health": "multi",
      "probe.multiPlugins": multiPlugins,
      "probe.tcpCheckPort": TCP_PORT,
    },
  });
  const set = await loadPluginSet(
    { mode: "etcd", health: "multi", multiPlugins },
    { builtIns: builtInPlugins() },
  );
  const faults = new PluginFaults(pino({ level: "silent" }));
  return startHealthChecks(set.healthChecks, config, faults, {
    intervalMs: 100,
    timeoutMs: TIMEOUT_MS - 100,
    fall: 2,
    rise: 2,
  });
}

let world: RouterWorld;
let icmp: IcmpEchoProbe;
const probes: Probe[] = [];
/** Routers by role; each test leaves its routers as it found them (link up). */
let live: string;
let flapping: string;
let noListener: string;
let doomed: string;

function track<P extends Probe>(probe: P): P {
  probes.push(probe);
  return probe;
}

describe("probes against router namespaces", () => {
  before(async () => {
    await cleanupStaleRouterWorlds(WORLD.name);
    world = await RouterWorld.create(WORLD, 4);
    [live = "", flapping = "", noListener = "", doomed = ""] = world.routerIps;
    await world.startTcpListener(live, TCP_PORT);
    icmp = track(new IcmpEchoProbe());
    // Routers answer as soon as neighbour discovery settles.
    for (const ip of world.routerIps) {
      await waitFor(() => icmp.check(ip, TIMEOUT_MS), {
        timeoutMs: 10_000,
        message: `router ${ip} never answered`,
      });
    }
  });

  after(async () => {
    for (const probe of probes) probe.close();
    await world?.destroy();
  });

  it("has the unreachable guard route for 198.18.0.0/15 in the root namespace", async () => {
    assert.equal(await hasGuardRoute(), true);
    assert.deepEqual(world.routerIps, ["198.18.202.10", "198.18.202.11", "198.18.202.12", "198.18.202.13"]);
  });

  describe("IcmpEchoProbe", () => {
    it("sees a live router as up and a link-down router as down, then up again", async () => {
      assert.equal(await icmp.check(live, TIMEOUT_MS), true);
      assert.equal(icmp.lastError, undefined);
      await world.linkDown(flapping);
      try {
        assert.equal(await icmp.check(flapping, TIMEOUT_MS), false);
        assert.equal(await icmp.check(live, TIMEOUT_MS), true);
      } finally {
        await world.linkUp(flapping);
      }
      await waitFor(() => icmp.check(flapping, TIMEOUT_MS), {
        timeoutMs: 5000,
        message: "no answer after link up",
      });
    });

    it("sees an address without a host as down", async () => {
      const started = performance.now();
      assert.equal(await icmp.check(NO_HOST_ON_BRIDGE, TIMEOUT_MS), false);
      assert.ok(performance.now() - started >= TIMEOUT_MS - 5, "gave up before the timeout");
      // The guard route makes the kernel refuse the packet outright.
      assert.equal(await icmp.check(NO_ROUTE, TIMEOUT_MS), false);
      assert.match(icmp.lastError?.message ?? "", /unreachable|no route/i);
    });

    it("sees a removed router as down", async () => {
      await world.removeRouter(doomed);
      assert.equal(await icmp.check(doomed, TIMEOUT_MS), false);
    });

    it("lets two probes with their own identifiers share the socket and get their own answers", async () => {
      const first = track(new IcmpEchoProbe({ identifier: 0x1111 }));
      const second = track(new IcmpEchoProbe({ identifier: 0x2222 }));
      assert.throws(() => new IcmpEchoProbe({ identifier: 0x1111 }), RangeError);
      // Same target, same sequence numbers, concurrently: each must see only its own replies.
      const both = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? first : second).check(live, TIMEOUT_MS)),
      );
      assert.deepEqual(both, Array(20).fill(true));
      await world.linkDown(flapping);
      try {
        const [up, down] = await Promise.all([
          first.check(live, TIMEOUT_MS),
          second.check(flapping, TIMEOUT_MS),
        ]);
        assert.deepEqual({ up, down }, { up: true, down: false });
      } finally {
        await world.linkUp(flapping);
      }
    });

    it("accepts only replies carrying its own identifier and a pending sequence", async () => {
      // The router stops answering pings; a script inside its namespace then forges echo replies
      // (source = the router's address) for chosen identifiers and sequences.
      const netns = world.netnsOf(noListener);
      const mine = track(new IcmpEchoProbe({ identifier: 0x3333 }));
      const other = track(new IcmpEchoProbe({ identifier: 0x4444 }));
      await run("ip", ["netns", "exec", netns, "sysctl", "-qw", "net.ipv4.icmp_echo_ignore_all=1"]);
      try {
        assert.equal(await mine.check(noListener, TIMEOUT_MS), false, "router still answers pings");
        const started = performance.now();
        // Pending now: mine seq 2, other seq 1.
        const checks = Promise.all([mine.check(noListener, 3000), other.check(noListener, 1000)]);
        // None of these is for `other` (identifier 0x4444 = 17476, pending sequence 1): a foreign
        // identifier with its sequence, its identifier with a wrong sequence, and its exact pair
        // from the wrong router. Then mine's pair (0x3333 = 13107, sequence 2).
        await forgeReplies(netns, ["13107:1", "17476:9"]);
        await forgeReplies(world.netnsOf(live), ["17476:1"]);
        await forgeReplies(netns, ["13107:2"]);
        const [mineAnswered, otherAnswered] = await checks;
        assert.equal(mineAnswered, true);
        assert.ok(
          performance.now() - started < 2500,
          "mine resolved by its timeout, not by the forged reply",
        );
        assert.equal(otherAnswered, false, "accepted a reply with a foreign identifier, sequence or source");
      } finally {
        await run("ip", ["netns", "exec", netns, "sysctl", "-qw", "net.ipv4.icmp_echo_ignore_all=0"]);
      }
    });

    it("resolves false and reports the reason without CAP_NET_RAW", async () => {
      const script = `
        const { IcmpEchoProbe } = await import(process.argv[1]);
        const probe = new IcmpEchoProbe();
        const answered = await probe.check("127.0.0.1", 300);
        process.stdout.write(JSON.stringify({ answered, lastError: probe.lastError?.message }));
        probe.close();`;
      const { stdout } = await run(
        "setpriv",
        [
          "--inh-caps=-net_raw",
          "--bounding-set=-net_raw",
          process.execPath,
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          script,
          fileURLToPath(new URL("../../src/probe/icmp-echo.ts", import.meta.url)),
        ],
        { cwd: REPO_ROOT, timeout: 20_000 },
      );
      assert.deepEqual(JSON.parse(stdout), { answered: false, lastError: "Operation not permitted" });
    });
  });

  describe("TcpProbe and MultiProbe", () => {
    it("sees a router up with a listener in its namespace and down without", async () => {
      const tcp = track(new TcpProbe(TCP_PORT));
      assert.equal(await tcp.check(live, TIMEOUT_MS), true);
      assert.equal(await tcp.check(noListener, TIMEOUT_MS), false);
      assert.equal(await tcp.check(live, TIMEOUT_MS), true, "the listener survives a probe");
      await world.linkDown(live);
      try {
        assert.equal(await tcp.check(live, TIMEOUT_MS), false);
      } finally {
        await world.linkUp(live);
      }
      await waitFor(() => tcp.check(live, TIMEOUT_MS), {
        timeoutMs: 5000,
        message: "tcp not back after link up",
      });
    });

    it("multi (the built-in icmpecho and tcp plugins) fails when tcp fails even though icmp succeeds", async () => {
      const checks = await startChecks(["icmpecho", "tcp"]);
      try {
        assert.equal(await icmp.check(noListener, TIMEOUT_MS), true);
        checks.health.setHosts([noListener, live]);
        checks.health.start();
        await waitFor(() => checks.health.failed().has(noListener), {
          timeoutMs: 5000,
          message: "the router without a TCP listener is not failed",
        });
        assert.deepEqual([...checks.health.failed()], [noListener]);
        assert.match(checks.reasons([noListener])[noListener] ?? "", /^tcp: no TCP connection to port 7001/);
      } finally {
        await checks.health.stop();
        checks.close();
      }
    });

    it("multi runs only the plugins --multi_plugins names", async () => {
      const checks = await startChecks(["icmpecho"]);
      try {
        checks.health.setHosts([noListener]);
        checks.health.start();
        // Checked more often than fall, never failed: tcp is not part of this multi.
        await waitFor(() => (checks.health.snapshot().get(noListener)?.consecutiveSuccesses ?? 0) >= 3, {
          timeoutMs: 5000,
          message: "icmpecho did not check the router",
        });
        assert.equal(checks.health.failed().size, 0);
      } finally {
        await checks.health.stop();
        checks.close();
      }
    });
  });

  describe("HealthMonitor with ICMP echo", () => {
    it("marks a router failed after link down and healthy again after link up", async () => {
      const monitor = new HealthMonitor({ intervalMs: 100, timeoutMs: 80, fall: 2, rise: 2, probe: icmp });
      const changes: string[][] = [];
      monitor.on("change", (failed: ReadonlySet<string>) => changes.push([...failed]));
      monitor.setHosts([live, flapping]);
      monitor.start();
      try {
        await waitFor(() => (monitor.snapshot().get(flapping)?.consecutiveSuccesses ?? 0) >= 1, {
          timeoutMs: 3000,
          message: "monitor never probed",
        });
        assert.deepEqual(changes, []);

        await world.linkDown(flapping);
        await waitFor(() => monitor.failed().has(flapping), {
          timeoutMs: 3000,
          message: "not marked failed",
        });
        assert.ok((monitor.snapshot().get(flapping)?.consecutiveFailures ?? 0) >= 2);
        assert.deepEqual([...monitor.failed()], [flapping]);

        await world.linkUp(flapping);
        await waitFor(() => monitor.failed().size === 0, { timeoutMs: 5000, message: "not healthy again" });
        assert.ok((monitor.snapshot().get(flapping)?.consecutiveSuccesses ?? 0) >= 2);
        assert.deepEqual(changes, [[flapping], []]);
        assert.equal(monitor.snapshot().get(live)?.healthy, true);
      } finally {
        await monitor.stop();
        await world.linkUp(flapping);
      }
    });
  });
});
