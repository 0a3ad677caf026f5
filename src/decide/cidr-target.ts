/**
 * Target choice for one spec CIDR: the one router every table should point at, keeping what works
 * (docs/DESIGN.md, safety rules 1 and 4). Pure.
 */
import type { Route, RouterEni } from "../domain/route-table.js";
import { chooseTarget } from "./choose-host.js";
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
 * Picks the ONE router a spec CIDR should point at in every table (docs/DESIGN.md, safety rules 1, 3 and 4).
 *
 * 1. Keep what works: among the routers that active routes point at today and that have not
 *    failed, keep the one most tables use (the fewest moves to align the tables); a tie goes to a
 *    healthy router (neither failed nor questionable) over a questionable one, then to the earlier
 *    in spec order. A questionable router is one that fewer than a quorum of replicas see failed:
 *    rule 1 says one replica's partial view never moves a route, so being questionable never adds
 *    a move, it only breaks ties where the number of moves is the same (vpc-router, with a single
 *    view, moved such routes). No failback either: a live router is never left for a "better" one.
 * 2. Otherwise the route must move: {@link chooseTarget} over the resolved routers (vpc-router's
 *    `_choose_different_host` order): the first healthy one, else a questionable one. A router
 *    behind a blackholed route counts as questionable here, since the route's state says its ENI
 *    or instance is gone; one that is also questionable comes last.
 *
 * @returns the router, or `undefined` when every resolved router has failed (or none resolved).
 */
export function pickCidrTarget(input: CidrTargetInput): RouterEni | undefined {
  return mostUsed(input.routers, routersInUse(input), input.questionable) ?? chooseNewTarget(input);
}

/** How many tables' active routes point at each live (not failed) spec router. */
function routersInUse({ routers, routes, failed, questionable }: CidrTargetInput): Map<RouterEni, number> {
  const tablesUsing = new Map<RouterEni, number>();
  for (const route of routes) {
    if (!isRouterRoute(route) || route.state !== "active") continue;
    const current = currentRouter(route, routers, failed, questionable);
    if (current === undefined || failed.has(current.ip)) continue;
    tablesUsing.set(current, (tablesUsing.get(current) ?? 0) + 1);
  }
  return tablesUsing;
}

/**
 * The router of `routers` that most tables use; ties go to one that is not questionable, then to
 * the earliest in spec order. `undefined` when no table uses any.
 */
function mostUsed(
  routers: readonly RouterEni[],
  tablesUsing: ReadonlyMap<RouterEni, number>,
  questionable: ReadonlySet<string>,
): RouterEni | undefined {
  let kept: RouterEni | undefined;
  let keptCount = 0;
  for (const router of routers) {
    const count = tablesUsing.get(router) ?? 0;
    if (count === 0) continue;
    const healthierTie =
      count === keptCount && kept !== undefined && questionable.has(kept.ip) && !questionable.has(router.ip);
    if (count > keptCount || healthierTie) {
      kept = router;
      keptCount = count;
    }
  }
  return kept;
}

function chooseNewTarget({ routers, routes, failed, questionable }: CidrTargetInput): RouterEni | undefined {
  const behindBlackhole = new Set<string>();
  for (const route of routes) {
    if (!isRouterRoute(route) || route.state !== "blackhole") continue;
    const router = currentRouter(route, routers, failed, questionable);
    if (router !== undefined) behindBlackhole.add(router.ip);
  }
  const suspect = new Set([...questionable, ...behindBlackhole]);
  // Among suspects, one with both signals against it (questionable and behind a blackhole) comes last.
  const doublySuspect = (ip: string) => questionable.has(ip) && behindBlackhole.has(ip);
  const ips = routers.map((router) => router.ip);
  const ordered = [...ips.filter((ip) => !doublySuspect(ip)), ...ips.filter(doublySuspect)];
  const ip = chooseTarget(ordered, failed, suspect);
  return routers.find((router) => router.ip === ip);
}
