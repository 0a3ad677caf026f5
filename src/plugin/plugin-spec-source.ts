/**
 * A spec-source plugin behind the daemon's {@link SpecSource}: what it emits is validated like any
 * route spec and becomes a reading; throws, rejections and garbage become failed readings, so the
 * publisher keeps the last good spec and nothing is written for them.
 */
import { within } from "../lib/within.js";
import { formatSpecProblems, validateSpec } from "../route-spec/parse.js";
import type { SpecParseResult } from "../route-spec/route-spec.js";
import { sameRouteSpec } from "../spec-source/same-spec.js";
import type { SpecReading, SpecSource } from "../spec-source/spec-source.js";
import type { PluginOptionValues, PluginRun, SpecSourcePlugin } from "./api.js";
import type { PluginFaults } from "./plugin-faults.js";
import { PLUGIN_STOP_TIMEOUT_MS, stopPluginRun } from "./stop-run.js";

/** Options of {@link PluginSpecSource.start}. */
export interface PluginSpecSourceOptions {
  readonly options: PluginOptionValues;
  /** The spec limit (`spec.maxRoutes`). */
  readonly maxRoutes: number;
  readonly faults: PluginFaults;
}

/** A running spec-source plugin as a {@link SpecSource}. */
export class PluginSpecSource implements SpecSource {
  latest: SpecReading;
  private readonly listeners = new Set<(reading: SpecReading) => void>();
  private readonly abort = new AbortController();
  private run: Promise<PluginRun | undefined> | undefined;
  private readonly origin: string;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly plugin: SpecSourcePlugin,
    private readonly settings: PluginSpecSourceOptions,
  ) {
    this.origin = `spec source ${plugin.name}`;
    this.latest = { origin: this.origin, result: problem("no spec from the source yet"), pending: true };
  }

  /**
   * Starts `plugin`. A spec it emits within `start` is the first reading. Never throws: a start that
   * throws or rejects leaves a failed reading and is reported as a fault.
   */
  static start(plugin: SpecSourcePlugin, settings: PluginSpecSourceOptions): PluginSpecSource {
    const source = new PluginSpecSource(plugin, settings);
    source.begin();
    return source;
  }

  onChange(listener: (reading: SpecReading) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Aborts the plugin's signal and awaits its `stop` (at most 5 s); later emits are ignored. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.abort.abort();
      this.listeners.clear();
      const started = (this.run ?? Promise.resolve(undefined)).catch(() => undefined);
      const onFault = (error: unknown) => this.settings.faults.report(this.plugin.name, "stop", error);
      // A start that never finishes must not hold up the shutdown; if it finishes later, it is stopped then.
      const outcome = await within(started, PLUGIN_STOP_TIMEOUT_MS);
      if (outcome.settled) await stopPluginRun(outcome.value, onFault);
      else void started.then((late) => stopPluginRun(late, onFault));
    })();
    return this.closing;
  }

  private begin(): void {
    const { faults, options } = this.settings;
    const name = this.plugin.name;
    const context = {
      logger: faults.loggerFor(name),
      options,
      signal: this.abort.signal,
      emit: (spec: unknown) => this.take(spec),
      fail: (why: unknown) => this.settle(problem(typeof why === "string" ? why : String(why))),
    };
    try {
      this.run = Promise.resolve(this.plugin.start(context));
    } catch (error) {
      this.run = Promise.reject(error);
    }
    this.run.catch((error: unknown) => {
      faults.report(name, "start", error);
      this.settle(problem(`the plugin failed to start: ${(error as Error)?.message ?? String(error)}`));
    });
  }

  /** An emitted value: validated whole; garbage is a failed reading and a fault. */
  private take(spec: unknown): void {
    if (this.abort.signal.aborted) return;
    let result: SpecParseResult;
    try {
      result = validateSpec(spec, { maxRoutes: this.settings.maxRoutes });
    } catch (error) {
      result = problem(`not a route spec: ${(error as Error).message}`);
    }
    if (!result.ok)
      this.settings.faults.report(this.plugin.name, "emit", formatSpecProblems(result.problems));
    this.settle(result);
  }

  /** A new reading, unless it says what the last one said. */
  private settle(result: SpecParseResult): void {
    if (this.abort.signal.aborted || sameResult(this.latest, result)) return;
    this.latest = { origin: this.origin, result };
    for (const listener of [...this.listeners]) {
      try {
        listener(this.latest);
      } catch (error) {
        process.emitWarning(error as Error, "SpecSourceWarning");
      }
    }
  }
}

function problem(message: string): SpecParseResult {
  return { ok: false, problems: [{ message }] };
}

function sameResult(reading: SpecReading, next: SpecParseResult): boolean {
  if (reading.pending === true) return false;
  const last = reading.result;
  if (last.ok && next.ok) return sameRouteSpec(last.spec, next.spec);
  if (!last.ok && !next.ok) return formatSpecProblems(last.problems) === formatSpecProblems(next.problems);
  return false;
}
