/**
 * The daemon's side of plugins: loading the set a configuration names (a plugin that cannot be
 * used stops the start with exit 2), and the faults sink that logs and counts their errors.
 */
import type { VpcrouterConfig } from "../config/schema.js";
import type { InstanceStatusReader } from "../probe/ec2-status-check.js";
import { builtInPlugins } from "./built-ins.js";
import { PluginLoadError } from "./load-plugin.js";
import { loadPluginSet, type PluginSet, pluginsOf } from "./plugin-set.js";

/** A plugin named by the configuration cannot be used (the daemon exits 2). */
export class PluginStartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PluginStartupError";
  }
}

/**
 * Loads the plugins `config` names (module imports are cached: the command line loaded them already).
 * @param instanceStatus the EC2 port, for ec2status
 * @throws PluginStartupError when one cannot be loaded
 */
export async function loadDaemonPlugins(
  config: VpcrouterConfig,
  instanceStatus: () => InstanceStatusReader,
): Promise<PluginSet> {
  try {
    return await loadPluginSet(
      { mode: config.spec.mode, health: config.probe.health, multiPlugins: config.probe.multiPlugins },
      { builtIns: builtInPlugins({ instanceStatus }) },
    );
  } catch (error) {
    if (error instanceof PluginLoadError) throw new PluginStartupError(error.message);
    throw error;
  }
}

/** The plugins by the name the settings give, for `GET /plugins`. */
export function pluginsShown(set: PluginSet): Record<string, { name: string; location: string }> {
  return Object.fromEntries(
    pluginsOf(set).map((loaded) => [
      loaded.reference,
      { name: loaded.plugin.name, location: loaded.location },
    ]),
  );
}
