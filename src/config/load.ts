/**
 * Loads a replica's configuration from its sources and validates it, or explains what is wrong.
 *
 * Precedence, lowest first: schema defaults < config/default.json < the operator's file <
 * environment `VPCROUTER_*` < overrides (CLI flags). convict 6.2.5 applies environment values after
 * every file it loads, which gives exactly this order.
 */
import { accessSync, closeSync, constants, existsSync, fstatSync, openSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import convict from "convict";
import type { PluginOptionValues } from "../plugin/api.js";
import {
  type OptionOwner,
  PLUGIN_SETTINGS_GROUP,
  pluginSettingsGroup,
  redactedOptions,
} from "../plugin/option-settings.js";
import { normaliseIgnoredCidr } from "../route-spec/ignore-routes.js";
import { crossSettingProblems } from "./constraints.js";
import { convictSchemaOf, settingPathsOf } from "./declaration.js";
import { isSettingPath, type SettingPath } from "./paths.js";
import {
  type CoreConfig,
  configSchema,
  type PluginSettings,
  SETTINGS,
  type VpcrouterConfig,
} from "./schema.js";

/** A configuration that cannot be used. `message` names each offending setting and its problem. */
export class ConfigError extends Error {
  /** One entry per problem, e.g. `"probe.fall: must be an integer from 1 to 1000: value was 0"`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Where configuration comes from. Every source is optional. */
export interface ConfigSources {
  /** Path of a JSON configuration file in the shape of {@link VpcrouterConfig} (any subset). */
  file?: string;
  /** Environment to read `VPCROUTER_*` variables from; omitted: none are read (hermetic by default). */
  env?: NodeJS.ProcessEnv;
  /** Values by dotted setting path (e.g. `"probe.intervalMs"`); text is coerced like env values. */
  overrides?: Record<string, unknown>;
  /**
   * Settings computed from the others, applied after the overrides and before validation (the CLI
   * uses it to turn vpc-router's `--icmp_check_interval`/`--tcp_check_interval` into
   * `probe.intervalMs` according to the health check in force). `draft` is the merged, not yet
   * validated configuration. Returns values by dotted path (text is coerced like overrides) and
   * problems, each starting with the setting it concerns; both join the ConfigError's list.
   */
  derive?: (draft: Readonly<CoreConfig>) => DerivedSettings;
  /**
   * The plugins in use (plugin/plugin-set.ts): their declared options join the settings under
   * `plugins.<name>.<option>` (file key, `VPCROUTER_PLUGINS_…` variable, override path), and each
   * plugin's `checkOptions` runs after validation.
   */
  plugins?: readonly PluginOptionsOwner[];
}

/** What the loader needs of a plugin. */
export interface PluginOptionsOwner extends OptionOwner {
  checkOptions?(options: PluginOptionValues): readonly string[];
}

/** What a {@link ConfigSources.derive} hook contributes. */
export interface DerivedSettings {
  /** Values by setting path, e.g. `{ "probe.intervalMs": 2000 }`. */
  readonly values: Readonly<Partial<Record<SettingPath, unknown>>>;
  readonly problems: readonly string[];
}

/**
 * vpc-router's words for a bad value of these settings (main/__init__.py `_parse_args`,
 * plugin_framework `load_plugin`), put after the setting name so that operators who grep for
 * vpc-router's messages find ours: e.g. `api.port: Invalid listen port: must be an integer …`.
 */
const VPC_ROUTER_WORDING: Readonly<Partial<Record<SettingPath, string>>> = {
  "api.port": "Invalid listen port",
  "probe.health": "Unknown health-check plugin",
  "probe.tcpCheckPort": "Invalid port for the TCP health-test",
  "spec.mode": "Unknown mode",
};

/** config/default.json, found relative to this module both in src/ (tsx) and in dist/ (built). */
const DEFAULT_FILE = fileURLToPath(new URL("../../config/default.json", import.meta.url));

/** Text shown instead of a secret. */
export const REDACTED = "[redacted]";

/**
 * Builds and validates a configuration.
 *
 * @param sources - optional file, environment and overrides (see {@link ConfigSources}).
 * @returns a fresh, fully validated configuration; `replica.id` is the host name when not set.
 * @throws ConfigError when the file cannot be read or parsed, holds an unknown key, any value is
 *   invalid, settings contradict each other, or a TLS or secret file is unreadable. The message names every
 *   offending setting; secrets are never included.
 */
export function loadConfig(sources: ConfigSources = {}): VpcrouterConfig {
  const plugins = sources.plugins ?? [];
  const optionsGroup = pluginSettingsGroup(plugins);
  const schema =
    Object.keys(optionsGroup).length === 0
      ? configSchema
      : convictSchemaOf({ ...SETTINGS, [PLUGIN_SETTINGS_GROUP]: optionsGroup });
  const pluginPaths = new Set(settingPathsOf(optionsGroup, PLUGIN_SETTINGS_GROUP));
  // The schema's type is the core's: the plugins' group is typed by PluginSettings below.
  const config = convict(schema as typeof configSchema, { env: sources.env ?? {}, args: [] });
  if (existsSync(DEFAULT_FILE)) config.load(readJsonObject(DEFAULT_FILE));
  if (sources.file !== undefined) config.load(readJsonObject(sources.file));
  for (const [path, value] of Object.entries(sources.overrides ?? {})) {
    if (value === undefined) continue;
    if (!isSettingPath(path) && !pluginPaths.has(path)) throw new ConfigError([`${path}: unknown setting`]);
    // Text or typed: the setting's format coerces text, so `value` need not have the value's type.
    config.set<string>(path, value);
  }
  const derived = sources.derive?.(config.getProperties()) ?? { values: {}, problems: [] };
  for (const [path, value] of Object.entries(derived.values)) config.set(path, value);
  try {
    config.validate({ allowed: "strict" });
  } catch (error) {
    throw new ConfigError([...convictProblems(error), ...derived.problems]);
  }
  const loaded: VpcrouterConfig = { ...config.getProperties(), plugins: {} };
  const given = (config.getProperties() as { plugins?: PluginSettings }).plugins;
  for (const plugin of plugins) {
    if (given?.[plugin.name] !== undefined) loaded.plugins[plugin.name] = given[plugin.name] ?? {};
  }
  if (loaded.replica.id === "") loaded.replica.id = hostReplicaId();
  // vpc-router's ignore_routes rules, once for every source (file, env, flags): canonical CIDRs.
  loaded.reconcile.ignoreRoutes = loaded.reconcile.ignoreRoutes.map((entry) => {
    const parsed = normaliseIgnoredCidr(entry);
    return parsed.ok ? parsed.cidr.text : entry;
  });
  const problems = [
    ...derived.problems,
    ...crossSettingProblems(loaded),
    ...unreadableFiles(loaded),
    ...unreadableSpecFile(loaded),
    ...pluginOptionProblems(plugins, loaded.plugins),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return loaded;
}

/** Each plugin's own check of its options (vpc-router's `check_arguments`); a throw is a problem too. */
function pluginOptionProblems(plugins: readonly PluginOptionsOwner[], values: PluginSettings): string[] {
  return plugins.flatMap((plugin) => {
    if (plugin.checkOptions === undefined) return [];
    try {
      const problems: unknown = plugin.checkOptions(values[plugin.name] ?? {});
      if (!Array.isArray(problems))
        return [`plugins.${plugin.name}: checkOptions returned no list of problems`];
      return problems.map((problem) => `plugins.${plugin.name}: ${String(problem)}`);
    } catch (error) {
      return [`plugins.${plugin.name}: checkOptions threw: ${errorText(error)}`];
    }
  });
}

/**
 * A copy of `config` safe to show in logs and in the status API: `etcd.password` and the plugins'
 * sensitive options are replaced by {@link REDACTED} when set.
 */
export function redactedConfig(
  config: VpcrouterConfig,
  plugins: readonly OptionOwner[] = [],
): VpcrouterConfig {
  const copy = structuredClone(config);
  if (copy.etcd.password !== "") copy.etcd.password = REDACTED;
  for (const plugin of plugins) {
    const values = copy.plugins[plugin.name];
    if (values) copy.plugins[plugin.name] = redactedOptions(plugin.options, values, REDACTED);
  }
  return copy;
}

function readJsonObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError([`config file ${file}: cannot be read (${errorText(error)})`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`config file ${file}: is not valid JSON (${jsonErrorWithoutExcerpt(error)})`]);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError([`config file ${file}: must hold a JSON object`]);
  }
  return value as Record<string, unknown>;
}

/**
 * V8's JSON.parse message without the excerpt of the text or the offending character it may
 * quote, e.g. `Unexpected token 'h', ..."assword": hunter2-su"... is not valid JSON`: a config file
 * can hold a secret. Positions (`at position 8 (line 1 column 9)`) are kept.
 */
function jsonErrorWithoutExcerpt(error: unknown): string {
  return errorText(error)
    .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, "")
    .replace(/^Unexpected token '.+?'/s, "Unexpected token");
}

/** Rewrites convict's newline-separated messages into "<setting>: <problem>" entries. */
function convictProblems(error: unknown): string[] {
  return errorText(error)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const undeclared = /^configuration param '(.+)' not declared in the schema$/.exec(line);
      if (undeclared) return `${undeclared[1]}: unknown setting`;
      const missing = /^configuration param '(.+)' missing from config/.exec(line);
      if (missing) return `${missing[1]}: missing (its parent was set to a non-object value)`;
      return withVpcRouterWording(line);
    });
}

function withVpcRouterWording(problem: string): string {
  for (const [path, words] of Object.entries(VPC_ROUTER_WORDING)) {
    const head = `${path}: `;
    if (problem.startsWith(head)) return `${head}${words}: ${problem.slice(head.length)}`;
  }
  return problem;
}

function hostReplicaId(): string {
  const name = hostname();
  const id = name.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 128);
  if (!/^[A-Za-z0-9]/.test(id)) {
    throw new ConfigError([
      `replica.id: not set and the host name ${JSON.stringify(name)} cannot be used; set it`,
    ]);
  }
  return id;
}

function unreadableFiles(config: VpcrouterConfig): string[] {
  const { etcd, api } = config;
  const files: [SettingPath, string][] = [
    ["etcd.caFile", etcd.caFile],
    ["etcd.certFile", etcd.certFile],
    ["etcd.keyFile", etcd.keyFile],
    ["etcd.passwordFile", etcd.passwordFile],
    ["api.tokenFile", api.tokenFile],
    ["api.tls.cert", api.tls.cert],
    ["api.tls.key", api.tls.key],
    ["api.tls.clientCa", api.tls.clientCa],
    ["api.client.cert", api.client.cert],
    ["api.client.key", api.client.key],
    ["api.client.ca", api.client.ca],
  ];
  const problems: string[] = [];
  for (const [setting, file] of files) {
    if (file === "") continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (error) {
      problems.push(`${setting}: cannot read ${file} (${errorText(error)})`);
    }
  }
  return problems;
}

/**
 * configfile mode reads `spec.file` at start, as vpc-router does (watcher/plugins/configfile.py
 * `check_arguments`: "Cannot open config file '<path>': <reason>"). A directory cannot be read
 * as a file either.
 */
function unreadableSpecFile(config: VpcrouterConfig): string[] {
  const { mode, file } = config.spec;
  if (mode !== "configfile" || file === "") return [];
  let reason: string | undefined;
  try {
    // Non-blocking: a FIFO at that path must not hang the start (the watcher refuses it too).
    const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      if (!fstatSync(fd).isFile()) reason = "is not a regular file";
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    reason = errorText(error);
  }
  return reason === undefined ? [] : [`spec.file: Cannot open config file '${file}': ${reason}`];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
