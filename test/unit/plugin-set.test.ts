/**
 * loadPluginSet and namedPlugins (plugin/plugin-set.ts): the plugins a configuration names, loaded
 * together (fixture modules under test/fixtures/plugins).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadPluginSet, namedPlugins, pluginsOf } from "../../src/plugin/plugin-set.js";
import { FIXTURE_LOOKUP, fixturePath, loadErrorOf } from "../fixtures/plugins/fixture-path.js";

const lookup = FIXTURE_LOOKUP;

describe("loadPluginSet", () => {
  it("loads the spec source and the health check the settings name", async () => {
    const set = await loadPluginSet(
      { mode: "./spec-named-export.ts", health: "./health-options.ts", multiPlugins: [] },
      lookup,
    );
    assert.equal(set.specSource?.plugin.name, "fixture-spec");
    assert.deepEqual(
      set.healthChecks.map((loaded) => loaded.plugin.name),
      ["fixture-health"],
    );
    assert.deepEqual(
      pluginsOf(set).map((loaded) => loaded.plugin.name),
      ["fixture-spec", "fixture-health"],
    );
  });

  it("has no spec source in the etcd and http modes, and the checks of multi in order", async () => {
    for (const mode of ["etcd", "http"]) {
      const set = await loadPluginSet(
        { mode, health: "multi", multiPlugins: ["tcp", "./health-options.ts", "icmpecho"] },
        lookup,
      );
      assert.equal(set.specSource, undefined);
      assert.deepEqual(
        set.healthChecks.map((loaded) => loaded.plugin.name),
        ["tcp", "fixture-health", "icmpecho"],
      );
    }
  });

  it("ignores multiPlugins unless the health check is multi", async () => {
    const set = await loadPluginSet({ mode: "etcd", health: "tcp", multiPlugins: ["./missing.js"] }, lookup);
    assert.deepEqual(
      set.healthChecks.map((loaded) => loaded.plugin.name),
      ["tcp"],
    );
  });

  it("refuses two plugins with the same name", async () => {
    const error = await loadErrorOf(
      loadPluginSet({ mode: "./same-name-spec.ts", health: "./health-options.ts", multiPlugins: [] }, lookup),
    );
    assert.equal(
      error.message,
      'probe.health: plugin "./health-options.ts" has the name fixture-health, as "./same-name-spec.ts" has',
    );
  });

  it("refuses a plugin named twice in multi", async () => {
    const error = await loadErrorOf(
      loadPluginSet(
        {
          mode: "etcd",
          health: "multi",
          multiPlugins: ["./health-options.ts", fixturePath("health-options.ts")],
        },
        lookup,
      ),
    );
    assert.equal(error.setting, "probe.multiPlugins");
    assert.match(error.message, /has the name fixture-health, as "\.\/health-options\.ts" has$/);
  });

  it("reports the first plugin that cannot be used, with its setting", async () => {
    const error = await loadErrorOf(
      loadPluginSet({ mode: "tcp", health: "./missing.js", multiPlugins: [] }, lookup),
    );
    assert.equal(error.setting, "spec.mode");
  });

  it("namedPlugins: the settings that name each plugin", () => {
    assert.deepEqual(namedPlugins({ mode: "x", health: "multi", multiPlugins: ["a", "b"] }), [
      { reference: "x", kind: "spec-source", setting: "spec.mode" },
      { reference: "a", kind: "health-check", setting: "probe.multiPlugins" },
      { reference: "b", kind: "health-check", setting: "probe.multiPlugins" },
    ]);
    assert.deepEqual(namedPlugins({ mode: "etcd", health: "tcp", multiPlugins: ["a"] }), [
      { reference: "tcp", kind: "health-check", setting: "probe.health" },
    ]);
  });
});
