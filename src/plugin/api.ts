/**
 * vpcrouter's plugin API, version 1 (imported by plugins as `vpcrouter/plugin`): the shapes of a
 * spec-source plugin and of a health-check plugin, their options and the context they get.
 * Types and one constant only, so a plugin needs vpcrouter at build time, not at run time.
 */

/** The plugin API version this vpcrouter speaks; a plugin declaring another one is refused (exit 2). */
export const PLUGIN_API_VERSION = 1;

/** The value of one plugin option after validation. */
export type PluginOptionValue = string | number | boolean | readonly string[];

/** Validated option values by option name, each present (its default when not given). */
export type PluginOptionValues = Readonly<Record<string, PluginOptionValue>>;

/**
 * One option a plugin declares. vpcrouter turns option `pollIntervalMs` of plugin `http-json`
 * into the setting `plugins.http-json.pollIntervalMs`, the flag `--http-json-poll-interval-ms
 * <value>` and the environment variable `VPCROUTER_PLUGINS_HTTP_JSON_POLL_INTERVAL_MS`, validates
 * it with the other settings (exit 2 on a bad value) and lists it in `--help`.
 */
export type PluginOption =
  | {
      readonly type: "string";
      /** One line for operators; units in words ("…, ms."). */
      readonly doc: string;
      readonly default: string;
      /** The only values allowed, if any. */
      readonly choices?: readonly string[];
      /** A secret: never shown in messages or in `/status`. */
      readonly sensitive?: boolean;
    }
  | {
      readonly type: "integer";
      readonly doc: string;
      readonly default: number;
      /** Smallest and largest value allowed (inclusive). */
      readonly min: number;
      readonly max: number;
    }
  | { readonly type: "boolean"; readonly doc: string; readonly default: boolean }
  | {
      /** A list of strings; text (flags, environment) is split on `,`. */
      readonly type: "list";
      readonly doc: string;
      readonly default: readonly string[];
    };

/** A plugin's option declarations by name; a name is camelCase (`/^[a-z][A-Za-z0-9]*$/`). */
export type PluginOptions = Readonly<Record<string, PluginOption>>;

/**
 * The logger a plugin gets: every line carries `plugin: <name>`. Fields are JSON-able values.
 */
export interface PluginLogger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** What every plugin declares, whatever its kind. */
export interface PluginBase<Kind extends PluginKind> {
  /** The plugin API version the plugin was written for: {@link PLUGIN_API_VERSION}. */
  readonly apiVersion: number;
  /** `"spec-source"` (named by `-m/--mode`) or `"health-check"` (named by `--health`, or in `--multi-plugins`). */
  readonly kind: Kind;
  /**
   * The plugin's name: lower case words joined by `-` (`/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/`, at most
   * 40 characters), unique among the plugins loaded and not a built-in's name. It names the
   * plugin's options, logs and metrics; it need not be the package's name.
   */
  readonly name: string;
  /** One line for `--help`, `/plugins` and the logs. */
  readonly description: string;
  /** The options the plugin takes; none when omitted. */
  readonly options?: PluginOptions;
  /**
   * Checks the options together, once each was validated on its own (vpc-router's
   * `check_arguments`). Runs at start, before anything else.
   * @returns the problems found, each a sentence naming the option, e.g. `"url must be http(s)"`; empty when none
   */
  checkOptions?(options: PluginOptionValues): readonly string[];
}

/** The kinds of plugin. */
export type PluginKind = "spec-source" | "health-check";

/** What every plugin's `start` gets. */
export interface PluginContext {
  readonly logger: PluginLogger;
  /** The plugin's validated options. */
  readonly options: PluginOptionValues;
  /** Aborted when vpcrouter stops the plugin (on shutdown): stop timers and requests then. */
  readonly signal: AbortSignal;
}

/** What a plugin's `start` may return: how to stop it, beside the abort signal. */
export interface PluginRun {
  /** Releases everything the plugin holds; awaited at most 5 s at shutdown. */
  stop?(): void | Promise<void>;
}

/** The context of a spec source. */
export interface SpecSourceContext extends PluginContext {
  /**
   * Hands over a whole route spec (a JSON value in the route spec format: CIDR → router IPs),
   * never a change. vpcrouter validates it like any spec; a bad one is rejected whole and the last
   * good spec stays in force. The same spec again is no change.
   */
  emit(spec: unknown): void;
  /**
   * Says the source cannot produce a spec now (e.g. its server is down), shown in the logs and
   * `/status`; the last good spec stays in force.
   * @param problem one sentence, e.g. `"GET http://…/spec.json: 503"`
   */
  fail(problem: string): void;
}

/**
 * A spec-source plugin (vpc-router's watcher plugin): turns an outside source into whole route
 * specs. Every replica runs it; only the leader writes what it emits into `<prefix>/spec`.
 */
export interface SpecSourcePlugin extends PluginBase<"spec-source"> {
  /**
   * Starts watching the source. It may emit from within `start` or at any time later until its
   * signal is aborted. A throw or rejection is logged and counted; the replica then has no spec
   * from this source.
   */
  start(context: SpecSourceContext): PluginRun | undefined | Promise<PluginRun | undefined>;
}

/** One check's answer. */
export interface HealthVerdict {
  /** True: the router is up. */
  readonly up: boolean;
  /** Why, in a few words (shown in logs when a router fails), e.g. `"instance stopped"`. */
  readonly reason?: string;
}

/** The context of a health check. */
export interface HealthCheckContext extends PluginContext {
  /**
   * A monitor's verdict: the whole set of failed routers among the current hosts, by IP, each with
   * a reason, never a change (vpc-router's monitor queue of failed lists). IPs not among the
   * hosts are ignored. A monitor that never reports has failed nobody.
   */
  report(failed: Readonly<Record<string, string>>): void;
}

/** A health check that probes one router at a time; vpcrouter schedules it and applies fall/rise. */
export interface ProbeRun extends PluginRun {
  /**
   * Checks one router once.
   * @param ip a literal IPv4 address from the route spec; send traffic only to it
   * @param timeoutMs answer within this many ms; a throw or a rejection is a miss and counts as a
   *   fault of the plugin, and so does no answer 100 ms after the timeout
   * @param signal aborted when the check's time is up: then answer `{ up: false }`, or reject (a
   *   rejection after the abort is a plain miss, not a fault)
   */
  check(ip: string, timeoutMs: number, signal: AbortSignal): Promise<HealthVerdict>;
}

/**
 * A health check that watches all routers at once on its own cadence and reports whole failed sets
 * through {@link HealthCheckContext.report} (e.g. one batched API call for all routers). Its
 * verdicts are taken as they are: it applies its own thresholds.
 */
export interface MonitorRun extends PluginRun {
  /** The routers to watch, called at start and whenever the route spec's routers change. */
  watch(hosts: readonly string[]): void;
}

/**
 * A health-check plugin (vpc-router's health monitor plugin). `start` returns a {@link ProbeRun}
 * (it has `check`) or a {@link MonitorRun} (it has `watch`). A router is failed when any health
 * check in force fails it (`multi` combines several).
 */
export interface HealthCheckPlugin extends PluginBase<"health-check"> {
  start(context: HealthCheckContext): ProbeRun | MonitorRun | Promise<ProbeRun | MonitorRun>;
}

/** Any plugin; a plugin module's default export (or its export named `plugin`). */
export type Plugin = SpecSourcePlugin | HealthCheckPlugin;
