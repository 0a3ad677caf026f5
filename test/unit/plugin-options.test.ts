/**
 * A plugin's options through the whole command line (parseRunConfig): flags, environment and
 * configuration file, precedence, defaults, validation, checkOptions, --help, plugins that cannot
 * load; redactedConfig.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseRunConfig, type RunConfigParse } from "../../src/cli/parse-run-config.js";
import { loadConfig, REDACTED, redactedConfig } from "../../src/config/load.js";
import { fixturePath } from "../fixtures/plugins/fixture-path.js";
import fixtureHealth from "../fixtures/plugins/health-options.js";

const HEALTH = fixturePath("health-options.ts");
const NAME = "fixture-health";
const DEFAULTS = {
  label: "lab",
  speed: "fast",
  apiKey: "",
  retries: 3,
  pollIntervalMs: 1000,
  verbose: false,
  targets: ["a", "b"],
};

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "vpcrouter-plugin-options-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
async function configFile(value: unknown): Promise<string> {
  const file = join(dir, `config-${files++}.json`);
  await writeFile(file, JSON.stringify(value));
  return file;
}

/** The fixture's options from a command line that must succeed. */
async function optionsOf(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  const result = await parseRunConfig(["--health", HEALTH, ...args], env);
  assert.equal(result.code, 0, result.err);
  return result.config?.plugins[NAME];
}

/** A command line that must fail with exit 2. */
async function refused(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunConfigParse> {
  const result = await parseRunConfig(args, env);
  assert.equal(result.code, 2, `expected exit 2, got ${result.code}: ${result.err}`);
  assert.equal(result.config, undefined);
  return result;
}

describe("plugin options: where they come from", () => {
  it("every option has its default when none is given", async () => {
    assert.deepEqual(await optionsOf([]), DEFAULTS);
  });

  it("flags --<plugin>-<kebab option> set every type", async () => {
    const options = await optionsOf([
      "--fixture-health-label",
      "hello world",
      "--fixture-health-speed",
      "slow",
      "--fixture-health-api-key",
      "s3cret",
      "--fixture-health-retries",
      "7",
      "--fixture-health-poll-interval-ms=250",
      "--fixture-health-verbose",
      "true",
      "--fixture-health-targets",
      "x,y,z",
    ]);
    assert.deepEqual(options, {
      label: "hello world",
      speed: "slow",
      apiKey: "s3cret",
      retries: 7,
      pollIntervalMs: 250,
      verbose: true,
      targets: ["x", "y", "z"],
    });
  });

  it("environment variables VPCROUTER_PLUGINS_<NAME>_<OPTION> set every type", async () => {
    const options = await optionsOf([], {
      VPCROUTER_PLUGINS_FIXTURE_HEALTH_LABEL: "from env",
      VPCROUTER_PLUGINS_FIXTURE_HEALTH_SPEED: "slow",
      VPCROUTER_PLUGINS_FIXTURE_HEALTH_API_KEY: "k",
      VPCROUTER_PLUGINS_FIXTURE_HEALTH_RETRIES: "9",
      VPCROUTER_PLUGINS_FIXTURE_HEALTH_POLL_INTERVAL_MS: "60000",
      VPCROUTER_PLUGINS_FIXTURE_HEALTH_VERBOSE: "true",
      VPCROUTER_PLUGINS_FIXTURE_HEALTH_TARGETS: "p,q",
    });
    assert.deepEqual(options, {
      label: "from env",
      speed: "slow",
      apiKey: "k",
      retries: 9,
      pollIntervalMs: 60000,
      verbose: true,
      targets: ["p", "q"],
    });
  });

  it('the configuration file\'s {"plugins": {"<name>": {…}}} sets every type, the rest keep their defaults', async () => {
    const file = await configFile({ plugins: { [NAME]: { retries: 1, verbose: true, targets: [] } } });
    assert.deepEqual(await optionsOf(["--config", file]), {
      ...DEFAULTS,
      retries: 1,
      verbose: true,
      targets: [],
    });
  });

  it("the configuration file may name the plugin too, and its options' flags then exist", async () => {
    const file = await configFile({ probe: { health: HEALTH }, plugins: { [NAME]: { label: "file" } } });
    const result = await parseRunConfig(["--config", file, "--fixture-health-retries", "2"]);
    assert.equal(result.code, 0, result.err);
    assert.deepEqual(result.config?.plugins[NAME], { ...DEFAULTS, label: "file", retries: 2 });
  });

  it("so may the environment (VPCROUTER_PROBE_HEALTH, VPCROUTER_CONFIG)", async () => {
    const file = await configFile({ plugins: { [NAME]: { label: "via VPCROUTER_CONFIG" } } });
    const result = await parseRunConfig(["--fixture-health-speed", "slow"], {
      VPCROUTER_PROBE_HEALTH: HEALTH,
      VPCROUTER_CONFIG: file,
    });
    assert.equal(result.code, 0, result.err);
    assert.deepEqual(result.config?.plugins[NAME], {
      ...DEFAULTS,
      label: "via VPCROUTER_CONFIG",
      speed: "slow",
    });
  });

  it("precedence: file < environment < flag, option by option", async () => {
    const file = await configFile({ plugins: { [NAME]: { label: "file", retries: 2, speed: "slow" } } });
    const env = {
      VPCROUTER_PLUGINS_FIXTURE_HEALTH_LABEL: "env",
      VPCROUTER_PLUGINS_FIXTURE_HEALTH_RETRIES: "4",
    };
    assert.deepEqual(await optionsOf(["--config", file, "--fixture-health-label", "flag"], env), {
      ...DEFAULTS,
      label: "flag",
      retries: 4,
      speed: "slow",
    });
  });

  it("a plugin's options reach the health checks of multi too", async () => {
    const result = await parseRunConfig([
      "--health",
      "multi",
      "--multi-plugins",
      `tcp:${HEALTH}`,
      "--fixture-health-retries",
      "5",
    ]);
    assert.equal(result.code, 0, result.err);
    assert.equal(result.config?.plugins[NAME]?.retries, 5);
  });
});

describe("plugin options: bad values (exit 2)", () => {
  for (const [label, args, env, setting] of [
    ["an integer above max (flag)", ["--fixture-health-retries", "11"], {}, "retries"],
    ["an integer below min (env)", [], { VPCROUTER_PLUGINS_FIXTURE_HEALTH_RETRIES: "0" }, "retries"],
    ["an integer that is text", ["--fixture-health-poll-interval-ms", "soon"], {}, "pollIntervalMs"],
    ["a value not in the choices", ["--fixture-health-speed", "warp"], {}, "speed"],
  ] as const) {
    it(`${label} names plugins.${NAME}.${setting}`, async () => {
      const { err } = await refused(["--health", HEALTH, ...args], env);
      assert.match(err, new RegExp(`invalid configuration: .*plugins\\.${NAME}\\.${setting}: `));
    });
  }

  for (const [label, args, env] of [
    ["a boolean flag that is neither true nor false", ["--fixture-health-verbose", "maybe"], {}],
    ["a boolean flag 0", ["--fixture-health-verbose", "0"], {}],
    [
      "a boolean variable that is neither true nor false",
      [],
      { VPCROUTER_PLUGINS_FIXTURE_HEALTH_VERBOSE: "no" },
    ],
  ] as const) {
    it(`${label} names plugins.${NAME}.verbose`, async () => {
      const { err } = await refused(["--health", HEALTH, ...args], env);
      assert.match(err, /plugins\.fixture-health\.verbose: /);
    });
  }

  it("a boolean flag false is false", async () => {
    const options = await optionsOf(["--fixture-health-verbose", "false"], {
      VPCROUTER_PLUGINS_FIXTURE_HEALTH_VERBOSE: "true",
    });
    assert.equal((options as { verbose?: unknown }).verbose, false);
  });

  it("a bad value in the file names the setting", async () => {
    const file = await configFile({ plugins: { [NAME]: { retries: 100 } } });
    const { err } = await refused(["--health", HEALTH, "--config", file]);
    assert.match(err, /plugins\.fixture-health\.retries: must be an integer from 1 to 10/);
  });

  it("an unknown option of the plugin in the file is an unknown setting", async () => {
    const file = await configFile({ plugins: { [NAME]: { colour: "red" } } });
    const { err } = await refused(["--health", HEALTH, "--config", file]);
    assert.match(err, /plugins\.fixture-health\.colour: unknown setting/);
  });

  it("options in the file for a plugin not in use are unknown settings", async () => {
    const file = await configFile({ plugins: { [NAME]: { retries: 2 } } });
    const { err } = await refused(["--config", file]);
    assert.match(err, /invalid configuration: plugins\.fixture-health\.retries: unknown setting/);
  });

  it("checkOptions' problems: plugins.<name>: <problem>", async () => {
    const { err } = await refused(["--health", HEALTH, "--fixture-health-label", "bad"]);
    assert.match(err, /invalid configuration: .*plugins\.fixture-health: label must not be bad/);
  });

  it("checkOptions throwing: plugins.<name>: checkOptions threw", async () => {
    const { err } = await refused(["--health", HEALTH, "--fixture-health-label", "throw"]);
    assert.match(err, /plugins\.fixture-health: checkOptions threw: kaboom/);
  });

  it("checkOptions returning no list", async () => {
    const { err } = await refused(["--health", HEALTH, "--fixture-health-label", "nolist"]);
    assert.match(err, /plugins\.fixture-health: checkOptions returned no list of problems/);
  });

  it("a bad value of a sensitive option is not echoed", async () => {
    const result = await parseRunConfig([
      "--health",
      HEALTH,
      "--fixture-health-api-key",
      "hunter2",
      "--fixture-health-retries",
      "0",
    ]);
    assert.equal(result.code, 2);
    assert.doesNotMatch(result.err, /hunter2/);
  });
});

describe("plugin options: --help and plugins that cannot be used", () => {
  it("--help lists the plugin's flags with their doc and default", async () => {
    const { code, out } = await parseRunConfig(["--health", HEALTH, "--help"]);
    assert.equal(code, 0);
    const line = (flag: string) =>
      out.split("\n").find((text) => text.trimStart().startsWith(`${flag} <value>`)) ?? "";
    assert.match(line("--fixture-health-retries"), /fixture-health: Retries per check\. \(default 3\)$/);
    assert.match(line("--fixture-health-poll-interval-ms"), /Time between polls, ms\. \(default 1000\)$/);
    assert.match(line("--fixture-health-speed"), /How fast to check\. \(default fast\)$/);
    assert.match(line("--fixture-health-api-key"), /A secret key\. \(default ""\)$/);
    assert.match(line("--fixture-health-verbose"), /Log every check\. \(default false\)$/);
    assert.match(line("--fixture-health-targets"), /Extra targets\. \(default a,b\)$/);
  });

  it("--help without the plugin has none of its flags", async () => {
    const { code, out } = await parseRunConfig(["--help"]);
    assert.equal(code, 0);
    assert.doesNotMatch(out, /--fixture-health-/);
  });

  it("a plugin that cannot be loaded: exit 2 with the loader's message", async () => {
    const { err } = await refused(["--health", fixturePath("throws-at-import.ts")]);
    assert.match(
      err,
      /^vpcrouter: probe\.health: plugin ".*throws-at-import\.ts" cannot be loaded from file:.*: fixture exploded at import$/m,
    );
  });

  it("a missing module or unknown package: exit 2 worded as vpc-router words it", async () => {
    const missing = await refused(["--health", join(dir, "missing.mjs")]);
    assert.match(missing.err, /probe\.health: Unknown health-check plugin ".*missing\.mjs"/);
    const unknown = await refused(["-m", "vpcrouter-plugin-nonexistent"]);
    assert.match(unknown.err, /spec\.mode: Unknown mode "vpcrouter-plugin-nonexistent"/);
  });

  it("a plugin's flag when the plugin did not load: exit 2, unknown option and the load error", async () => {
    const { err } = await refused(["--health", fixturePath("api-v2.ts"), "--fixture-health-retries", "3"]);
    assert.match(err, /unknown option '--fixture-health-retries'/);
    assert.match(
      err,
      /vpcrouter: probe\.health: plugin ".*api-v2\.ts" speaks plugin API version 2; this vpcrouter speaks 1/,
    );
  });

  it("an option whose flag vpcrouter uses: exit 2 naming the option", async () => {
    const { err } = await refused(["--health", fixturePath("flag-clash.ts")]);
    assert.equal(
      err,
      'vpcrouter: plugins: plugin "probe" option interval would have the flag --probe-interval, which is taken',
    );
  });

  it("two plugins' options with one flag (--clash-a-b-c): exit 2 naming the second", async () => {
    const { err } = await refused([
      "--health",
      "multi",
      "--multi-plugins",
      `${fixturePath("clash-a.ts")}:${fixturePath("clash-a-b.ts")}`,
    ]);
    assert.equal(
      err,
      'vpcrouter: plugins: plugin "clash-a-b" option c would have the flag --clash-a-b-c, which is taken',
    );
  });

  it("one plugin's two options with one flag (fooBar, fooBAr): exit 2", async () => {
    const { err } = await refused(["--health", fixturePath("self-clash.ts")]);
    assert.equal(
      err,
      'vpcrouter: plugins: plugin "self-clash" option fooBAr would have the flag --self-clash-foo-bar, which is taken',
    );
  });
});

describe("redactedConfig with plugin options", () => {
  it("replaces a sensitive string option that is set, and only that", () => {
    const config = loadConfig({
      plugins: [fixtureHealth],
      overrides: {
        "replica.id": "r1",
        "plugins.fixture-health.apiKey": "s3cret",
        "plugins.fixture-health.label": "x",
      },
    });
    assert.equal(config.plugins[NAME]?.apiKey, "s3cret");
    const shown = redactedConfig(config, [fixtureHealth]);
    assert.equal(shown.plugins[NAME]?.apiKey, REDACTED);
    assert.equal(shown.plugins[NAME]?.label, "x");
    assert.equal(config.plugins[NAME]?.apiKey, "s3cret", "the original is left alone");
    assert.doesNotMatch(JSON.stringify(shown), /s3cret/);
  });

  it("leaves an empty sensitive option empty", () => {
    const config = loadConfig({ plugins: [fixtureHealth], overrides: { "replica.id": "r1" } });
    assert.equal(redactedConfig(config, [fixtureHealth]).plugins[NAME]?.apiKey, "");
  });
});
