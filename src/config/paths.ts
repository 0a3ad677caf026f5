/**
 * The dotted paths of all settings (`"probe.intervalMs"`, …), typed and listed, and their
 * environment variable names.
 */
import { type LeafPathOf, settingPathsOf, type ValueAtPath } from "./declaration.js";
import { type CoreConfig, SETTINGS } from "./schema.js";

export { envNameOf } from "./declaration.js";

/** The dotted path of one setting, e.g. `"probe.intervalMs"`; a misspelt path fails to compile. */
export type SettingPath = LeafPathOf<CoreConfig>;

/** The value type of the setting at `Path`, e.g. `SettingValue<"log.level">` is `LogLevel`. */
export type SettingValue<Path extends SettingPath> = ValueAtPath<CoreConfig, Path>;

/**
 * Every setting path in declaration order, e.g. `["replica.id", "replica.zone", …]`: the settings
 * of SETTINGS, which are exactly the leaves of {@link CoreConfig} (plugins' options are not among them).
 */
export const SETTING_PATHS = settingPathsOf(SETTINGS) as readonly SettingPath[];

const KNOWN_PATHS: ReadonlySet<string> = new Set(SETTING_PATHS);

/** Whether `path` names a setting (e.g. a path from a caller's overrides). */
export function isSettingPath(path: string): path is SettingPath {
  return KNOWN_PATHS.has(path);
}
