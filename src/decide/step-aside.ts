/**
 * Who steps aside for a switchover request (`vpcrouter switchover [--to ID]`): a pure decision on
 * one cluster snapshot, made by every replica for itself.
 */
import type { SwitchoverRequest } from "../domain/operator-records.js";

/** A candidate of the election, oldest first (the first one leads). */
export interface ElectionEntry {
  readonly key: string;
  readonly replicaId: string;
}

/**
 * Whether the replica holding election key `myKey` must give up its place (delete its election key
 * and campaign again, so it becomes the newest candidate).
 *
 * - A request made of another term (its `from` no longer leads) is stale: nobody moves.
 * - Without `to`: only the leader steps aside; the next candidate leads.
 * - With `to`: every candidate older than `to`'s steps aside, the leader included, so `to` becomes
 *   the oldest; when `to` is not a candidate (gone, or never was), nobody moves.
 *
 * @param candidates the election's candidates, oldest first.
 * @returns true when this replica must step aside.
 */
export function mustStepAside(
  request: SwitchoverRequest,
  candidates: readonly ElectionEntry[],
  myKey: string,
): boolean {
  const leader = candidates[0];
  if (leader === undefined || leader.replicaId !== request.from) return false;
  if (request.to === undefined) return leader.key === myKey;
  const target = candidates.findIndex((candidate) => candidate.replicaId === request.to);
  const mine = candidates.findIndex((candidate) => candidate.key === myKey);
  return target > 0 && mine >= 0 && mine < target;
}
