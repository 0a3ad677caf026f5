/**
 * Picks a router for a route that must (re)point, with the rules of vpc-router 1.8's
 * `_choose_different_host` (vpcrouter/vpc/__init__.py), made deterministic: vpc-router picks at
 * random among its candidates, we take the first candidate in the operator's (spec) order.
 *
 * 1. A healthy host (neither failed nor questionable) if there is one; `current` is not excluded
 *    (a healthy current host is a fine answer).
 * 2. Otherwise a questionable host that has not failed, but only when `current` is not itself one
 *    of those: moving from one questionable host to another gains nothing and would let a route
 *    flap between questionable routers.
 * 3. Otherwise none.
 *
 * @param hosts - candidate router IPs in spec order (repeats are harmless).
 * @param failed - quorum-confirmed failed router IPs: never chosen.
 * @param questionable - routers some replicas see as failed: chosen only when no healthy one exists.
 * @param current - the router the route points at now, if known (vpc-router's `old_ip`).
 * @returns the chosen router IP, or `undefined` when no candidate is left (the caller keeps the
 *   route as it is).
 */
export function chooseTarget(
  hosts: readonly string[],
  failed: ReadonlySet<string>,
  questionable: ReadonlySet<string>,
  current?: string,
): string | undefined {
  const alive = hosts.filter((host) => !failed.has(host));
  const healthy = alive.find((host) => !questionable.has(host));
  if (healthy !== undefined) return healthy;
  const currentIsQuestionableCandidate = current !== undefined && alive.includes(current);
  return currentIsQuestionableCandidate ? undefined : alive[0];
}
