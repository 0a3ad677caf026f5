/**
 * Checks what a plugin module exports against the plugin API (api.ts) before anything of it runs:
 * API version, kind, name, option declarations and entry points. Pure.
 */
import { PLUGIN_API_VERSION, type Plugin, type PluginKind, type PluginOption } from "./api.js";

/** A plugin name: lower case words joined by `-`, at most 40 characters. */
const PLUGIN_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** An option name: camelCase. */
const OPTION_NAME = /^[a-z][A-Za-z0-9]*$/;

/** The outcome of {@link checkPluginExport}. */
export type ManifestCheck =
  | { readonly ok: true; readonly plugin: Plugin }
  | { readonly ok: false; readonly problem: string };

/**
 * Picks the plugin out of a module namespace (its default export, else its export `plugin`) and
 * checks it.
 * @param namespace what `import()` returned
 * @param expected the kind the setting that names it needs (`spec.mode`: spec-source)
 * @returns the plugin, or one sentence saying what is wrong, e.g. `"speaks plugin API version 2;
 *   this vpcrouter speaks 1"`
 */
export function checkPluginExport(namespace: unknown, expected: PluginKind): ManifestCheck {
  const exported = pluginExportOf(namespace);
  if (!isObject(exported))
    return bad(
      "exports no plugin (its default export, or an export named plugin, must be the plugin object)",
    );
  const { apiVersion, kind, name, description, options, checkOptions, start } = exported;
  if (apiVersion === undefined)
    return bad(`declares no apiVersion; this vpcrouter speaks plugin API version ${PLUGIN_API_VERSION}`);
  if (apiVersion !== PLUGIN_API_VERSION)
    return bad(
      `speaks plugin API version ${JSON.stringify(apiVersion)}; this vpcrouter speaks ${PLUGIN_API_VERSION}`,
    );
  if (kind !== "spec-source" && kind !== "health-check")
    return bad(`has kind ${JSON.stringify(kind)}; a plugin's kind is spec-source or health-check`);
  if (kind !== expected) return bad(`is a ${kind} plugin, not a ${expected} plugin`);
  if (typeof name !== "string" || name.length > 40 || !PLUGIN_NAME.test(name))
    return bad(
      `has the name ${JSON.stringify(name)}; a name is lower case words joined by - (at most 40 characters)`,
    );
  if (typeof description !== "string") return bad("has no description (a string)");
  if (typeof start !== "function") return bad("has no start function");
  if (checkOptions !== undefined && typeof checkOptions !== "function")
    return bad("has a checkOptions that is not a function");
  if (options !== undefined) {
    if (!isObject(options)) return bad("has options that are not an object of declarations");
    for (const [optionName, declaration] of Object.entries(options)) {
      const problem = optionProblem(optionName, declaration);
      if (problem !== undefined) return bad(`option ${optionName}: ${problem}`);
    }
  }
  // Every field the API requires was checked above.
  return { ok: true, plugin: exported as unknown as Plugin };
}

function pluginExportOf(namespace: unknown): unknown {
  if (!isObject(namespace)) return undefined;
  return namespace.default ?? namespace.plugin;
}

/** What is wrong with one option declaration, if anything. */
function optionProblem(name: string, declaration: unknown): string | undefined {
  if (!OPTION_NAME.test(name)) return "an option name is camelCase (a letter, then letters and digits)";
  if (!isObject(declaration)) return "the declaration is not an object";
  const option = declaration as Partial<PluginOption> & Record<string, unknown>;
  if (typeof option.doc !== "string" || option.doc.trim() === "") return "has no doc";
  switch (option.type) {
    case "string":
      if (typeof option.default !== "string") return "the default of a string option is a string";
      if (option.choices !== undefined) {
        const choices: unknown = option.choices;
        if (!Array.isArray(choices) || choices.length === 0 || choices.some((c) => typeof c !== "string"))
          return "choices is a non-empty list of strings";
        if (!choices.includes(option.default)) return "the default is not one of the choices";
      }
      return undefined;
    case "integer": {
      const { min, max, default: value } = option;
      if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || (min as number) > (max as number))
        return "an integer option declares integers min ≤ max";
      if (
        !Number.isSafeInteger(value) ||
        (value as number) < (min as number) ||
        (value as number) > (max as number)
      )
        return "the default is not an integer from min to max";
      return undefined;
    }
    case "boolean":
      return typeof option.default === "boolean"
        ? undefined
        : "the default of a boolean option is true or false";
    case "list":
      return Array.isArray(option.default) &&
        option.default.every((item: unknown) => typeof item === "string")
        ? undefined
        : "the default of a list option is a list of strings";
    default:
      return `has type ${JSON.stringify(option.type)}; a type is string, integer, boolean or list`;
  }
}

function bad(problem: string): ManifestCheck {
  return { ok: false, problem };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
