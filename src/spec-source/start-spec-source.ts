/**
 * Starts the spec source of a replica's mode (vpc-router's `-m/--mode`), the one call the daemon
 * makes: a spec-source plugin, built-in (configfile, fixedconf) or external. In `etcd` and `http`
 * modes the spec key is written by operators (etcdctl, `vpcrouter spec put`, `POST /route_spec`),
 * so there is nothing to start.
 */
import type { Logger } from "pino";
import { REDACTED } from "../config/load.js";
import type { VpcrouterConfig } from "../config/schema.js";
import type { LeaderDuty } from "../leader/leader-duty.js";
import { optionsOf } from "../plugin/built-ins.js";
import type { LoadedPlugin } from "../plugin/load-plugin.js";
import { redactedOptions } from "../plugin/option-settings.js";
import type { PluginFaults } from "../plugin/plugin-faults.js";
import { PluginSpecSource } from "../plugin/plugin-spec-source.js";
import { formatSpecProblems } from "../route-spec/parse.js";
import { type PublisherReplica, type PublisherStore, SpecPublisher } from "./spec-publisher.js";
import type { SpecSource } from "./spec-source.js";

/** Collaborators of {@link startSpecSource}. */
export interface SpecSourceDeps {
  readonly store: PublisherStore;
  /** The replica whose states the publisher follows, and which runs it as a leader duty. */
  readonly replica: PublisherReplica & { addLeaderDuty(duty: LeaderDuty): void };
  readonly logger: Logger;
  /** Where the plugin's faults go. */
  readonly faults: PluginFaults;
}

/** A running spec source. */
export interface SpecSourceHandle {
  /** The watched source (undefined in etcd and http modes). */
  readonly source: SpecSource | undefined;
  /** Stops the publisher and the source (no timer or watch left); idempotent; never throws. */
  close(): Promise<void>;
}

/**
 * Starts the plugin and the leader-side publisher into `<prefix>/spec`, run by the replica as a
 * leader duty. Call it before `replica.start()`, so that the publisher is there for the first term.
 * Every replica runs the source; only the leader writes what it emits.
 * @param plugin the spec-source plugin; undefined in the etcd and http modes
 * @param config its options (a built-in's from its settings) and the spec limit `spec.maxRoutes`
 */
export function startSpecSource(
  plugin: LoadedPlugin<"spec-source"> | undefined,
  config: VpcrouterConfig,
  deps: SpecSourceDeps,
): SpecSourceHandle {
  if (plugin === undefined) return { source: undefined, close: async () => undefined };
  const options = optionsOf(plugin, config);
  deps.logger.info(
    {
      plugin: plugin.plugin.name,
      location: plugin.location,
      options: redactedOptions(plugin.plugin.options, options, REDACTED),
    },
    `spec source: ${plugin.plugin.description}`,
  );
  const source = PluginSpecSource.start(plugin.plugin, {
    options,
    maxRoutes: config.spec.maxRoutes,
    faults: deps.faults,
  });
  const publisher = new SpecPublisher(source, deps.store, deps.logger.child({ component: "spec-source" }));
  deps.replica.addLeaderDuty(publisher);
  publisher.start(deps.replica);
  let closing: Promise<void> | undefined;
  return {
    source,
    close: () => {
      closing ??= (async () => {
        await publisher.close().catch(() => undefined);
        await source.close().catch(() => undefined);
      })();
      return closing;
    },
  };
}

/**
 * `/status` `specSource` (none without a source): the source's origin, whether its last reading
 * was good, why not, and when it last gave a good spec.
 */
export function specSourceView(
  source: SpecSource | undefined,
  lastGoodAt: string | undefined,
): { specSource?: Record<string, unknown> } {
  if (source === undefined) return {};
  const { origin, result, pending } = source.latest;
  return {
    specSource: {
      origin,
      ok: result.ok,
      ...(pending === true ? { pending: true } : {}),
      ...(!result.ok && pending !== true ? { error: formatSpecProblems(result.problems) } : {}),
      ...(lastGoodAt !== undefined ? { lastGoodAt } : {}),
    },
  };
}
