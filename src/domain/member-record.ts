/** The etcd wire record of a live replica: the value of `<prefix>/members/<replicaId>`. */

/** Who a live replica is; bound to its lease, so it vanishes with the replica. */
export interface MemberRecord {
  readonly id: string;
  readonly zone: string;
  readonly version: string;
  /** ISO 8601 time the replica process started. */
  readonly startedAt: string;
  /** `host:port` of the replica's HTTP API. */
  readonly apiAddr: string;
}
