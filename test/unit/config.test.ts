import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import convict from "convict";
import { Setting } from "../../src/config/declaration.js";
import { ConfigError, loadConfig, REDACTED, redactedConfig } from "../../src/config/load.js";
import { envNameOf, isSettingPath, SETTING_PATHS } from "../../src/config/paths.js";
import { configSchema, SETTINGS } from "../../src/config/schema.js";
import { builtInPlugins } from "../../src/plugin/built-ins.js";
import { optionSettingPath } from "../../src/plugin/option-settings.js";

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "vpcrouter-config-test-"));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeJson(name: string, value: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
}

/** Runs `fn` and returns the ConfigError it throws (fails the test when it does not throw one). */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a ConfigError");
}

describe("loadConfig defaults", () => {
  it("yields the documented defaults with no sources", () => {
    const config = loadConfig();
    assert.deepEqual(config.etcd.endpoints, ["127.0.0.1:2379"]);
    assert.equal(config.etcd.prefix, "/vpcrouter");
    assert.deepEqual(config.probe, {
      health: "icmpecho",
      intervalMs: 300,
      fastIntervalMs: 50,
      timeoutMs: 100,
      fall: 3,
      rise: 5,
      tcpCheckPort: 22,
      multiPlugins: ["icmpecho", "tcp"],
    });
    assert.deepEqual(config.election, { ttlSeconds: 5, safetyMarginMs: 1000 });
    assert.deepEqual(config.reconcile, {
      routeRecheckIntervalSeconds: 30,
      prune: "managed",
      ignoreRoutes: [],
      allowEmptySpec: false,
      dryRun: false,
    });
    assert.deepEqual(config.spec, { maxRoutes: 200, mode: "etcd", file: "", fixedCidr: "", fixedHosts: [] });
    assert.deepEqual(config.aws, {
      region: "",
      vpcId: "",
      routeTables: "all",
      fixSourceDestCheck: false,
      maxConcurrentCalls: 150,
      mutatingBurst: 50,
      mutatingRefillPerSecond: 5,
      nonMutatingBurst: 100,
      nonMutatingRefillPerSecond: 20,
      callTimeoutMs: 5000,
      maxRetries: 4,
      initialBackoffMs: 200,
      maxBackoffMs: 5000,
      breakerThreshold: 5,
      breakerHalfOpenAfterMs: 10000,
    });
    assert.deepEqual(config.api, {
      address: "127.0.0.1",
      port: 33289,
      writes: true,
      tokenFile: "",
      allowedOrigins: [],
      allowedHosts: [],
      tls: { cert: "", key: "", clientCa: "" },
      client: { cert: "", key: "", ca: "" },
    });
    assert.deepEqual(config.log, { level: "info", file: "" });
    assert.deepEqual(config.telemetry, { traces: "none", serviceName: "vpcrouter" });
    assert.equal(config.replica.zone, "");
  });

  it("uses the host name as replica id when none is set", () => {
    const expected = hostname().replace(/[^A-Za-z0-9._-]/g, "-");
    assert.equal(loadConfig().replica.id, expected);
  });

  it("config/default.json holds exactly the schema defaults", async () => {
    const file = JSON.parse(await readFile(new URL("../../config/default.json", import.meta.url), "utf8"));
    const schemaDefaults = convict(configSchema, { env: {}, args: [] }).getProperties();
    assert.deepEqual(file, schemaDefaults);
  });

  it("returns a fresh object each time", () => {
    const first = loadConfig();
    first.etcd.endpoints.push("mutated:1");
    assert.deepEqual(loadConfig().etcd.endpoints, ["127.0.0.1:2379"]);
  });
});

describe("loadConfig precedence: defaults < file < env < flags", () => {
  it("each source overrides the ones before it, setting by setting", async () => {
    const file = await writeJson("precedence.json", {
      probe: { intervalMs: 1000, fall: 7, rise: 9 },
      api: { port: 40000 },
    });
    const config = loadConfig({
      file,
      env: { VPCROUTER_PROBE_FALL: "8", VPCROUTER_PROBE_RISE: "10" },
      overrides: { "probe.rise": "11" },
    });
    assert.equal(config.probe.timeoutMs, 100, "default kept");
    assert.equal(config.probe.intervalMs, 1000, "file over default");
    assert.equal(config.api.port, 40000, "file over default");
    assert.equal(config.probe.fall, 8, "env over file");
    assert.equal(config.probe.rise, 11, "flag over env and file");
  });

  it("reads no environment variables unless given an env", () => {
    const previous = process.env.VPCROUTER_PROBE_FALL;
    process.env.VPCROUTER_PROBE_FALL = "9";
    try {
      assert.equal(loadConfig().probe.fall, 3);
      assert.equal(loadConfig({ env: process.env }).probe.fall, 9);
    } finally {
      if (previous === undefined) delete process.env.VPCROUTER_PROBE_FALL;
      else process.env.VPCROUTER_PROBE_FALL = previous;
    }
  });

  it("splits comma lists from env and flags into arrays", () => {
    const config = loadConfig({
      env: { VPCROUTER_ETCD_ENDPOINTS: "10.0.0.1:2379, etcd-b:2379" },
      overrides: { "reconcile.ignoreRoutes": "10.1.0.0/16, 192.168.0.0/24" },
    });
    assert.deepEqual(config.etcd.endpoints, ["10.0.0.1:2379", "etcd-b:2379"]);
    assert.deepEqual(config.reconcile.ignoreRoutes, ["10.1.0.0/16", "192.168.0.0/24"]);
  });

  it("accepts typed override values as well as text", () => {
    const config = loadConfig({ overrides: { "probe.intervalMs": 250, "probe.timeoutMs": "200" } });
    assert.equal(config.probe.intervalMs, 250);
    assert.equal(config.probe.timeoutMs, 200);
  });

  it("replaces arrays from a file instead of merging them", async () => {
    const file = await writeJson("arrays.json", { etcd: { endpoints: ["a:1", "b:2"] } });
    assert.deepEqual(loadConfig({ file }).etcd.endpoints, ["a:1", "b:2"]);
  });

  it("accepts https endpoints, IPv6 endpoints and the 0 recheck interval", () => {
    const config = loadConfig({
      overrides: {
        "etcd.endpoints": "https://etcd-a.example:2379,https://[fd00::1]:2379",
        "reconcile.routeRecheckIntervalSeconds": "0",
        "aws.vpcId": "vpc-0123456789abcdef0",
        "aws.region": "us-gov-west-1",
        "api.address": "::",
      },
    });
    assert.deepEqual(config.etcd.endpoints, ["https://etcd-a.example:2379", "https://[fd00::1]:2379"]);
    assert.equal(config.reconcile.routeRecheckIntervalSeconds, 0);
  });
});

describe("loadConfig rejects invalid values, naming the setting", () => {
  const cases: {
    name: string;
    overrides?: Record<string, unknown>;
    env?: NodeJS.ProcessEnv;
    setting: string;
  }[] = [
    {
      name: "timeout not below interval",
      overrides: { "probe.timeoutMs": "500" },
      setting: "probe.timeoutMs",
    },
    { name: "fall 0", overrides: { "probe.fall": "0" }, setting: "probe.fall" },
    { name: "rise 0", overrides: { "probe.rise": 0 }, setting: "probe.rise" },
    { name: "fall not a number", env: { VPCROUTER_PROBE_FALL: "3x" }, setting: "probe.fall" },
    { name: "fractional interval", overrides: { "probe.intervalMs": "500.5" }, setting: "probe.intervalMs" },
    { name: "api port 0", overrides: { "api.port": "0" }, setting: "api.port" },
    { name: "api port 65536", env: { VPCROUTER_API_PORT: "65536" }, setting: "api.port" },
    { name: "tcp check port", overrides: { "probe.tcpCheckPort": "-1" }, setting: "probe.tcpCheckPort" },
    { name: "prefix without /", overrides: { "etcd.prefix": "vpcrouter" }, setting: "etcd.prefix" },
    { name: "prefix with trailing /", overrides: { "etcd.prefix": "/vpcrouter/" }, setting: "etcd.prefix" },
    { name: "prefix /", overrides: { "etcd.prefix": "/" }, setting: "etcd.prefix" },
    { name: "no endpoints", overrides: { "etcd.endpoints": "" }, setting: "etcd.endpoints" },
    {
      name: "endpoint without port",
      overrides: { "etcd.endpoints": "127.0.0.1" },
      setting: "etcd.endpoints",
    },
    { name: "endpoint port 99999", overrides: { "etcd.endpoints": "a:99999" }, setting: "etcd.endpoints" },
    { name: "mixed schemes", overrides: { "etcd.endpoints": "https://a:1,b:2" }, setting: "etcd.endpoints" },
    { name: "vpc id", overrides: { "aws.vpcId": "subnet-12345678" }, setting: "aws.vpcId" },
    { name: "region", overrides: { "aws.region": "US-EAST-1" }, setting: "aws.region" },
    {
      name: "ignore route host bits",
      overrides: { "reconcile.ignoreRoutes": "10.0.0.1/8" },
      setting: "reconcile.ignoreRoutes",
    },
    {
      name: "ignore route prefix length 33",
      overrides: { "reconcile.ignoreRoutes": "10.0.0.0/33" },
      setting: "reconcile.ignoreRoutes",
    },
    {
      name: "ignore route not an address",
      env: { VPCROUTER_RECONCILE_IGNORE_ROUTES: "10.1.2" },
      setting: "reconcile.ignoreRoutes",
    },
    { name: "mode not a plugin name", overrides: { "spec.mode": "Foo Bar" }, setting: "spec.mode" },
    { name: "configfile without file", overrides: { "spec.mode": "configfile" }, setting: "spec.file" },
    {
      name: "configfile with a missing file",
      overrides: { "spec.mode": "configfile", "spec.file": "/_does_not_exist" },
      setting: "spec.file",
    },
    { name: "fixedconf without cidr", overrides: { "spec.mode": "fixedconf" }, setting: "spec.fixedCidr" },
    { name: "fixedconf without hosts", overrides: { "spec.mode": "fixedconf" }, setting: "spec.fixedHosts" },
    {
      name: "fixedconf bad cidr",
      overrides: { "spec.mode": "fixedconf", "spec.fixedCidr": "10.0.0.0", "spec.fixedHosts": "10.1.1.1" },
      setting: "spec.fixedCidr",
    },
    {
      name: "fixed host not an IP",
      overrides: { "spec.fixedHosts": "10.1.1.1:999.9" },
      setting: "spec.fixedHosts",
    },
    {
      name: "multi naming itself",
      overrides: { "probe.multiPlugins": "icmpecho:multi" },
      setting: "probe.multiPlugins",
    },
    { name: "route table selection", overrides: { "aws.routeTables": "rtb-x" }, setting: "aws.routeTables" },
    { name: "prune enum", overrides: { "reconcile.prune": "some" }, setting: "reconcile.prune" },
    {
      name: "health not a plugin name",
      env: { VPCROUTER_PROBE_HEALTH: "tcp check" },
      setting: "probe.health",
    },
    { name: "log level enum", overrides: { "log.level": "verbose" }, setting: "log.level" },
    // convict's Boolean made any text but "false" true: "no" would have turned dry run on.
    { name: "boolean text", env: { VPCROUTER_RECONCILE_DRY_RUN: "no" }, setting: "reconcile.dryRun" },
    { name: "traces enum", overrides: { "telemetry.traces": "jaeger" }, setting: "telemetry.traces" },
    { name: "election ttl 1", overrides: { "election.ttlSeconds": "1" }, setting: "election.ttlSeconds" },
    {
      name: "safety margin >= ttl",
      overrides: { "election.ttlSeconds": "2", "election.safetyMarginMs": "2000" },
      setting: "election.safetyMarginMs",
    },
    {
      name: "recheck 3 s",
      overrides: { "reconcile.routeRecheckIntervalSeconds": "3" },
      setting: "reconcile.routeRecheckIntervalSeconds",
    },
    { name: "max routes 0", overrides: { "spec.maxRoutes": "0" }, setting: "spec.maxRoutes" },
    {
      name: "backoff max below initial",
      overrides: { "aws.initialBackoffMs": "300", "aws.maxBackoffMs": "200" },
      setting: "aws.maxBackoffMs",
    },
    { name: "replica id with /", overrides: { "replica.id": "a/b" }, setting: "replica.id" },
    { name: "api address", overrides: { "api.address": "example.com" }, setting: "api.address" },
    {
      name: "service name empty",
      overrides: { "telemetry.serviceName": " " },
      setting: "telemetry.serviceName",
    },
    {
      name: "cert without key",
      overrides: { "etcd.certFile": "/c.pem", "etcd.caFile": "/ca.pem" },
      setting: "etcd.keyFile",
    },
    { name: "password without user", overrides: { "etcd.password": "pw" }, setting: "etcd.username" },
    { name: "user without password", overrides: { "etcd.username": "root" }, setting: "etcd.password" },
    {
      name: "user:password in the user",
      overrides: { "etcd.username": "root:pw", "etcd.password": "pw" },
      setting: "etcd.username",
    },
    {
      name: "password and password file",
      overrides: { "etcd.username": "root", "etcd.password": "pw", "etcd.passwordFile": "/dev/null" },
      setting: "etcd.passwordFile",
    },
    {
      name: "unreadable password file",
      overrides: { "etcd.username": "root", "etcd.passwordFile": "/nonexistent/pw" },
      setting: "etcd.passwordFile",
    },
    {
      name: "unreadable token file",
      overrides: { "api.tokenFile": "/nonexistent/t" },
      setting: "api.tokenFile",
    },
    { name: "TLS cert without key", overrides: { "api.tls.cert": "/dev/null" }, setting: "api.tls.key" },
    {
      name: "client CA without TLS",
      overrides: { "api.tls.clientCa": "/dev/null" },
      setting: "api.tls.clientCa",
    },
    {
      name: "origin with a path",
      overrides: { "api.allowedOrigins": "https://a.example/x" },
      setting: "api.allowedOrigins",
    },
    {
      name: "host with a port",
      overrides: { "api.allowedHosts": "a.example:80" },
      setting: "api.allowedHosts",
    },
    {
      name: "unreadable CA file",
      overrides: { "etcd.caFile": "/nonexistent/ca.pem" },
      setting: "etcd.caFile",
    },
    { name: "unknown override path", overrides: { "probe.intervall": "3" }, setting: "probe.intervall" },
  ];
  for (const testCase of cases) {
    it(`${testCase.name} → ${testCase.setting}`, () => {
      const error = configErrorOf(() =>
        loadConfig({ ...(testCase.env ? { env: testCase.env } : {}), overrides: testCase.overrides ?? {} }),
      );
      assert.ok(
        error.problems.some((problem) => problem.startsWith(`${testCase.setting}: `)),
        `no problem names ${testCase.setting}: ${error.message}`,
      );
      assert.match(error.message, /^invalid configuration: /);
    });
  }

  it("reports every invalid setting at once", () => {
    const error = configErrorOf(() => loadConfig({ overrides: { "probe.fall": "0", "api.port": "0" } }));
    assert.ok(error.problems.some((p) => p.startsWith("probe.fall: ")));
    assert.ok(error.problems.some((p) => p.startsWith("api.port: ")));
  });

  it("never shows the etcd password in a message", () => {
    const error = configErrorOf(() => loadConfig({ env: { VPCROUTER_ETCD_PASSWORD: "s3cret\u0001" } }));
    assert.ok(
      error.problems.some((p) => p.startsWith("etcd.password: ")),
      error.message,
    );
    assert.doesNotMatch(error.message, /s3cret/);
  });
});

describe("loadConfig file handling", () => {
  it("rejects an unknown key in the file, naming it", async () => {
    const file = await writeJson("unknown.json", { probe: { intervalMs: 500, interval: 3 }, extra: true });
    const error = configErrorOf(() => loadConfig({ file }));
    assert.ok(error.problems.includes("probe.interval: unknown setting"), error.message);
    assert.ok(error.problems.includes("extra: unknown setting"), error.message);
  });

  it("rejects a section replaced by a scalar", async () => {
    const file = await writeJson("scalar.json", { probe: 5 });
    const error = configErrorOf(() => loadConfig({ file }));
    assert.match(error.message, /probe\.intervalMs: missing/);
  });

  it("rejects a wrongly typed value in the file", async () => {
    const file = await writeJson("typed.json", { etcd: { endpoints: "127.0.0.1:2379", prefix: 7 } });
    const error = configErrorOf(() => loadConfig({ file }));
    assert.ok(
      error.problems.some((p) => p.startsWith("etcd.prefix: ")),
      error.message,
    );
  });

  it("explains a missing file and bad JSON", async () => {
    assert.match(
      configErrorOf(() => loadConfig({ file: join(dir, "missing.json") })).message,
      /cannot be read/,
    );
    const bad = await writeJson("bad.json", "{ probe: }");
    assert.match(configErrorOf(() => loadConfig({ file: bad })).message, /bad\.json: is not valid JSON/);
    const array = await writeJson("array.json", [1]);
    assert.match(configErrorOf(() => loadConfig({ file: array })).message, /must hold a JSON object/);
  });

  it("never quotes a broken file's text: it may hold a secret", async () => {
    for (const text of [
      '{"etcd": {"password": hunter2-supersecret}}',
      '{"etcd": {"password": "hunter2-supersecret\u0001"}}',
    ]) {
      const file = await writeJson("secret.json", text);
      const message = configErrorOf(() => loadConfig({ file })).message;
      assert.match(message, /is not valid JSON/);
      assert.doesNotMatch(message, /hunter2|supersecret|'h'/, message);
    }
  });

  it("ignores __proto__ keys (no prototype pollution)", async () => {
    const file = await writeJson("proto.json", '{"__proto__": {"polluted": true}, "log": {"level": "warn"}}');
    const config = loadConfig({ file });
    assert.equal(config.log.level, "warn");
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe("vpc-router semantics in loadConfig", () => {
  it("reads ignore routes like vpc-router: a bare IP is /32, 0.0.0.0 is 0.0.0.0/0, from flags, env and file", async () => {
    const fromFlag = loadConfig({ overrides: { "reconcile.ignoreRoutes": "10.1.2.3, 0.0.0.0,10.9.0.0/16" } });
    assert.deepEqual(fromFlag.reconcile.ignoreRoutes, ["10.1.2.3/32", "0.0.0.0/0", "10.9.0.0/16"]);
    const fromEnv = loadConfig({ env: { VPCROUTER_RECONCILE_IGNORE_ROUTES: "192.168.1.1" } });
    assert.deepEqual(fromEnv.reconcile.ignoreRoutes, ["192.168.1.1/32"]);
    const file = await writeJson("ignore.json", {
      reconcile: { ignoreRoutes: ["10.1.2.3", "0.0.0.0", "10.2.0.0/16"] },
    });
    assert.deepEqual(loadConfig({ file }).reconcile.ignoreRoutes, [
      "10.1.2.3/32",
      "0.0.0.0/0",
      "10.2.0.0/16",
    ]);
  });

  it("refuses host bits in an ignore route, naming it", () => {
    const error = configErrorOf(() => loadConfig({ overrides: { "reconcile.ignoreRoutes": "10.0.0.1/8" } }));
    assert.match(error.message, /reconcile\.ignoreRoutes: 10\.0\.0\.1\/8 has host bits set/);
  });

  it("words bad values like vpc-router after the setting name", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ "api.port": "99999" }, /api\.port: Invalid listen port: must be an integer from 1 to 65535/],
      [{ "api.address": "999.9" }, /api\.address: Not a valid IP address/],
      [{ "probe.health": "Foo!" }, /probe\.health: Unknown health-check plugin: must name a plugin/],
      [{ "spec.mode": "Foo!" }, /spec\.mode: Unknown mode: must name a plugin/],
      [{ "spec.fixedHosts": "10.1.1.1:999.9" }, /spec\.fixedHosts: Not a valid IP address \("999\.9"\)/],
      [{ "spec.mode": "configfile" }, /spec\.file: A config file needs to be specified \(-f\/--file\)/],
      [
        { "spec.mode": "configfile", "spec.file": "/_does_not_exists" },
        /spec\.file: Cannot open config file '\/_does_not_exists': ENOENT/,
      ],
    ];
    for (const [overrides, expected] of cases) {
      assert.match(configErrorOf(() => loadConfig({ overrides })).message, expected);
    }
  });

  it("refuses a directory as the configfile spec file, and accepts a readable file", async () => {
    const error = configErrorOf(() =>
      loadConfig({ overrides: { "spec.mode": "configfile", "spec.file": dir } }),
    );
    assert.match(error.message, /spec\.file: Cannot open config file '.*': is not a regular file/);
    const spec = await writeJson("route-spec.conf", { "10.0.0.0/8": ["10.1.1.1"] });
    const config = loadConfig({ overrides: { "spec.mode": "configfile", "spec.file": spec } });
    assert.equal(config.spec.file, spec);
  });

  it("reads fixedconf hosts separated by ':'", () => {
    const config = loadConfig({
      overrides: {
        "spec.mode": "fixedconf",
        "spec.fixedCidr": "10.55.16.0/24",
        "spec.fixedHosts": "10.1.1.1:10.1.1.2",
      },
    });
    assert.deepEqual(config.spec.fixedHosts, ["10.1.1.1", "10.1.1.2"]);
  });
});

describe("loadConfig derive hook", () => {
  it("sees the merged draft, sets values before validation and reports its problems with the others", () => {
    let seenHealth: string | undefined;
    const config = loadConfig({
      env: { VPCROUTER_PROBE_HEALTH: "tcp" },
      derive: (draft) => {
        seenHealth = draft.probe.health;
        return { values: { "probe.intervalMs": "5000" }, problems: [] };
      },
    });
    assert.equal(seenHealth, "tcp");
    assert.equal(config.probe.intervalMs, 5000);
    const error = configErrorOf(() =>
      loadConfig({
        overrides: { "probe.fall": "0" },
        derive: () => ({ values: {}, problems: ["probe.intervalMs: derived problem"] }),
      }),
    );
    assert.ok(error.problems.includes("probe.intervalMs: derived problem"), error.message);
    assert.ok(
      error.problems.some((p) => p.startsWith("probe.fall: ")),
      error.message,
    );
  });
});

describe("redactedConfig", () => {
  it("hides the etcd password and leaves the original intact", () => {
    const config = loadConfig({ overrides: { "etcd.username": "root", "etcd.password": "hunter2" } });
    const shown = redactedConfig(config);
    assert.equal(shown.etcd.password, REDACTED);
    assert.equal(shown.etcd.username, "root");
    assert.equal(config.etcd.password, "hunter2");
    assert.doesNotMatch(JSON.stringify(shown), /hunter2/);
  });

  it("leaves an empty password empty", () => {
    assert.equal(redactedConfig(loadConfig()).etcd.password, "");
  });
});

describe("environment variable names", () => {
  it("every setting's env is VPCROUTER_ + its path in upper snake case", () => {
    const schema = convict(configSchema, { env: {}, args: [] }).getSchema();
    for (const path of SETTING_PATHS) {
      let node: unknown = schema;
      for (const segment of path.split(".")) {
        assert.ok(typeof node === "object" && node !== null && "_cvtProperties" in node);
        node = (node._cvtProperties as Record<string, unknown>)[segment];
      }
      assert.ok(typeof node === "object" && node !== null && "env" in node, `${path} has no env`);
      assert.equal(node.env, envNameOf(path), path);
    }
    assert.equal(envNameOf("probe.intervalMs"), "VPCROUTER_PROBE_INTERVAL_MS");
    assert.equal(SETTING_PATHS.length, 65);
  });

  it("no setting declares its env: the schema builder derives every one", () => {
    for (const path of SETTING_PATHS) {
      let node: unknown = SETTINGS;
      for (const segment of path.split(".")) node = (node as Record<string, unknown>)[segment];
      assert.ok(node instanceof Setting, `${path} is not a declared setting`);
      assert.ok(!("env" in node), `${path} declares an env`);
    }
    const names = SETTING_PATHS.map(envNameOf);
    assert.equal(new Set(names).size, names.length, "two settings share an environment variable");
  });

  it("config/README.md documents every variable", async () => {
    const readme = await readFile(new URL("../../config/README.md", import.meta.url), "utf8");
    // The built-in plugins' declared options too (plugins.<name>.<option>).
    const builtIns = Object.values(builtInPlugins());
    const optionPaths = builtIns.flatMap((plugin) =>
      Object.keys(plugin.options ?? {}).map((option) => optionSettingPath(plugin.name, option)),
    );
    assert.ok(optionPaths.includes("plugins.ec2status.intervalMs"));
    for (const path of optionPaths)
      assert.ok(readme.includes(`\`${envNameOf(path)}\``), `${path} missing from config/README.md`);
    for (const path of SETTING_PATHS) {
      assert.ok(
        readme.includes(`\`${envNameOf(path)}\``),
        `${envNameOf(path)} missing from config/README.md`,
      );
    }
  });
});

describe("setting paths", () => {
  it("SETTING_PATHS lists the convict schema's leaves in declaration order", () => {
    const leaves: string[] = [];
    const walk = (node: object, prefix: string): void => {
      for (const [key, child] of Object.entries(node)) {
        const path = prefix === "" ? key : `${prefix}.${key}`;
        if ("default" in child) leaves.push(path);
        else walk(child, path);
      }
    };
    walk(configSchema, "");
    assert.deepEqual(SETTING_PATHS, leaves);
    assert.deepEqual(SETTING_PATHS.slice(0, 3), ["replica.id", "replica.zone", "etcd.endpoints"]);
  });

  it("isSettingPath knows the leaves only", () => {
    assert.ok(isSettingPath("probe.intervalMs"));
    assert.ok(isSettingPath("etcd.password"));
    assert.ok(!isSettingPath("probe"));
    assert.ok(!isSettingPath("probe.intervall"));
    assert.ok(!isSettingPath("toString"));
  });

  it("keeps etcd.password sensitive, and only it", () => {
    const sensitive = SETTING_PATHS.filter((path) => {
      let node: unknown = configSchema;
      for (const segment of path.split(".")) node = (node as Record<string, unknown>)[segment];
      return typeof node === "object" && node !== null && "sensitive" in node && node.sensitive === true;
    });
    assert.deepEqual(sensitive, ["etcd.password"]);
  });
});
