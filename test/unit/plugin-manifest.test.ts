/**
 * checkPluginExport: what a plugin module must export (plugin/plugin-manifest.ts), pure.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { PluginKind, PluginOption } from "../../src/plugin/api.js";
import { checkPluginExport } from "../../src/plugin/plugin-manifest.js";

/** A valid health-check plugin object, with `change` applied. */
function healthPlugin(change: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 1,
    kind: "health-check",
    name: "my-check",
    description: "A check",
    start: () => ({ check: async () => ({ up: true }) }),
    ...change,
  };
}

/** A declaration that passes, beside the one under test. */
const okOption: PluginOption = { type: "boolean", doc: "Fine.", default: false };

/** The problem checkPluginExport finds (fails the test when it accepts the export). */
function problemOf(namespace: unknown, expected: PluginKind = "health-check"): string {
  const checked = checkPluginExport(namespace, expected);
  assert.equal(checked.ok, false, "expected the export to be refused");
  return checked.ok ? "" : checked.problem;
}

describe("checkPluginExport: where the plugin is", () => {
  it("takes the default export", () => {
    const plugin = healthPlugin();
    const checked = checkPluginExport({ default: plugin }, "health-check");
    assert.ok(checked.ok);
    assert.equal(checked.plugin, plugin);
  });

  it("takes the export named plugin when there is no default export", () => {
    const plugin = healthPlugin();
    const checked = checkPluginExport({ plugin, other: 1 }, "health-check");
    assert.ok(checked.ok);
    assert.equal(checked.plugin, plugin);
  });

  it("prefers the default export over the export named plugin", () => {
    const plugin = healthPlugin({ name: "the-default" });
    const checked = checkPluginExport({ default: plugin, plugin: healthPlugin() }, "health-check");
    assert.ok(checked.ok);
    assert.equal(checked.plugin.name, "the-default");
  });

  for (const [label, namespace] of [
    ["an empty module", {}],
    ["other exports only", { helper: () => 1, version: "1.0" }],
    ["a default export that is a string", { default: "plugin" }],
    ["a default export that is an array", { default: [healthPlugin()] }],
    ["a default export that is null", { default: null }],
    ["no namespace at all", undefined],
  ] as const) {
    it(`refuses ${label}`, () => {
      assert.match(problemOf(namespace), /^exports no plugin/);
    });
  }
});

describe("checkPluginExport: version, kind, name, entry points", () => {
  const table: { label: string; change: Record<string, unknown>; expected?: PluginKind; problem: RegExp }[] =
    [
      { label: "apiVersion 2", change: { apiVersion: 2 }, problem: /version 2; this vpcrouter speaks 1$/ },
      {
        label: "no apiVersion",
        change: { apiVersion: undefined },
        problem: /^declares no apiVersion; this vpcrouter speaks plugin API version 1$/,
      },
      {
        label: 'apiVersion "1"',
        change: { apiVersion: "1" },
        problem: /version "1"; this vpcrouter speaks 1$/,
      },
      {
        label: "an unknown kind",
        change: { kind: "watcher" },
        problem: /^has kind "watcher"; a plugin's kind is/,
      },
      { label: "no kind", change: { kind: undefined }, problem: /^has kind undefined/ },
      {
        label: "a spec source where a health check is needed",
        change: { kind: "spec-source" },
        problem: /^is a spec-source plugin, not a health-check plugin$/,
      },
      {
        label: "a health check where a spec source is needed",
        change: {},
        expected: "spec-source",
        problem: /^is a health-check plugin, not a spec-source plugin$/,
      },
      { label: "an upper case name", change: { name: "MyCheck" }, problem: /^has the name "MyCheck"/ },
      {
        label: "a name of 41 characters",
        change: { name: "a".repeat(41) },
        problem: /at most 40 characters/,
      },
      { label: "a name with a leading digit", change: { name: "1check" }, problem: /^has the name "1check"/ },
      { label: "a name with a trailing -", change: { name: "check-" }, problem: /^has the name "check-"/ },
      { label: "a name with --", change: { name: "my--check" }, problem: /^has the name "my--check"/ },
      { label: "a name with _", change: { name: "my_check" }, problem: /^has the name "my_check"/ },
      { label: "an empty name", change: { name: "" }, problem: /^has the name ""/ },
      { label: "no name", change: { name: undefined }, problem: /^has the name undefined/ },
      { label: "no description", change: { description: undefined }, problem: /^has no description/ },
      {
        label: "a description that is no string",
        change: { description: 3 },
        problem: /^has no description/,
      },
      { label: "no start", change: { start: undefined }, problem: /^has no start function$/ },
      { label: "a start that is no function", change: { start: {} }, problem: /^has no start function$/ },
      {
        label: "a checkOptions that is no function",
        change: { checkOptions: [] },
        problem: /^has a checkOptions that is not a function$/,
      },
      {
        label: "options that are a list",
        change: { options: [] },
        problem: /^has options that are not an object/,
      },
      {
        label: "options that are a string",
        change: { options: "x" },
        problem: /^has options that are not an object/,
      },
    ];
  for (const row of table) {
    it(`refuses ${row.label}`, () => {
      assert.match(problemOf({ default: healthPlugin(row.change) }, row.expected), row.problem);
    });
  }

  it("accepts a name of exactly 40 characters and digits after the first letter", () => {
    for (const name of ["a".repeat(40), "a1", "http-json-2", "x-1-y"])
      assert.ok(checkPluginExport({ default: healthPlugin({ name }) }, "health-check").ok, name);
  });
});

describe("checkPluginExport: option declarations", () => {
  const doc = "What it does.";
  const table: { label: string; name?: string; declaration: unknown; problem: RegExp }[] = [
    { label: "an option name with a -", name: "poll-interval", declaration: {}, problem: /camelCase/ },
    { label: "an option name starting upper case", name: "Poll", declaration: {}, problem: /camelCase/ },
    { label: "an option name starting with a digit", name: "1x", declaration: {}, problem: /camelCase/ },
    { label: "a declaration that is no object", declaration: "string", problem: /not an object/ },
    { label: "a declaration that is null", declaration: null, problem: /not an object/ },
    { label: "no doc", declaration: { type: "string", default: "" }, problem: /has no doc$/ },
    { label: "a blank doc", declaration: { type: "string", doc: "  ", default: "" }, problem: /has no doc$/ },
    {
      label: "a string option whose default is a number",
      declaration: { type: "string", doc, default: 3 },
      problem: /default of a string option is a string/,
    },
    {
      label: "choices without the default",
      declaration: { type: "string", doc, default: "c", choices: ["a", "b"] },
      problem: /default is not one of the choices/,
    },
    {
      label: "empty choices",
      declaration: { type: "string", doc, default: "a", choices: [] },
      problem: /choices is a non-empty list of strings/,
    },
    {
      label: "choices that are not strings",
      declaration: { type: "string", doc, default: "a", choices: ["a", 1] },
      problem: /choices is a non-empty list of strings/,
    },
    {
      label: "an integer option with min > max",
      declaration: { type: "integer", doc, default: 5, min: 10, max: 1 },
      problem: /min ≤ max/,
    },
    {
      label: "an integer option without max",
      declaration: { type: "integer", doc, default: 5, min: 1 },
      problem: /min ≤ max/,
    },
    {
      label: "an integer option with a fractional min",
      declaration: { type: "integer", doc, default: 5, min: 0.5, max: 10 },
      problem: /min ≤ max/,
    },
    {
      label: "an integer default above max",
      declaration: { type: "integer", doc, default: 11, min: 1, max: 10 },
      problem: /default is not an integer from min to max/,
    },
    {
      label: "an integer default below min",
      declaration: { type: "integer", doc, default: 0, min: 1, max: 10 },
      problem: /default is not an integer from min to max/,
    },
    {
      label: "a fractional integer default",
      declaration: { type: "integer", doc, default: 2.5, min: 1, max: 10 },
      problem: /default is not an integer from min to max/,
    },
    {
      label: "a boolean option whose default is a string",
      declaration: { type: "boolean", doc, default: "true" },
      problem: /default of a boolean option is true or false/,
    },
    {
      label: "a list option whose default is a string",
      declaration: { type: "list", doc, default: "a,b" },
      problem: /default of a list option is a list of strings/,
    },
    {
      label: "a list option whose default holds a number",
      declaration: { type: "list", doc, default: ["a", 1] },
      problem: /default of a list option is a list of strings/,
    },
    {
      label: "an unknown type",
      declaration: { type: "float", doc, default: 1.5 },
      problem: /has type "float"; a type is string, integer, boolean or list/,
    },
    { label: "no type", declaration: { doc, default: 1 }, problem: /has type undefined/ },
  ];
  for (const row of table) {
    it(`refuses ${row.label}, naming the option`, () => {
      const name = row.name ?? "myOption";
      const problem = problemOf({
        default: healthPlugin({ options: { ok: okOption, [name]: row.declaration } }),
      });
      assert.ok(problem.startsWith(`option ${name}: `), problem);
      assert.match(problem, row.problem);
    });
  }

  it("accepts an option of each type, choices, sensitive, and min = max", () => {
    const options: Record<string, PluginOption> = {
      url: { type: "string", doc, default: "" },
      level: { type: "string", doc, default: "b", choices: ["a", "b"], sensitive: true },
      count: { type: "integer", doc, default: 7, min: 7, max: 7 },
      negative: { type: "integer", doc, default: -3, min: -10, max: -1 },
      on: { type: "boolean", doc, default: true },
      items: { type: "list", doc, default: [] },
    };
    assert.ok(checkPluginExport({ default: healthPlugin({ options }) }, "health-check").ok);
  });
});

describe("checkPluginExport properties", () => {
  const word = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
  const pluginName = fc
    .array(fc.stringMatching(/^[a-z0-9]{1,6}$/), { maxLength: 4 })
    .chain((rest) => word.map((first) => [first, ...rest].join("-")))
    .filter((name) => name.length <= 40);
  const optionName = fc.stringMatching(/^[a-z][A-Za-z0-9]{0,12}$/);
  const doc = fc.string({ minLength: 1 }).filter((text) => text.trim() !== "");
  const option: fc.Arbitrary<PluginOption> = fc.oneof(
    fc.record({ type: fc.constant("string" as const), doc, default: fc.string() }),
    fc
      .tuple(fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 5 }), fc.nat(), doc, fc.boolean())
      .map(([choices, pick, text, sensitive]) => ({
        type: "string" as const,
        doc: text,
        default: choices[pick % choices.length] ?? "",
        choices,
        sensitive,
      })),
    fc
      .tuple(fc.integer(), fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), doc)
      .map(([a, b, at, text]) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        return { type: "integer" as const, doc: text, min, max, default: min + Math.floor((max - min) * at) };
      }),
    fc.record({ type: fc.constant("boolean" as const), doc, default: fc.boolean() }),
    fc.record({ type: fc.constant("list" as const), doc, default: fc.array(fc.string()) }),
  );
  const plugin = fc.record(
    {
      kind: fc.constantFrom<PluginKind>("spec-source", "health-check"),
      name: pluginName,
      description: fc.string(),
      options: fc.dictionary(optionName, option, { maxKeys: 6 }),
      checkOptions: fc.constant(() => []),
    },
    { requiredKeys: ["kind", "name", "description"] },
  );

  it("any valid plugin passes, as the default export or as plugin", () => {
    fc.assert(
      fc.property(plugin, fc.boolean(), (fields, asDefault) => {
        const exported = { apiVersion: 1, ...fields, start: () => undefined };
        const checked = checkPluginExport(
          asDefault ? { default: exported } : { plugin: exported },
          fields.kind,
        );
        assert.ok(checked.ok, checked.ok ? "" : checked.problem);
        assert.equal(checked.plugin, exported);
      }),
    );
  });

  it("a valid plugin is refused when the other kind is expected", () => {
    fc.assert(
      fc.property(plugin, (fields) => {
        const other: PluginKind = fields.kind === "spec-source" ? "health-check" : "spec-source";
        const checked = checkPluginExport(
          { default: { apiVersion: 1, ...fields, start: () => undefined } },
          other,
        );
        assert.equal(checked.ok, false);
        assert.equal(checked.ok ? "" : checked.problem, `is a ${fields.kind} plugin, not a ${other} plugin`);
      }),
    );
  });

  it("any apiVersion but 1 is refused, naming both versions", () => {
    fc.assert(
      fc.property(
        plugin,
        fc.oneof(
          fc.integer().filter((v) => v !== 1),
          fc.string(),
          fc.constant(null),
        ),
        (fields, apiVersion) => {
          const problem = problemOf(
            { default: { ...fields, apiVersion, start: () => undefined } },
            fields.kind,
          );
          assert.ok(problem.startsWith(`speaks plugin API version ${JSON.stringify(apiVersion)};`), problem);
          assert.ok(problem.endsWith("this vpcrouter speaks 1"), problem);
        },
      ),
    );
  });
});
