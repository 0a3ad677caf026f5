import type { Route, RouterEni } from "../vpc/model.js";
import { chooseTarget } from "./choose-target.js";
import { currentRouter, isRouterRoute } from "./route-target.js";

/** What the planner knows about one spec CIDR when it picks the router for it. */
export interface CidrTargetInput {
  /** Resolved routers of the CIDR, in spec order (unresolved IPs already left out). */
  readonly routers: readonly RouterEni[];
  /** The CIDR's routes, one per route table that has one. */
  readonly routes: readonly Route[];
  readonly failed: ReadonlySet<string>;
  readonly questionable: ReadonlySet<string>;
}

/**
 * Picks the ONE router a spec CIDR should point at in every table (DESIGN.md rules 3 and 4).
 *
 * 1. Keep what works: among the routers that active routes point at today and that have not failed
 *    (questionable ones included: no failback, no needless moves), keep the one most tables use;
 *    ties go to the earlier one in spec order.
 * 2. Otherwise the route must move: {@link chooseTarget} over the resolved routers, preferring
 *    healthy ones. A router behind a blackholed route is treated as questionable here, since the
 *    route's state says its ENI or instance is gone.
 *
 * @returns the router, or `undefined` when every resolved router has failed (or none resolved).
 */
export function pickCidrTarget(input: CidrTargetInput): RouterEni | undefined {
  return keepCurrentTarget(input) ?? chooseNewTarget(input);
}

function keepCurrentTarget({ routers, routes, failed }: CidrTargetInput): RouterEni | undefined {
  const tablesUsing = new Map<RouterEni, number>();
  for (const route of routes) {
    if (!isRouterRoute(route) || route.state !== "active") continue;
    const current = currentRouter(route, routers, failed);
    if (current === undefined || failed.has(current.ip)) continue;
    tablesUsing.set(current, (tablesUsing.get(current) ?? 0) + 1);
  }
  let kept: RouterEni | undefined;
  for (const router of routers) {
    const count = tablesUsing.get(router) ?? 0;
    if (count > 0 && (kept === undefined || count > (tablesUsing.get(kept) ?? 0))) kept = router;
  }
  return kept;
}

function chooseNewTarget({ routers, routes, failed, questionable }: CidrTargetInput): RouterEni | undefined {
  const suspect = new Set(questionable);
  for (const route of routes) {
    if (!isRouterRoute(route) || route.state !== "blackhole") continue;
    const current = currentRouter(route, routers, failed);
    if (current !== undefined) suspect.add(current.ip);
  }
  const ip = chooseTarget(
    routers.map((router) => router.ip),
    failed,
    suspect,
  );
  return routers.find((router) => router.ip === ip);
}
