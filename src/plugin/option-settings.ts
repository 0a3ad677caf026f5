/**
 * What vpcrouter makes of a plugin's option declarations: settings under `plugins.<name>` (so the
 * configuration file, the environment and validation treat them like every other setting), and
 * the flag of each option.
 */
import {
  boolean,
  integer,
  list,
  oneOf,
  type Setting,
  type SettingGroup,
  text,
} from "../config/declaration.js";
import { TEXT_LIST } from "../config/plugin-formats.js";
import type { PluginOption, PluginOptions, PluginOptionValue } from "./api.js";

/** The plugins' part of the configuration: `plugins.<plugin name>.<option name>`. */
export const PLUGIN_SETTINGS_GROUP = "plugins";

/** What vpcrouter needs of a plugin to offer its options. */
export interface OptionOwner {
  readonly name: string;
  readonly options?: PluginOptions;
}

/** The setting of one option, e.g. `plugins.http-json.pollIntervalMs`. */
export function optionSettingPath(plugin: string, option: string): string {
  return `${PLUGIN_SETTINGS_GROUP}.${plugin}.${option}`;
}

/**
 * The flag of one option: `--<plugin>-<option in kebab case> <value>`, e.g. plugin `http-json`,
 * option `pollIntervalMs` → `--http-json-poll-interval-ms <value>`.
 */
export function optionFlag(plugin: string, option: string): string {
  return `--${plugin}-${option.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()}`;
}

/**
 * The settings group of the plugins' options, to join {@link SETTINGS} under `plugins`: one group
 * per plugin that declares options.
 */
export function pluginSettingsGroup(plugins: readonly OptionOwner[]): SettingGroup {
  const group: Record<string, SettingGroup> = {};
  for (const plugin of plugins) {
    const entries = Object.entries(plugin.options ?? {});
    if (entries.length === 0) continue;
    group[plugin.name] = Object.fromEntries(entries.map(([name, option]) => [name, settingOf(option)]));
  }
  return group;
}

/**
 * `values` fit for logs and the API: each set `sensitive` string option replaced by `redacted`.
 * @param redacted the text shown instead (config/load.ts `REDACTED`)
 */
export function redactedOptions<Values extends Readonly<Record<string, PluginOptionValue>>>(
  declared: PluginOptions | undefined,
  values: Values,
  redacted: string,
): Values {
  const copy: Record<string, PluginOptionValue> = { ...values };
  for (const [name, option] of Object.entries(declared ?? {})) {
    if (
      option.type === "string" &&
      option.sensitive === true &&
      copy[name] !== undefined &&
      copy[name] !== ""
    )
      copy[name] = redacted;
  }
  return copy as Values;
}

/** The one-line help of an option: its doc and default. */
export function optionHelp(option: PluginOption): string {
  const shown = Array.isArray(option.default) ? option.default.join(",") : String(option.default);
  return `${option.doc} (default ${shown === "" ? '""' : shown})`;
}

function settingOf(option: PluginOption): Setting<PluginOptionValue> {
  const basics = { doc: option.doc };
  switch (option.type) {
    case "integer":
      return integer(option.min, option.max, { ...basics, default: option.default });
    case "boolean":
      return boolean({ ...basics, default: option.default });
    case "list":
      return list({ ...basics, format: TEXT_LIST, default: [...option.default] });
    case "string": {
      const sensitive = option.sensitive === true ? ({ sensitive: true } as const) : {};
      const [first, ...rest] = option.choices ?? [];
      if (first !== undefined)
        return oneOf([first, ...rest], { ...basics, default: option.default, ...sensitive });
      return text({ ...basics, default: option.default, ...sensitive });
    }
  }
}
