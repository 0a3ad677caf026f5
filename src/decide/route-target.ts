/**
 * Reading a route's target: whether vpcrouter may change the route, and which spec router it
 * points at. Pure.
 */
import type { Route, RouterEni, RouteTarget } from "../domain/route-table.js";

/**
 * True for routes vpcrouter may change: those whose target is an ENI or an instance
 * (docs/DESIGN.md, safety rule 5: local, gateway and other routes are never touched).
 */
export function isRouterRoute(route: Route): boolean {
  return route.target.kind === "eni" || route.target.kind === "instance";
}

/**
 * True when `route` sends traffic to `router`: an ENI target names the router's ENI, or an instance
 * target names the instance that owns the router's ENI.
 */
export function pointsAt(route: Route, router: RouterEni): boolean {
  const target = route.target;
  if (target.kind === "eni") return target.networkInterfaceId === router.networkInterfaceId;
  if (target.kind === "instance")
    return router.instanceId !== undefined && target.instanceId === router.instanceId;
  return false;
}

/**
 * The router a route currently points at, among `routers` (spec order). When several router IPs
 * share the ENI or instance (secondary IPs), the best-placed one speaks for it: the first healthy
 * one, else the first that has not failed, else the first.
 *
 * @param questionable - routers some replicas see as failed (optional: none when absent).
 * @returns the router, or `undefined` when the route points at none of them ("target not in spec").
 */
export function currentRouter(
  route: Route,
  routers: readonly RouterEni[],
  failed: ReadonlySet<string>,
  questionable: ReadonlySet<string> = new Set(),
): RouterEni | undefined {
  const matching = routers.filter((router) => pointsAt(route, router));
  const alive = matching.filter((router) => !failed.has(router.ip));
  return alive.find((router) => !questionable.has(router.ip)) ?? alive[0] ?? matching[0];
}

/** Short human text for a route target, for reasons and warnings (e.g. `eni-0abc`, `local`). */
export function describeTarget(target: RouteTarget): string {
  switch (target.kind) {
    case "eni":
      return target.networkInterfaceId;
    case "instance":
      return target.instanceId;
    case "local":
      return "local";
    case "gateway":
    case "other":
      return target.id;
  }
}
