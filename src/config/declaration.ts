/**
 * How a setting is declared (one typed helper per kind of setting, used by schema.ts) and what is
 * derived from the declaration: the configuration's TypeScript type and the convict schema.
 */
import type { Schema } from "convict";
import { BOOLEAN, integerFormat, TEXT, zeroOrIntegerFormat } from "./formats.js";

/** A convict format: a registered format name (formats.ts) or the allowed values. */
export type SettingFormat = string | readonly string[];

/** What the declaration of every setting says, whatever its kind. */
export interface SettingBasics<Value> {
  /** One line for operators (convict's documentation); units in words, e.g. "…, ms.". */
  readonly doc: string;
  /** The value when no source sets one. */
  readonly default: Value;
  /** A secret: convict never shows its value in messages (`etcd.password`). */
  readonly sensitive?: true;
}

/**
 * One declared setting whose validated value has type `Value`. Made by the helpers below
 * ({@link integer}, {@link text}, {@link oneOf}, …), never by hand; its environment variable is not
 * declared but derived from its path ({@link envNameOf}).
 */
export class Setting<Value> implements SettingBasics<Value> {
  readonly doc: string;
  readonly default: Value;
  readonly sensitive?: true;

  constructor(
    /** How convict validates (and coerces text into) the value. */
    readonly format: SettingFormat,
    basics: SettingBasics<Value>,
  ) {
    this.doc = basics.doc;
    this.default = basics.default;
    if (basics.sensitive === true) this.sensitive = true;
  }
}

/** A group of settings: each key is a setting or a nested group (`probe`, `aws`, …). */
export interface SettingGroup {
  readonly [key: string]: Setting<unknown> | SettingGroup;
}

/**
 * The configuration a declaration describes: the same keys, each setting replaced by its value
 * type, e.g. `{ api: { port: integer(…) } }` → `{ api: { port: number } }`. Mutable, like the object
 * convict returns.
 */
export type ConfigOf<Group> = {
  -readonly [Key in keyof Group]: Group[Key] extends Setting<infer Value> ? Value : ConfigOf<Group[Key]>;
};

/**
 * The dotted paths of the leaves of a configuration type, e.g. `"api.port" | "probe.intervalMs"`.
 * A leaf is any value that is not a plain object: a string, number, boolean or list.
 */
export type LeafPathOf<Config> = {
  [Key in keyof Config & string]: Config[Key] extends readonly unknown[]
    ? Key
    : Config[Key] extends object
      ? `${Key}.${LeafPathOf<Config[Key]>}`
      : Key;
}[keyof Config & string];

/**
 * The type of the value at a dotted path of a configuration type, e.g.
 * `ValueAtPath<{ api: { port: number } }, "api.port">` is `number`.
 */
export type ValueAtPath<Config, Path extends string> = Path extends `${infer Head}.${infer Rest}`
  ? Head extends keyof Config
    ? ValueAtPath<Config[Head], Rest>
    : never
  : Path extends keyof Config
    ? Config[Path]
    : never;

/**
 * An integer setting in `[min, max]` (inclusive); text (env, flags) is coerced strictly.
 * @param min - smallest allowed value, in the setting's unit.
 * @param max - largest allowed value.
 */
export function integer(min: number, max: number, basics: SettingBasics<number>): Setting<number> {
  return new Setting(integerFormat(min, max), basics);
}

/**
 * A period or count where `0` disables the activity: `0` or an integer in `[min, max]`.
 * @param min - smallest allowed value besides 0.
 * @param max - largest allowed value.
 */
export function zeroOrInteger(min: number, max: number, basics: SettingBasics<number>): Setting<number> {
  return new Setting(zeroOrIntegerFormat(min, max), basics);
}

/**
 * A string setting.
 * @param basics - `format`: a registered string format from formats.ts; default any text without
 *   control characters.
 */
export function text(basics: SettingBasics<string> & { readonly format?: string }): Setting<string> {
  const { format = TEXT, ...rest } = basics;
  return new Setting(format, rest);
}

/**
 * A setting that takes one of a few strings; its type is their union.
 * @param values - the allowed values, e.g. `["managed", "all"]` (their order is convict's message's).
 */
export function oneOf<const Values extends readonly [string, ...string[]]>(
  values: Values,
  basics: SettingBasics<NoInfer<Values[number]>>,
): Setting<Values[number]> {
  return new Setting([...values], basics);
}

/** A `true`/`false` setting (text `"true"`/`"false"` from env and flags). */
export function boolean(basics: SettingBasics<boolean>): Setting<boolean> {
  return new Setting(BOOLEAN, basics);
}

/**
 * A list setting, e.g. `list({ format: IPV4_LIST, … })` → `string[]`, or `list<LogLevel>(…)` for
 * a list whose format admits only those strings.
 * @param basics - `format`: a registered list format from formats.ts (it also splits text into items).
 */
export function list<Item extends string = string>(
  basics: SettingBasics<NoInfer<Item>[]> & { readonly format: string },
): Setting<Item[]> {
  const { format, ...rest } = basics;
  return new Setting(format, rest);
}

/**
 * The environment variable of a setting: `VPCROUTER_` + the path in upper snake case.
 * @param path - e.g. `"probe.intervalMs"`, or a plugin option `"plugins.http-json.url"`.
 * @returns e.g. `"VPCROUTER_PROBE_INTERVAL_MS"`, `"VPCROUTER_PLUGINS_HTTP_JSON_URL"`.
 */
export function envNameOf(path: string): string {
  return `VPCROUTER_${path
    .split(".")
    .map((segment) =>
      segment
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .replaceAll("-", "_")
        .toUpperCase(),
    )
    .join("_")}`;
}

/**
 * The dotted path of every setting of `group`, depth first in declaration order,
 * e.g. `["replica.id", "replica.zone", "etcd.endpoints", …]`.
 */
export function settingPathsOf(group: SettingGroup, prefix = ""): string[] {
  return Object.entries(group).flatMap(([key, node]) => {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    return node instanceof Setting ? [path] : settingPathsOf(node, path);
  });
}

/**
 * The convict schema of a declaration: every setting gets its `doc`, `format`, `default`,
 * `sensitive` and `env = envNameOf(path)`.
 */
export function convictSchemaOf<Group extends SettingGroup>(group: Group): Schema<ConfigOf<Group>> {
  // The object mirrors `group` key for key, which is what ConfigOf describes.
  return schemaOf(group, "") as Schema<ConfigOf<Group>>;
}

function schemaOf(group: SettingGroup, prefix: string): Record<string, unknown> {
  const schema: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(group)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    schema[key] = node instanceof Setting ? settingSchemaOf(path, node) : schemaOf(node, path);
  }
  return schema;
}

function settingSchemaOf(path: string, setting: Setting<unknown>): Record<string, unknown> {
  return {
    doc: setting.doc,
    format: typeof setting.format === "object" ? [...setting.format] : setting.format,
    default: setting.default,
    env: envNameOf(path),
    ...(setting.sensitive === true ? { sensitive: true } : {}),
  };
}
