/**
 * The records an operator writes besides the spec (docs/DESIGN.md section 3): a maintenance pause
 * (`<prefix>/pause`) and a switchover request (`<prefix>/switchover`), as stored in etcd.
 */

/** A cluster-wide maintenance pause: while the key exists, no replica writes to EC2. */
export interface PauseRecord {
  /** Who paused, e.g. `"alice@bastion-1"`. */
  readonly by: string;
  /** ISO 8601 time of the pause. */
  readonly at: string;
  readonly reason?: string;
}

/** A request that the leader hand over at once (as `patronictl switchover`). */
export interface SwitchoverRequest {
  /** The replica id that leads when the request is made: only its term is asked to end. */
  readonly from: string;
  /** The replica that should lead next; absent: whoever is next in the election. */
  readonly to?: string;
  /** ISO 8601 time of the request. */
  readonly at: string;
}
