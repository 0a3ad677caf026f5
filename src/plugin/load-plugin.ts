/**
 * Loads a plugin by the name a setting gives (vpc-router's `load_plugin`): a built-in name, an npm
 * package (resolved from the working directory, then from vpcrouter's own node_modules), or a module
 * path (`./x.js`, `/x.mjs`, relative to the working directory).
 */
import { existsSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { HealthCheckPlugin, PluginKind, SpecSourcePlugin } from "./api.js";
import { checkPluginExport } from "./plugin-manifest.js";
import { RESERVED_NAMES } from "./reserved-names.js";

/**
 * vpc-router's words for a plugin name it cannot load (main/__init__.py, plugin_framework
 * `load_plugin`), so that operators who grep for them find ours.
 */
const UNKNOWN_WORDS: Readonly<Record<string, string>> = {
  "spec.mode": "Unknown mode",
  "probe.health": "Unknown health-check plugin",
  "probe.multiPlugins": "Unknown health-check plugin",
};

/** A plugin that cannot be used: it cannot be loaded, is of the wrong kind or speaks another API version (exit 2). */
export class PluginLoadError extends Error {
  constructor(
    /** The setting that names it, e.g. `spec.mode`. */
    readonly setting: string,
    /** The name as given, e.g. `vpcrouter-plugin-romana`. */
    readonly reference: string,
    problem: string,
    /** True when nothing of that name could be found (worded as vpc-router words it). */
    notFound = false,
  ) {
    const words = notFound ? UNKNOWN_WORDS[setting] : undefined;
    super(
      words === undefined
        ? `${setting}: plugin ${JSON.stringify(reference)} ${problem}`
        : `${setting}: ${words} ${JSON.stringify(reference)}: ${problem}`,
    );
    this.name = "PluginLoadError";
  }
}

/** The plugin of a kind. */
export type PluginOfKind<Kind extends PluginKind> = Kind extends "spec-source"
  ? SpecSourcePlugin
  : HealthCheckPlugin;

/** A plugin ready to start, and where it came from. */
export interface LoadedPlugin<Kind extends PluginKind = PluginKind> {
  readonly plugin: PluginOfKind<Kind>;
  /** The name as the setting gave it. */
  readonly reference: string;
  /** `built-in`, or the module's file URL. */
  readonly location: string;
  readonly builtIn: boolean;
}

/** Where {@link loadPlugin} looks. */
export interface PluginLookup {
  /** Built-in plugins of each kind by name. */
  readonly builtIns: Readonly<Record<string, SpecSourcePlugin | HealthCheckPlugin>>;
  /** Directory package names and relative paths are resolved from (default: the process's). */
  readonly cwd?: string;
}

/**
 * Loads and checks one plugin.
 * @param reference the setting's value
 * @param kind the kind the setting needs
 * @param setting the setting's path, for messages (`spec.mode`, `probe.health`, `probe.multiPlugins`)
 * @throws PluginLoadError when the module cannot be found or imported (it threw), exports no plugin,
 *   names another kind, speaks another API version, or declares bad options.
 */
export async function loadPlugin<Kind extends PluginKind>(
  reference: string,
  kind: Kind,
  setting: string,
  lookup: PluginLookup,
): Promise<LoadedPlugin<Kind>> {
  const reserved = Object.hasOwn(RESERVED_NAMES, reference) ? RESERVED_NAMES[reference] : undefined;
  if (reserved !== undefined)
    throw new PluginLoadError(setting, reference, `is not a ${kind} plugin: it is ${reserved}`);
  const builtIn = Object.hasOwn(lookup.builtIns, reference) ? lookup.builtIns[reference] : undefined;
  if (builtIn !== undefined) {
    if (builtIn.kind !== kind)
      throw new PluginLoadError(
        setting,
        reference,
        `is a built-in ${builtIn.kind} plugin, not a ${kind} plugin`,
      );
    return { plugin: builtIn as PluginOfKind<Kind>, reference, location: "built-in", builtIn: true };
  }
  const cwd = lookup.cwd ?? process.cwd();
  const url = moduleUrlOf(reference, cwd, setting);
  let namespace: unknown;
  try {
    namespace = await import(url);
  } catch (error) {
    // "Unknown" only when the plugin itself is missing, not a module it imports.
    const missing = isPath(reference) && !existsSync(fileURLToPath(url));
    throw new PluginLoadError(
      setting,
      reference,
      `cannot be loaded from ${url}: ${messageOf(error)}`,
      missing,
    );
  }
  const checked = checkPluginExport(namespace, kind);
  if (!checked.ok) throw new PluginLoadError(setting, reference, checked.problem);
  if (
    Object.hasOwn(lookup.builtIns, checked.plugin.name) ||
    Object.hasOwn(RESERVED_NAMES, checked.plugin.name)
  )
    throw new PluginLoadError(setting, reference, `takes the name of the built-in ${checked.plugin.name}`);
  return { plugin: checked.plugin as PluginOfKind<Kind>, reference, location: url, builtIn: false };
}

function isPath(reference: string): boolean {
  return reference.startsWith("./") || reference.startsWith("../") || isAbsolute(reference);
}

/** The module's file URL: a path as given, a package from `cwd`'s node_modules, else from ours. */
function moduleUrlOf(reference: string, cwd: string, setting: string): string {
  if (isPath(reference)) return pathToFileURL(resolve(cwd, reference)).href;
  if (isBuiltin(reference))
    throw new PluginLoadError(
      setting,
      reference,
      "is not a built-in name, and a Node.js module is no plugin",
      true,
    );
  try {
    return pathToFileURL(createRequire(join(cwd, "package.json")).resolve(reference)).href;
  } catch {
    // Not installed beside the working directory (or exported for `import` only): try ours.
  }
  const installed = join(cwd, "node_modules", reference, "package.json");
  try {
    return import.meta.resolve(reference);
  } catch (error) {
    if (existsSync(installed))
      throw new PluginLoadError(
        setting,
        reference,
        `is installed (${installed}) but exports no entry vpcrouter can resolve: give its package.json "exports" a "." entry with a "default" condition, or a "main"`,
      );
    throw new PluginLoadError(
      setting,
      reference,
      `not a built-in name, and no package of that name is installed (looked in ${join(cwd, "node_modules")} and vpcrouter's own node_modules): ${messageOf(error)}`,
      true,
    );
  }
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
