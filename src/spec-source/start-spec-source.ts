/**
 * Starts the spec source of a replica's mode (vpc-router's `-m/--mode`), the one call the daemon
 * makes. In `etcd` and `http` modes the spec key is written by operators (etcdctl, `vpcrouter spec
 * put`, `POST /route_spec`), so there is nothing to start.
 */
import type { Logger } from "pino";
import type { VpcrouterConfig } from "../config/schema.js";
import type { LeaderDuty } from "../leader/leader-duty.js";
import { ConfigFileSource } from "./config-file-source.js";
import { fixedSpecSource } from "./fixed-spec.js";
import { type PublisherReplica, type PublisherStore, SpecPublisher } from "./spec-publisher.js";
import type { SpecSource } from "./spec-source.js";

/** Collaborators of {@link startSpecSource}. */
export interface SpecSourceDeps {
  readonly store: PublisherStore;
  /** The replica whose states the publisher follows, and which runs it as a leader duty. */
  readonly replica: PublisherReplica & { addLeaderDuty(duty: LeaderDuty): void };
  readonly logger: Logger;
  /** Content check period of the configfile mode, ms (default 1000). */
  readonly pollIntervalMs?: number;
}

/** A running spec source. */
export interface SpecSourceHandle {
  readonly mode: VpcrouterConfig["spec"]["mode"];
  /** The watched source (undefined in etcd and http modes). */
  readonly source: SpecSource | undefined;
  /** Stops the publisher and the source (no timer or watch left); idempotent; never throws. */
  close(): Promise<void>;
}

/**
 * Starts the source for `settings.mode` and, for configfile and fixedconf, the leader-side
 * publisher into `<prefix>/spec`, run by the replica as a leader duty. Call it before
 * `replica.start()`, so that the publisher is there for the first term. A spec file that cannot be read is logged and awaited (the
 * configuration loader is where a missing file stops the start).
 * @param settings the `spec` section of the configuration (mode, file, fixedCidr, fixedHosts, maxRoutes)
 */
export function startSpecSource(settings: VpcrouterConfig["spec"], deps: SpecSourceDeps): SpecSourceHandle {
  const { mode } = settings;
  const options = { maxRoutes: settings.maxRoutes };
  let source: SpecSource;
  if (mode === "configfile") {
    deps.logger.info({ file: settings.file }, "spec source: watching the route spec file");
    source = ConfigFileSource.open({
      path: settings.file,
      ...options,
      ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
    });
  } else if (mode === "fixedconf") {
    deps.logger.info(
      { cidr: settings.fixedCidr, hosts: settings.fixedHosts },
      "spec source: fixed spec from the configuration",
    );
    source = fixedSpecSource(settings, options);
  } else {
    return { mode, source: undefined, close: async () => undefined };
  }
  const publisher = new SpecPublisher(source, deps.store, deps.logger.child({ component: "spec-source" }));
  deps.replica.addLeaderDuty(publisher);
  publisher.start(deps.replica);
  let closing: Promise<void> | undefined;
  return {
    mode,
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
