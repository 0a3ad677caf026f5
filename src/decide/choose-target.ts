/**
 * Picks a router for a route that must (re)point, in vpc-router's `_choose_different_host` order
 * but deterministic (vpc-router shuffles): the first host in the operator's order that is not
 * `exclude`, not failed and not questionable; else the first questionable one that is not failed.
 *
 * @param hosts - candidate router IPs in spec order.
 * @param failed - quorum-confirmed failed router IPs: never chosen.
 * @param questionable - routers some replicas see as failed: chosen only when no healthy one exists.
 * @param exclude - a router not to choose (e.g. the one being moved away from).
 * @returns the chosen router IP, or `undefined` when no candidate is left.
 */
export function chooseTarget(
  hosts: readonly string[],
  failed: ReadonlySet<string>,
  questionable: ReadonlySet<string>,
  exclude?: string,
): string | undefined {
  const candidates = hosts.filter((host) => host !== exclude && !failed.has(host));
  return candidates.find((host) => !questionable.has(host)) ?? candidates[0];
}
