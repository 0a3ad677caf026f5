/**
 * loadPlugin (plugin/load-plugin.ts): built-in names, module paths and npm packages, and every way
 * a plugin cannot be used (PluginLoadError).
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import type { PluginKind } from "../../src/plugin/api.js";
import { loadPlugin } from "../../src/plugin/load-plugin.js";
import { FIXTURE_LOOKUP, FIXTURES_DIR, fixturePath, loadErrorOf } from "../fixtures/plugins/fixture-path.js";

const lookup = FIXTURE_LOOKUP;

/** A plugin module's source text, as a package's index.js. */
function pluginSource(name: string, kind: PluginKind): string {
  const start =
    kind === "health-check" ? "return { check: async () => ({ up: true }) };" : "return undefined;";
  return `export default { apiVersion: 1, kind: ${JSON.stringify(kind)}, name: ${JSON.stringify(name)},
  description: "from a package", start() { ${start} } };\n`;
}

let packagesDir: string;

before(async () => {
  packagesDir = await mkdtemp(join(tmpdir(), "vpcrouter-plugin-load-"));
  const install = async (name: string, packageJson: object, source: string) => {
    const dir = join(packagesDir, "node_modules", name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "package.json"), JSON.stringify({ name, type: "module", ...packageJson }));
    await writeFile(join(dir, "index.js"), source);
  };
  await install(
    "vpcrouter-plugin-npm-check",
    { main: "index.js" },
    pluginSource("npm-check", "health-check"),
  );
  await install(
    "vpcrouter-plugin-npm-spec",
    { exports: { ".": "./index.js" } },
    pluginSource("npm-spec", "spec-source"),
  );
  await install(
    "vpcrouter-plugin-import-only",
    { exports: { ".": { import: "./index.js" } } },
    pluginSource("import-only", "health-check"),
  );
  await install("vpcrouter-plugin-named-multi", { main: "index.js" }, pluginSource("multi", "health-check"));
  await install("@acme/vpcrouter-check", { main: "index.js" }, pluginSource("acme-check", "health-check"));
});

after(async () => {
  await rm(packagesDir, { recursive: true, force: true });
});

describe("loadPlugin: built-in names", () => {
  for (const [name, kind] of [
    ["configfile", "spec-source"],
    ["fixedconf", "spec-source"],
    ["icmpecho", "health-check"],
    ["tcp", "health-check"],
    ["ec2status", "health-check"],
  ] as const) {
    it(`${name} is the built-in ${kind} plugin`, async () => {
      const loaded = await loadPlugin(name, kind, "x", lookup);
      assert.equal(loaded.builtIn, true);
      assert.equal(loaded.location, "built-in");
      assert.equal(loaded.reference, name);
      assert.equal(loaded.plugin.name, name);
      assert.equal(loaded.plugin.kind, kind);
      assert.equal(loaded.plugin, lookup.builtIns[name]);
    });
  }

  for (const [name, kind, setting, actual] of [
    ["tcp", "spec-source", "spec.mode", "health-check"],
    ["icmpecho", "spec-source", "spec.mode", "health-check"],
    ["configfile", "health-check", "probe.health", "spec-source"],
    ["fixedconf", "health-check", "probe.multiPlugins", "spec-source"],
  ] as const) {
    it(`${name} for ${setting} is refused: a built-in of the other kind`, async () => {
      const error = await loadErrorOf(loadPlugin(name, kind, setting, lookup));
      assert.equal(
        error.message,
        `${setting}: plugin "${name}" is a built-in ${actual} plugin, not a ${kind} plugin`,
      );
      assert.equal(error.setting, setting);
      assert.equal(error.reference, name);
    });
  }

  for (const [name, kind, setting, what] of [
    ["etcd", "spec-source", "spec.mode", "a spec mode without a source"],
    ["http", "spec-source", "spec.mode", "a spec mode without a source"],
    ["multi", "health-check", "probe.multiPlugins", "the health check that combines others"],
    ["etcd", "health-check", "probe.health", "a spec mode without a source"],
    ["http", "health-check", "probe.health", "a spec mode without a source"],
  ] as const) {
    it(`${name} for ${setting} is not a ${kind} plugin`, async () => {
      const error = await loadErrorOf(loadPlugin(name, kind, setting, lookup));
      assert.equal(error.message, `${setting}: plugin "${name}" is not a ${kind} plugin: it is ${what}`);
    });
  }

  for (const [name, kind, setting, words] of [
    ["fs", "spec-source", "spec.mode", "Unknown mode"],
    ["node:fs", "spec-source", "spec.mode", "Unknown mode"],
    ["child_process", "health-check", "probe.health", "Unknown health-check plugin"],
    ["net", "health-check", "probe.multiPlugins", "Unknown health-check plugin"],
  ] as const) {
    it(`the Node.js module ${name} for ${setting} is no plugin`, async () => {
      const error = await loadErrorOf(loadPlugin(name, kind, setting, lookup));
      assert.equal(
        error.message,
        `${setting}: ${words} "${name}": is not a built-in name, and a Node.js module is no plugin`,
      );
    });
  }

  for (const name of ["constructor", "toString", "hasOwnProperty", "__proto__"]) {
    it(`${name} is looked up as a package, not as a reserved name from Object's prototype`, async () => {
      const error = await loadErrorOf(loadPlugin(name, "health-check", "probe.health", lookup));
      assert.ok(
        error.message.startsWith(`probe.health: Unknown health-check plugin "${name}": not a built-in name`),
        error.message,
      );
    });
  }
});

describe("loadPlugin: module paths", () => {
  const healthUrl = pathToFileURL(fixturePath("health-options.ts")).href;

  it("loads a path relative to the cwd option", async () => {
    const loaded = await loadPlugin("./health-options.ts", "health-check", "probe.health", lookup);
    assert.equal(loaded.builtIn, false);
    assert.equal(loaded.plugin.name, "fixture-health");
    assert.equal(loaded.location, healthUrl);
    assert.equal(loaded.reference, "./health-options.ts");
  });

  it("loads a path with ../ relative to the cwd option", async () => {
    const loaded = await loadPlugin("../health-options.ts", "health-check", "probe.health", {
      ...lookup,
      cwd: join(FIXTURES_DIR, "nowhere"),
    });
    assert.equal(loaded.location, pathToFileURL(join(FIXTURES_DIR, "health-options.ts")).href);
  });

  it("loads an absolute path, whatever the cwd option", async () => {
    const loaded = await loadPlugin(fixturePath("health-options.ts"), "health-check", "probe.health", {
      ...lookup,
      cwd: tmpdir(),
    });
    assert.equal(loaded.plugin.name, "fixture-health");
    assert.equal(loaded.location, healthUrl);
  });

  it("loads a plugin exported by the name plugin", async () => {
    const loaded = await loadPlugin("./spec-named-export.ts", "spec-source", "spec.mode", lookup);
    assert.equal(loaded.plugin.name, "fixture-spec");
    assert.equal(loaded.plugin.kind, "spec-source");
  });

  it("refuses a module that throws at import, with its error", async () => {
    const error = await loadErrorOf(
      loadPlugin("./throws-at-import.ts", "health-check", "probe.health", lookup),
    );
    const url = pathToFileURL(fixturePath("throws-at-import.ts")).href;
    assert.equal(
      error.message,
      `probe.health: plugin "./throws-at-import.ts" cannot be loaded from ${url}: fixture exploded at import`,
    );
  });

  it("refuses a plugin speaking API version 2, naming both versions", async () => {
    const error = await loadErrorOf(loadPlugin("./api-v2.ts", "health-check", "probe.health", lookup));
    assert.equal(
      error.message,
      'probe.health: plugin "./api-v2.ts" speaks plugin API version 2; this vpcrouter speaks 1',
    );
  });

  it("refuses a plugin of the other kind", async () => {
    const error = await loadErrorOf(loadPlugin("./health-options.ts", "spec-source", "spec.mode", lookup));
    assert.equal(
      error.message,
      'spec.mode: plugin "./health-options.ts" is a health-check plugin, not a spec-source plugin',
    );
    const other = await loadErrorOf(
      loadPlugin("./spec-named-export.ts", "health-check", "probe.health", lookup),
    );
    assert.match(other.message, /is a spec-source plugin, not a health-check plugin$/);
  });

  it("refuses a plugin that takes a built-in's name", async () => {
    const error = await loadErrorOf(loadPlugin("./built-in-name.ts", "health-check", "probe.health", lookup));
    assert.equal(
      error.message,
      'probe.health: plugin "./built-in-name.ts" takes the name of the built-in tcp',
    );
  });

  it("a module that imports a missing package: cannot be loaded, but is no unknown plugin", async () => {
    const error = await loadErrorOf(
      loadPlugin("./imports-missing.js", "health-check", "probe.health", lookup),
    );
    const url = pathToFileURL(fixturePath("imports-missing.js")).href;
    assert.ok(
      error.message.startsWith(`probe.health: plugin "./imports-missing.js" cannot be loaded from ${url}: `),
      error.message,
    );
    assert.match(error.message, /vpcrouter-no-such-dependency/);
  });

  it("refuses a module that exports no plugin", async () => {
    const error = await loadErrorOf(loadPlugin("./fixture-path.ts", "health-check", "probe.health", lookup));
    assert.match(error.message, /^probe\.health: plugin "\.\/fixture-path\.ts" exports no plugin/);
  });

  for (const [setting, kind, words] of [
    ["spec.mode", "spec-source", "Unknown mode"],
    ["probe.health", "health-check", "Unknown health-check plugin"],
    ["probe.multiPlugins", "health-check", "Unknown health-check plugin"],
  ] as const) {
    it(`a missing module for ${setting}: ${words}`, async () => {
      const error = await loadErrorOf(loadPlugin("./missing.js", kind, setting, lookup));
      const url = pathToFileURL(join(FIXTURES_DIR, "missing.js")).href;
      assert.ok(
        error.message.startsWith(`${setting}: ${words} "./missing.js": cannot be loaded from ${url}: `),
        error.message,
      );
    });
  }
});

describe("loadPlugin: npm packages", () => {
  it("resolves a package (main) from the cwd option's node_modules", async () => {
    const loaded = await loadPlugin("vpcrouter-plugin-npm-check", "health-check", "probe.health", {
      ...lookup,
      cwd: packagesDir,
    });
    assert.equal(loaded.plugin.name, "npm-check");
    assert.equal(loaded.builtIn, false);
    assert.equal(
      loaded.location,
      pathToFileURL(join(packagesDir, "node_modules", "vpcrouter-plugin-npm-check", "index.js")).href,
    );
  });

  it("resolves a package with an exports map, and a scoped package", async () => {
    const options = { ...lookup, cwd: packagesDir };
    assert.equal(
      (await loadPlugin("vpcrouter-plugin-npm-spec", "spec-source", "spec.mode", options)).plugin.name,
      "npm-spec",
    );
    assert.equal(
      (await loadPlugin("@acme/vpcrouter-check", "health-check", "probe.health", options)).plugin.name,
      "acme-check",
    );
  });

  it("an installed package exported for import only: refused, saying what its package.json needs", async () => {
    const error = await loadErrorOf(
      loadPlugin("vpcrouter-plugin-import-only", "health-check", "probe.health", {
        ...lookup,
        cwd: packagesDir,
      }),
    );
    const installed = join(packagesDir, "node_modules", "vpcrouter-plugin-import-only", "package.json");
    assert.ok(
      error.message.startsWith(
        `probe.health: plugin "vpcrouter-plugin-import-only" is installed (${installed}) but exports no entry`,
      ),
      error.message,
    );
    assert.match(error.message, /"default" condition, or a "main"$/);
  });

  it("a package whose plugin takes a reserved name (multi) is refused", async () => {
    const error = await loadErrorOf(
      loadPlugin("vpcrouter-plugin-named-multi", "health-check", "probe.health", {
        ...lookup,
        cwd: packagesDir,
      }),
    );
    assert.equal(
      error.message,
      'probe.health: plugin "vpcrouter-plugin-named-multi" takes the name of the built-in multi',
    );
  });

  it("does not find a package installed beside another directory", async () => {
    const error = await loadErrorOf(
      loadPlugin("vpcrouter-plugin-npm-check", "health-check", "probe.health", lookup),
    );
    assert.match(
      error.message,
      /^probe\.health: Unknown health-check plugin "vpcrouter-plugin-npm-check": not a built-in name, and no package of that name is installed/,
    );
  });

  for (const [setting, kind, words] of [
    ["spec.mode", "spec-source", "Unknown mode"],
    ["probe.health", "health-check", "Unknown health-check plugin"],
  ] as const) {
    it(`an unknown package for ${setting}: "${words}", naming where it looked`, async () => {
      const error = await loadErrorOf(
        loadPlugin("vpcrouter-plugin-nonexistent", kind, setting, { ...lookup, cwd: packagesDir }),
      );
      assert.ok(
        error.message.startsWith(`${setting}: ${words} "vpcrouter-plugin-nonexistent": not a built-in name`),
        error.message,
      );
      assert.ok(error.message.includes(join(packagesDir, "node_modules")), error.message);
    });
  }
});
