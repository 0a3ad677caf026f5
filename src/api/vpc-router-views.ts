/**
 * The bodies of vpc-router's state endpoints (`GET /`, `/ips`, `/route_info`, `/vpc`), with its key
 * names and nesting. Source of the shapes: romana/vpc-router 1.8, `vpcrouter/currentstate/__init__.py`
 * (`get_state_repr`), `vpcrouter/vpc/__init__.py` (`CURRENT_STATE.routes`, `_rt_state_update`,
 * `vpc_state["time"]`), `vpcrouter/monitor/common.py` (`working_set`) and `vpcrouter/main/__init__.py`
 * (the `SERVER.version` line). All builders are pure.
 *
 * Deliberate differences from vpc-router (README "Coming from vpc-router" lists them):
 * - `SERVER.start_time` / `current_time` and `/vpc` `time` are UTC ISO 8601 with `Z`; vpc-router
 *   wrote local time without a zone.
 * - `params` is vpcrouter's whole configuration (nested, our setting names, etcd password redacted),
 *   not vpc-router's flat list of its command-line options.
 * - `failed_ips` are the routers a quorum of replicas votes failed and `questionable_ips` those some,
 *   but fewer than a quorum, vote failed; vpc-router had one process's view (and its icmpecho plugin
 *   never reported questionable IPs). Both are current: vpc-router never cleared `failed_ips` back to [].
 * - `routes` is derived from the route tables as last read (the first table holding a router route
 *   for the CIDR), not from the last route this process wrote; a route to no known router shows
 *   `[null, instance or "(unknown)", eni or "(unknown)"]`.
 * - `/vpc` route messages describe the route as read (`o_r_ip` is always `(none)`); while the
 *   replica leads it covers every route of every managed table, otherwise the leader's status
 *   record's copy (router routes only) with `source` saying which. `/vpc` is `{}` until a read.
 */
import { currentRouter, isRouterRoute } from "../decide/route-target.js";
import type { RecordedRoute, RecordedRouter, RecordedRouteTable } from "../domain/status-record.js";
import { findIgnoringCidr } from "../route-spec/ignore-routes.js";
import { compareIpv4Text } from "../route-spec/ipv4.js";
import { type RouteSpec, routerIpsOf } from "../route-spec/route-spec.js";
import type { VpcReading, VpcRouterState } from "./vpc-router-state.js";

/** The sub-states `GET /` links to, as vpc-router names them (`top_level_links`). */
export const VPC_ROUTER_LINKS = ["ips", "plugins", "route_info", "vpc"] as const;

/** Inputs of {@link buildRootView}. */
export interface RootViewInput {
  /** vpc-router's `versions` line, see {@link serverVersionLine}. */
  readonly version: string;
  /** When the process started, ISO 8601. */
  readonly startedAt: string;
  readonly now: Date;
  /** The configuration, secrets redacted. */
  readonly params: unknown;
}

/**
 * `GET /`: `{ SERVER: {version, start_time, current_time}, params, plugins: {_href: "/plugins"},
 * ips: {_href: "/ips"}, route_info: {_href: "/route_info"}, vpc: {_href: "/vpc"} }`.
 */
export function buildRootView(input: RootViewInput): Record<string, unknown> {
  return {
    SERVER: { version: input.version, start_time: input.startedAt, current_time: input.now.toISOString() },
    params: input.params,
    ...Object.fromEntries(VPC_ROUTER_LINKS.map((name) => [name, { _href: `/${name}` }])),
  };
}

/**
 * vpc-router's one-line version summary, e.g.
 * `vpcrouter (0.1.0): mode: etcd (built-in), health-check: icmpecho (built-in)`.
 * @param mode the spec mode (`spec.mode`); @param health the health check (`probe.health`).
 */
export function serverVersionLine(version: string, mode: string, health: string): string {
  return `vpcrouter (${version}): mode: ${mode} (built-in), health-check: ${health} (built-in)`;
}

/**
 * `GET /ips`: `{ failed_ips, questionable_ips, working_set }`, each a list of router IPs in numeric
 * order (`10.0.0.2` before `10.0.0.10`).
 * `working_set` is every router IP of the spec in force (what the probes watch), as in vpc-router,
 * where it is the IP list handed to the health monitor. With no state yet all three are empty.
 */
export function buildIpsView(state: VpcRouterState | undefined): Record<string, string[]> {
  return {
    failed_ips: [...(state?.failed ?? [])].sort(compareIpv4Text),
    questionable_ips: [...(state?.questionable ?? [])].sort(compareIpv4Text),
    working_set: state?.spec ? routerIpsOf(state.spec.spec).sort(compareIpv4Text) : [],
  };
}

/**
 * `GET /route_info`: `{ route_spec, routes: {cidr: [router_ip, instance_id, eni_id]}, ignore_routes }`.
 * `route_spec` is the spec in force (`{}` when none); `ignore_routes` the protected CIDRs, bare IPs
 * written as `/32` (as vpc-router normalises them).
 */
export function buildRouteInfoView(
  state: VpcRouterState | undefined,
  ignoreRoutes: readonly string[],
): Record<string, unknown> {
  const spec = state?.spec?.spec ?? {};
  return {
    route_spec: spec,
    routes: state?.vpc ? currentRoutes(spec, state.vpc, state.failed, state.questionable) : {},
    // The configuration loader already made every entry a canonical CIDR.
    ignore_routes: [...ignoreRoutes],
  };
}

/** vpc-router's `routes` value: `[router_ip | null, instance_id, eni_id]`. */
export type CurrentRoute = [string | null, string, string];

/**
 * For each CIDR of `spec`, where its route points: the first route table (in reading order) with a
 * router route for the CIDR decides; the router is matched by ENI or instance among the resolved
 * routers, the CIDR's own routers first. CIDRs without a router route are absent. Pure.
 */
export function currentRoutes(
  spec: RouteSpec,
  reading: Pick<VpcReading, "routeTables" | "routers">,
  failed: ReadonlySet<string>,
  questionable: ReadonlySet<string>,
): Record<string, CurrentRoute> {
  const routes: Record<string, CurrentRoute> = {};
  for (const [cidr, hosts] of Object.entries(spec)) {
    const route = firstRouterRoute(reading.routeTables, cidr);
    if (!route) continue;
    const router = currentRouter(route, hostsFirst(reading.routers, hosts), failed, questionable);
    routes[cidr] = router
      ? [router.ip, router.instanceId ?? UNKNOWN, router.networkInterfaceId]
      : [null, targetInstance(route) ?? UNKNOWN, targetEni(route) ?? UNKNOWN];
  }
  return routes;
}

/**
 * `GET /vpc`: `{ time, route_tables: {rtb_id: {cidr: "inst: …, eni: …, r_ip: …, o_r_ip: …, msg: …"}},
 * source }` (`time` only when the read time is known; `{}` before any read).
 */
export function buildVpcView(
  state: VpcRouterState | undefined,
  ignoreRoutes: readonly string[],
): Record<string, unknown> {
  const reading = state?.vpc;
  if (!state || !reading) return {};
  const spec = state.spec?.spec ?? {};
  const routeTables: Record<string, Record<string, string>> = {};
  for (const table of reading.routeTables) {
    const lines: Record<string, string> = {};
    for (const route of table.routes) {
      lines[route.destinationCidrBlock] = describeRoute(route, {
        spec,
        routers: reading.routers,
        failed: state.failed,
        questionable: state.questionable,
        ignoreRoutes,
      });
    }
    routeTables[table.routeTableId] = lines;
  }
  return {
    ...(reading.readAt !== undefined ? { time: reading.readAt } : {}),
    route_tables: routeTables,
    source: reading.source,
  };
}

const UNKNOWN = "(unknown)";
const NONE = "(none)";

interface RouteContext {
  readonly spec: RouteSpec;
  readonly routers: readonly RecordedRouter[];
  readonly failed: ReadonlySet<string>;
  readonly questionable: ReadonlySet<string>;
  readonly ignoreRoutes: readonly string[];
}

/** One route in vpc-router's `_rt_state_update` line format, with a message saying what it is. */
function describeRoute(route: RecordedRoute, context: RouteContext): string {
  const cidr = route.destinationCidrBlock;
  const hosts = Object.hasOwn(context.spec, cidr) ? context.spec[cidr] : undefined;
  const router = isRouterRoute(route)
    ? currentRouter(route, hostsFirst(context.routers, hosts ?? []), context.failed, context.questionable)
    : undefined;
  const line = (msg: string) =>
    `inst: ${router?.instanceId ?? targetInstance(route) ?? NONE}, eni: ${router?.networkInterfaceId ?? targetEni(route) ?? NONE}, ` +
    `r_ip: ${(router?.ip ?? NONE).padEnd(15)}, o_r_ip: ${NONE.padEnd(15)}, msg: ${msg}`;
  if (findIgnoringCidr(cidr, context.ignoreRoutes) !== undefined) return line("Ignored: Protected CIDR.");
  if (!isRouterRoute(route)) return line("Ignored: Not a route to an instance");
  if (!hosts) return line("Not in spec");
  if (route.state === "blackhole") return line("Blackhole: target gone");
  if (!router) return line("Target is not a router of the spec");
  if (!hosts.includes(router.ip)) return line("Router not eligible for this CIDR");
  if (context.failed.has(router.ip)) return line("Router failed");
  if (context.questionable.has(router.ip)) return line("Router questionable");
  return line("Current: Route exist and up to date");
}

function firstRouterRoute(tables: readonly RecordedRouteTable[], cidr: string): RecordedRoute | undefined {
  for (const table of tables) {
    const route = table.routes.find((r) => r.destinationCidrBlock === cidr && isRouterRoute(r));
    if (route) return route;
  }
  return undefined;
}

/** The resolved routers with those of `hosts` first, in the spec's order. */
function hostsFirst(routers: readonly RecordedRouter[], hosts: readonly string[]): RecordedRouter[] {
  const byIp = new Map(routers.map((router) => [router.ip, router]));
  const first = hosts.flatMap((ip) => {
    const router = byIp.get(ip);
    return router ? [router] : [];
  });
  const hostSet = new Set(hosts);
  return [...first, ...routers.filter((router) => !hostSet.has(router.ip))];
}

function targetInstance(route: RecordedRoute): string | undefined {
  const target = route.target;
  return target.kind === "instance" || target.kind === "eni" ? target.instanceId : undefined;
}

function targetEni(route: RecordedRoute): string | undefined {
  return route.target.kind === "eni" ? route.target.networkInterfaceId : undefined;
}
