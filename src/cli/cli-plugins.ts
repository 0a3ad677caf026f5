/**
 * The plugins a command line names, loaded before it is parsed, so that their options are flags of
 * the program and settings of the loader. A plugin that cannot be loaded is kept as the error,
 * reported (exit 2) by any command that needs the configuration.
 */
import type { Plugin } from "../plugin/api.js";
import { builtInPlugins } from "../plugin/built-ins.js";
import { PluginLoadError } from "../plugin/load-plugin.js";
import { loadPluginSet, type PluginNames, pluginsOf } from "../plugin/plugin-set.js";

/** The plugins in use, or why they cannot be. */
export interface CliPlugins {
  readonly plugins: readonly Plugin[];
  readonly error?: PluginLoadError;
}

/** Loads the plugins `names` gives; never throws (but for bugs). */
export async function loadCliPlugins(names: PluginNames): Promise<CliPlugins> {
  try {
    const set = await loadPluginSet(names, { builtIns: builtInPlugins() });
    return { plugins: pluginsOf(set).map((loaded) => loaded.plugin) };
  } catch (error) {
    if (error instanceof PluginLoadError) return { plugins: [], error };
    throw error;
  }
}
