/** The etcd wire record of one replica's failure view: the value of `<prefix>/votes/<replicaId>`. */

/** One replica's published view, bound to its lease (docs/DESIGN.md section 3 "etcd key layout"). */
export interface Vote {
  /** Router IPs this replica sees as failed. */
  readonly failed: readonly string[];
  /** The etcd mod revision of the spec this view was formed under. */
  readonly specRevision: string;
  /** ISO 8601 time the vote was written (informational). */
  readonly at?: string;
  /** W3C `traceparent` of the span in which this view was formed (replica/trace-links.ts); optional. */
  readonly traceparent?: string;
}
