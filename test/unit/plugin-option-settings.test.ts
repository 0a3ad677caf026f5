/**
 * The pure side of plugin options and names: option-settings.ts (flag, setting path, help,
 * redaction), the environment variable of an option, and pluginNamesOf (cli/plugin-names.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { pluginNamesOf } from "../../src/cli/plugin-names.js";
import { envNameOf } from "../../src/config/declaration.js";
import type { PluginOption } from "../../src/plugin/api.js";
import {
  optionFlag,
  optionHelp,
  optionSettingPath,
  pluginSettingsGroup,
  redactedOptions,
} from "../../src/plugin/option-settings.js";

describe("option-settings and plugin names, pure", () => {
  for (const [plugin, option, flag, env] of [
    [
      "http-json",
      "pollIntervalMs",
      "--http-json-poll-interval-ms",
      "VPCROUTER_PLUGINS_HTTP_JSON_POLL_INTERVAL_MS",
    ],
    ["x", "url", "--x-url", "VPCROUTER_PLUGINS_X_URL"],
    ["a1-b2", "maxV4Routes", "--a1-b2-max-v4-routes", "VPCROUTER_PLUGINS_A1_B2_MAX_V4_ROUTES"],
  ] as const) {
    it(`${plugin}.${option} → ${flag}, ${env}`, () => {
      assert.equal(optionFlag(plugin, option), flag);
      assert.equal(optionSettingPath(plugin, option), `plugins.${plugin}.${option}`);
      assert.equal(envNameOf(optionSettingPath(plugin, option)), env);
    });
  }

  it("optionHelp: doc and default", () => {
    const help = (option: PluginOption) => optionHelp(option);
    assert.equal(help({ type: "list", doc: "D.", default: [] }), 'D. (default "")');
    assert.equal(help({ type: "list", doc: "D.", default: ["a", "b"] }), "D. (default a,b)");
    assert.equal(help({ type: "boolean", doc: "D.", default: true }), "D. (default true)");
    assert.equal(help({ type: "integer", doc: "D.", default: 5, min: 1, max: 9 }), "D. (default 5)");
  });

  it("property: a flag is --<plugin>- and lower case, and the env variable is upper snake case", () => {
    const pluginName = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4}){0,2}$/);
    const optionName = fc.stringMatching(/^[a-z][a-z0-9]{0,4}([A-Z][a-z0-9]{0,4}){0,3}$/);
    fc.assert(
      fc.property(pluginName, optionName, (plugin, option) => {
        const flag = optionFlag(plugin, option);
        assert.ok(flag.startsWith(`--${plugin}-`), flag);
        assert.equal(flag, flag.toLowerCase());
        assert.equal(flag.replaceAll("-", ""), `${plugin}${option}`.replaceAll("-", "").toLowerCase());
        assert.match(envNameOf(optionSettingPath(plugin, option)), /^VPCROUTER_PLUGINS_[A-Z0-9_]+$/);
      }),
    );
  });

  for (const [label, args, env, health] of [
    ["--health x", ["--health", "x"], {}, "x"],
    ["--health=x", ["--health=x"], {}, "x"],
    ["-H x", ["-H", "x"], {}, "x"],
    ["-Hx", ["-Hx"], {}, "x"],
    ["the last flag wins", ["-H", "a", "--health", "b"], {}, "b"],
    ["the environment", [], { VPCROUTER_PROBE_HEALTH: "e" }, "e"],
    ["a flag over the environment", ["-H", "f"], { VPCROUTER_PROBE_HEALTH: "e" }, "f"],
    ["after --, nothing", ["--", "--health", "x"], {}, "icmpecho"],
  ] as const) {
    it(`pluginNamesOf: ${label}`, () => {
      assert.equal(pluginNamesOf(args, env).health, health);
    });
  }

  it("pluginNamesOf: -m, --multi-plugins (: or ,) and --multi_plugins", () => {
    assert.equal(pluginNamesOf(["-mconfigfile"], {}).mode, "configfile");
    assert.equal(pluginNamesOf(["--mode", "./x.js"], {}).mode, "./x.js");
    assert.deepEqual(pluginNamesOf(["--multi-plugins", "a:b"], {}).multiPlugins, ["a", "b"]);
    assert.deepEqual(pluginNamesOf(["--multi_plugins", "a,b"], {}).multiPlugins, ["a", "b"]);
    assert.deepEqual(pluginNamesOf([], {}).multiPlugins, ["icmpecho", "tcp"]);
  });
});

describe("redactedOptions and pluginSettingsGroup", () => {
  const declared: Record<string, PluginOption> = {
    token: { type: "string", doc: "A token.", default: "", sensitive: true },
    mode: { type: "string", doc: "A mode.", default: "a", choices: ["a", "b"], sensitive: true },
    url: { type: "string", doc: "A URL.", default: "" },
    count: { type: "integer", doc: "A count.", default: 1, min: 0, max: 9 },
  };

  it("replaces each set sensitive string, leaves the rest and the original alone", () => {
    const values = { token: "t0k", mode: "b", url: "http://x/", count: 3 };
    const shown = redactedOptions(declared, values, "[x]");
    assert.deepEqual(shown, { token: "[x]", mode: "[x]", url: "http://x/", count: 3 });
    assert.deepEqual(values, { token: "t0k", mode: "b", url: "http://x/", count: 3 });
  });

  it("an empty or absent sensitive option stays as it is; no declarations, no change", () => {
    assert.deepEqual(redactedOptions(declared, { token: "", count: 3 }, "[x]"), { token: "", count: 3 });
    assert.deepEqual(redactedOptions(undefined, { token: "t0k" }, "[x]"), { token: "t0k" });
  });

  it("pluginSettingsGroup: one group per plugin that declares options", () => {
    const group = pluginSettingsGroup([
      { name: "with", options: declared },
      { name: "without" },
      { name: "empty", options: {} },
    ]);
    assert.deepEqual(Object.keys(group), ["with"]);
    assert.deepEqual(Object.keys(group.with ?? {}), ["token", "mode", "url", "count"]);
  });
});
