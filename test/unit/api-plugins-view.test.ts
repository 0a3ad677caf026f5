/**
 * `GET /plugins`, pure: one entry for the spec mode (vpc-router's watcher plugin) and one for the
 * health check, in the shapes of romana/vpc-router's plugins' `get_info()`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildPluginsView, measurementOf } from "../../src/api/plugins-view.js";
import { loadConfig } from "../../src/config/load.js";
import type { VpcrouterConfig } from "../../src/config/schema.js";
import type { HostHealth } from "../../src/probe/health-monitor.js";

function config(change: (config: VpcrouterConfig) => void): VpcrouterConfig {
  const loaded = loadConfig({ overrides: { "replica.id": "r1" } });
  change(loaded);
  return loaded;
}

const NO_PROBES = { probes: new Map<string, HostHealth>() };

describe("watcher plugin (spec mode)", () => {
  it("etcd: endpoints and prefix", () => {
    const view = buildPluginsView(
      config(() => undefined),
      NO_PROBES,
    );
    assert.deepEqual(view.etcd, {
      version: "built-in",
      params: { endpoints: ["127.0.0.1:2379"], prefix: "/vpcrouter" },
    });
  });

  it("http: the prefix POSTed specs are stored under", () => {
    const view = buildPluginsView(
      config((c) => (c.spec.mode = "http")),
      NO_PROBES,
    );
    assert.deepEqual(view.http, { version: "built-in", params: { prefix: "/vpcrouter" } });
    assert.equal(view.etcd, undefined);
  });

  it("configfile: file and last_route_spec_update", () => {
    const c = config((c) => {
      c.spec.mode = "configfile";
      c.spec.file = "/etc/spec.json";
    });
    assert.deepEqual(buildPluginsView(c, NO_PROBES).configfile, {
      version: "built-in",
      params: { file: "/etc/spec.json" },
      stats: { last_route_spec_update: "(no update, yet)" },
    });
    const updated = buildPluginsView(c, { ...NO_PROBES, specSourceUpdatedAt: "2026-11-02T10:00:00.000Z" });
    assert.deepEqual((updated.configfile as { stats: unknown }).stats, {
      last_route_spec_update: "2026-11-02T10:00:00.000Z",
    });
  });

  it("fixedconf: fixed_cidr and fixed_hosts joined with ':' as on vpc-router's command line", () => {
    const c = config((c) => {
      c.spec.mode = "fixedconf";
      c.spec.fixedCidr = "10.55.16.0/24";
      c.spec.fixedHosts = ["10.33.20.142", "10.33.20.93"];
    });
    assert.deepEqual(buildPluginsView(c, NO_PROBES).fixedconf, {
      version: "built-in",
      params: { fixed_cidr: "10.55.16.0/24", fixed_hosts: "10.33.20.142:10.33.20.93" },
    });
  });
});

describe("health plugin", () => {
  it("icmpecho: icmp_check_interval in seconds, thresholds, stats", () => {
    const view = buildPluginsView(
      config(() => undefined),
      NO_PROBES,
    );
    assert.deepEqual(view.icmpecho, {
      version: "built-in",
      params: { icmp_check_interval: 0.3, timeout_ms: 100, fall: 3, rise: 5 },
      stats: { measurements: [] },
    });
  });

  it("tcp: tcp_check_interval and tcp_check_port", () => {
    const c = config((c) => {
      c.probe.health = "tcp";
      c.probe.tcpCheckPort = 80;
      c.probe.intervalMs = 2000;
    });
    const entry = buildPluginsView(c, NO_PROBES).tcp as { params: unknown };
    assert.deepEqual(entry.params, {
      tcp_check_interval: 2,
      tcp_check_port: 80,
      timeout_ms: 100,
      fall: 3,
      rise: 5,
    });
  });

  it("multi: sub-plugins and multi_plugins joined with ':'", () => {
    const c = config((c) => {
      c.probe.health = "multi";
      c.probe.multiPlugins = ["tcp", "icmpecho"];
    });
    const view = buildPluginsView(c, NO_PROBES);
    assert.deepEqual(Object.keys(view).sort(), ["etcd", "multi"]);
    assert.deepEqual(view.multi, {
      version: "built-in",
      "sub-plugins": {
        tcp: { version: "built-in", params: { tcp_check_interval: 0.3, tcp_check_port: 22 } },
        icmpecho: { version: "built-in", params: { icmp_check_interval: 0.3 } },
      },
      params: { multi_plugins: "tcp:icmpecho", timeout_ms: 100, fall: 3, rise: 5 },
      stats: { measurements: [] },
    });
  });
});

describe("probe measurement", () => {
  it("summarises each router's last check, RTTs in seconds", () => {
    const probes = new Map<string, HostHealth>([
      [
        "10.0.0.1",
        { healthy: true, consecutiveFailures: 0, consecutiveSuccesses: 9, lastCheckAt: 1000, lastRttMs: 4 },
      ],
      [
        "10.0.0.2",
        { healthy: true, consecutiveFailures: 0, consecutiveSuccesses: 9, lastCheckAt: 3000, lastRttMs: 1 },
      ],
      [
        "10.0.0.3",
        { healthy: true, consecutiveFailures: 0, consecutiveSuccesses: 9, lastCheckAt: 2000, lastRttMs: 2 },
      ],
      ["10.0.0.4", { healthy: false, consecutiveFailures: 3, consecutiveSuccesses: 0, lastCheckAt: 2500 }],
      ["10.0.0.5", { healthy: true, consecutiveFailures: 0, consecutiveSuccesses: 0 }],
    ]);
    assert.deepEqual(measurementOf(probes), [
      {
        time: new Date(3000).toISOString(),
        num_responses: 3,
        num_no_responses: 1,
        slowest: { ip: "10.0.0.1", rtt: 0.004 },
        fastest: { ip: "10.0.0.2", rtt: 0.001 },
        average_rtt: 0.007 / 3,
        median_rtt: 0.002,
      },
    ]);
  });

  it("has null RTTs when nothing answered, and an even median is the mean of the middle two", () => {
    const silent = new Map<string, HostHealth>([
      ["10.0.0.4", { healthy: false, consecutiveFailures: 3, consecutiveSuccesses: 0, lastCheckAt: 10 }],
    ]);
    const [m] = measurementOf(silent);
    assert.equal(m?.num_responses, 0);
    assert.equal(m?.slowest, null);
    assert.equal(m?.average_rtt, null);
    assert.equal(m?.median_rtt, null);
    const two = new Map<string, HostHealth>([
      ["a", { healthy: true, consecutiveFailures: 0, consecutiveSuccesses: 1, lastCheckAt: 1, lastRttMs: 2 }],
      ["b", { healthy: true, consecutiveFailures: 0, consecutiveSuccesses: 1, lastCheckAt: 1, lastRttMs: 4 }],
    ]);
    assert.equal(measurementOf(two)[0]?.median_rtt, 0.003);
  });
});

describe("plugins loaded from a package or path", () => {
  const plugins = {
    "vpcrouter-plugin-http-json": { name: "http-json", location: "file:///opt/x/node_modules/p/index.js" },
    "./check.mjs": { name: "my-check", location: "file:///etc/vpcrouter/check.mjs" },
  };

  it("a spec source: under its plugin name, its module as version, its options as params", () => {
    const view = buildPluginsView(
      config((c) => {
        c.spec.mode = "vpcrouter-plugin-http-json";
        c.plugins = { "http-json": { url: "https://config.example/spec.json" } };
      }),
      { ...NO_PROBES, plugins, specSourceUpdatedAt: "2026-12-02T06:00:00.000Z" },
    );
    assert.deepEqual(view["http-json"], {
      version: "file:///opt/x/node_modules/p/index.js",
      params: { url: "https://config.example/spec.json" },
      stats: { last_route_spec_update: "2026-12-02T06:00:00.000Z" },
    });
    assert.equal(view["vpcrouter-plugin-http-json"], undefined);
  });

  it("multi with a built-in monitor and an external check: each sub-plugin with its version and options", () => {
    const view = buildPluginsView(
      config((c) => {
        c.probe.health = "multi";
        c.probe.multiPlugins = ["icmpecho", "ec2status", "./check.mjs"];
        c.plugins = { ec2status: { intervalMs: 5000 }, "my-check": { port: 8080 } };
      }),
      { ...NO_PROBES, plugins },
    );
    const multi = view.multi as { "sub-plugins": Record<string, unknown>; params: Record<string, unknown> };
    assert.deepEqual(multi["sub-plugins"], {
      icmpecho: { version: "built-in", params: { icmp_check_interval: 0.3 } },
      ec2status: { version: "built-in", params: { intervalMs: 5000 } },
      "my-check": { version: "file:///etc/vpcrouter/check.mjs", params: { port: 8080 } },
    });
    assert.equal(multi.params.multi_plugins, "icmpecho:ec2status:./check.mjs");
  });
});
