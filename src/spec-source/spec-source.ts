/**
 * Where a replica's route spec comes from besides `<prefix>/spec` itself (vpc-router's watcher
 * plugins `configfile` and `fixedconf`). A source only reads; the leader's `SpecPublisher`
 * writes its valid readings into `<prefix>/spec`, so every replica keeps reading the spec from etcd.
 */
import type { SpecParseResult } from "../route-spec/route-spec.js";

/** One reading of a spec source: the spec, or why there is none. */
export interface SpecReading {
  /** Where it came from, for logs, e.g. `route spec file /etc/vpcrouter/spec.json`. */
  readonly origin: string;
  /** The parsed spec, or its problems (also "cannot read the file"). */
  readonly result: SpecParseResult;
  /** True for the placeholder before a plugin's first spec: not logged as a rejected spec. */
  readonly pending?: true;
}

/** A source of route specs that may change over time. */
export interface SpecSource {
  /** The latest reading (sources read once when they open, so there always is one). */
  readonly latest: SpecReading;
  /**
   * Calls `listener` with each new reading: only when what the source holds changed (the same
   * content read again is no event).
   * @returns a function that removes the listener.
   */
  onChange(listener: (reading: SpecReading) => void): () => void;
  /** Stops watching (no timer or file watch is left behind); idempotent. */
  close(): Promise<void>;
}
