/**
 * The flags of the plugins' options (`--<plugin>-<option> <value>`, plugin/option-settings.ts):
 * commander options listed in `--help` under the plugins' names, and the values given mapped onto
 * the options' setting paths.
 */
import { Option } from "commander";
import type { Plugin } from "../plugin/api.js";
import { PluginLoadError } from "../plugin/load-plugin.js";
import { optionFlag, optionHelp, optionSettingPath } from "../plugin/option-settings.js";

/** One plugin option's flag. */
interface PluginFlag {
  readonly option: Option;
  /** Its setting, e.g. `plugins.http-json.url`. */
  readonly path: string;
}

/**
 * The flags of every option of `plugins`.
 * @param taken long flags the program has already (a plugin option must not shadow one)
 * @throws PluginLoadError when an option's flag is one of `taken` or another option's
 */
export function pluginFlags(plugins: readonly Plugin[], taken: ReadonlySet<string>): PluginFlag[] {
  // Flags (and so variables) of earlier plugins are taken too: `a-b`'s `c` and `a`'s `bC` would meet.
  const used = new Set(taken);
  return plugins.flatMap((plugin) =>
    Object.entries(plugin.options ?? {}).map(([name, declaration]) => {
      const flag = optionFlag(plugin.name, name);
      if (used.has(flag))
        throw new PluginLoadError(
          "plugins",
          plugin.name,
          `option ${name} would have the flag ${flag}, which is taken`,
        );
      used.add(flag);
      const option = new Option(`${flag} <value>`, `${plugin.name}: ${optionHelp(declaration)}`);
      return { option, path: optionSettingPath(plugin.name, name) };
    }),
  );
}

/** The plugin options given as flags, by setting path (text; the loader coerces and validates). */
export function pluginOverrides(
  flags: readonly PluginFlag[],
  values: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const { option, path } of flags) {
    const value = values[option.attributeName()];
    if (value !== undefined) overrides[path] = value;
  }
  return overrides;
}
