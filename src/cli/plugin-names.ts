/**
 * Which plugins a command line names, found before it is parsed: the plugins' options become flags
 * of the program, so they must be loaded first (vpc-router parses `-m` and `-H` first for the same
 * reason). The names come from the flags, the environment and the configuration file, with the
 * loader's precedence.
 */
import { readFileSync } from "node:fs";
import convict from "convict";
import { listFromColonText } from "../config/formats.js";
import { configSchema } from "../config/schema.js";
import type { PluginNames } from "../plugin/plugin-set.js";
import { CONFIG_FILE_ENV, CONFIG_FILE_FLAG, CONFIG_FLAGS } from "./flag-table.js";
import { spellingsOf } from "./flags.js";

/** The settings that name plugins, and where they go in {@link PluginNames}. */
const NAMING_SETTINGS = {
  "spec.mode": "mode",
  "probe.health": "health",
  "probe.multiPlugins": "multiPlugins",
} as const;
type NamingPath = keyof typeof NAMING_SETTINGS;

/**
 * The value each spelling of the naming flags (and `--config`) was given in `args`, the last one
 * winning as with commander: `--mode x`, `--mode=x`, `-m x`, `-mx`.
 */
function flagValues(args: readonly string[]): {
  overrides: Partial<Record<NamingPath, string>>;
  config?: string;
} {
  const spellings = new Map<string, NamingPath | "config">();
  for (const flag of CONFIG_FLAGS) {
    if (!(flag.path in NAMING_SETTINGS)) continue;
    for (const spelling of spellingsOf(flag))
      for (const name of spelling.flags.split(/[ ,]+/).filter((part) => part.startsWith("-")))
        spellings.set(name, flag.path as NamingPath);
  }
  spellings.set(CONFIG_FILE_FLAG.flags.split(" ")[0] ?? "--config", "config");
  const found: { overrides: Partial<Record<NamingPath, string>>; config?: string } = { overrides: {} };
  const set = (target: NamingPath | "config", value: string) => {
    if (target === "config") found.config = value;
    else found.overrides[target] = value;
  };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? "";
    if (arg === "--") break;
    const equals = arg.indexOf("=");
    const head = arg.startsWith("--") && equals > 0 ? arg.slice(0, equals) : arg;
    const target = spellings.get(head);
    if (target !== undefined) {
      const value = head === arg ? args[++index] : arg.slice(equals + 1);
      if (value !== undefined) set(target, value);
      continue;
    }
    // A short flag with its value attached: -mconfigfile.
    const short = !arg.startsWith("--") && arg.length > 2 ? spellings.get(arg.slice(0, 2)) : undefined;
    if (short !== undefined) set(short, arg.slice(2));
  }
  return found;
}

/**
 * The plugin names in force for `args` (after the program name) and `env`, as the configuration
 * loader will see them: defaults < configuration file < environment < flags. A file that cannot be
 * read or values that do not validate are left to the loader to report; the names are then the
 * best guess, and loading fails later with the loader's message.
 */
export function pluginNamesOf(args: readonly string[], env: NodeJS.ProcessEnv): PluginNames {
  const { overrides, config: configFlag } = flagValues(args);
  const config = convict(configSchema, { env, args: [] });
  const file = configFlag ?? env[CONFIG_FILE_ENV];
  if (file) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        const { plugins: _options, ...core } = parsed as Record<string, unknown>;
        config.load(core);
      }
    } catch {
      // The loader reports the file.
    }
  }
  for (const [path, value] of Object.entries(overrides)) config.set(path, value);
  const text = (path: NamingPath): string => String(config.get(path));
  const multi = config.get("probe.multiPlugins") as unknown;
  const listed = Array.isArray(multi) ? multi : listFromColonText(String(multi));
  const multiPlugins = Array.isArray(listed) ? listed.map(String) : [];
  return { mode: text("spec.mode"), health: text("probe.health"), multiPlugins };
}
