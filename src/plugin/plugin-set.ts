/**
 * The plugins a configuration names (`spec.mode`; `probe.health`, or each of `probe.multiPlugins`
 * under `multi`), loaded and checked together: one spec source at most, the health checks in order.
 */
import type { PluginKind } from "./api.js";
import { type LoadedPlugin, loadPlugin, PluginLoadError, type PluginLookup } from "./load-plugin.js";
import { MULTI, OPERATOR_MODES } from "./reserved-names.js";

/** The settings that name plugins. */
export interface PluginNames {
  readonly mode: string;
  readonly health: string;
  readonly multiPlugins: readonly string[];
}

/** The plugins in use. */
export interface PluginSet {
  /** The spec source; undefined in the etcd and http modes. */
  readonly specSource: LoadedPlugin<"spec-source"> | undefined;
  /** The health checks: one, or the checks of `multi` (a router is failed when any of them fails it). */
  readonly healthChecks: readonly LoadedPlugin<"health-check">[];
}

/** The plugins' names as settings give them, with the setting of each (for messages). */
export function namedPlugins(names: PluginNames): { reference: string; kind: PluginKind; setting: string }[] {
  const health =
    names.health === MULTI
      ? names.multiPlugins.map((reference) => ({ reference, setting: "probe.multiPlugins" }))
      : [{ reference: names.health, setting: "probe.health" }];
  return [
    ...(OPERATOR_MODES.includes(names.mode)
      ? []
      : [{ reference: names.mode, kind: "spec-source" as const, setting: "spec.mode" }]),
    ...health.map((entry) => ({ ...entry, kind: "health-check" as const })),
  ];
}

/**
 * Loads every plugin the settings name.
 * @throws PluginLoadError for the first that cannot be used, or when two plugins have one name.
 */
export async function loadPluginSet(names: PluginNames, lookup: PluginLookup): Promise<PluginSet> {
  let specSource: LoadedPlugin<"spec-source"> | undefined;
  const healthChecks: LoadedPlugin<"health-check">[] = [];
  const seen = new Map<string, string>();
  for (const { reference, kind, setting } of namedPlugins(names)) {
    const loaded = await loadPlugin(reference, kind, setting, lookup);
    const other = seen.get(loaded.plugin.name);
    if (other !== undefined)
      throw new PluginLoadError(
        setting,
        reference,
        `has the name ${loaded.plugin.name}, as ${JSON.stringify(other)} has`,
      );
    seen.set(loaded.plugin.name, reference);
    if (loaded.plugin.kind === "spec-source") specSource = loaded as LoadedPlugin<"spec-source">;
    else healthChecks.push(loaded as LoadedPlugin<"health-check">);
  }
  return { specSource, healthChecks };
}

/** Every plugin of a set, the spec source first. */
export function pluginsOf(set: PluginSet): LoadedPlugin[] {
  return [...(set.specSource ? [set.specSource] : []), ...set.healthChecks];
}
