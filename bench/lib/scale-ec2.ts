/**
 * Scale, part 2: many routes under EC2's request-rate buckets, in the real test world. A spec of
 * N CIDRs (every CIDR: routers r0, r1, r2) is put into an empty VPC of T route tables, and the
 * time until every one of the N × T routes exists is measured; then r0's link goes down and the
 * time until all N × T routes point at r1 is measured. The emulator throttles with EC2's buckets
 * and answers every call 100 ms late; the replicas run with the shipped defaults, so their
 * client-side buckets are EC2's too.
 *
 * EC2's buckets bound both phases from below: with a full bucket of `burst` tokens refilled at
 * `refill`/s, n mutations need at least (n − burst) / refill seconds. The first N routes of the
 * failover are reported too: (N − burst) / refill is the issue's "(500 − 50)/5 = 90 s".
 */
import type { CallLogEntry, ThrottleConfig } from "../../test/support/ec2-emulator/index.js";
import { MUTATING_ACTIONS, TestWorld } from "../../test/support/test-world.js";
import { waitFor } from "../../test/support/wait.js";

/** What this part is run with. */
export interface Ec2ScaleSettings {
  readonly tag: string;
  readonly subnet: number;
  readonly cidrs: number;
  readonly tables: number;
  readonly replicas: number;
  readonly etcdMembers: 1 | 3;
  /** The emulator's buckets; the replicas get the same ones unless `daemonDefaults`. */
  readonly throttle: ThrottleConfig;
  /** Run the replicas with the shipped aws.* bucket settings (they equal EC2's default buckets). */
  readonly daemonDefaults: boolean;
  readonly latencyMs: number;
}

/** One phase: the spec put into the empty VPC, or the failover. */
export interface Ec2Phase {
  /** Routes the phase has to change. */
  readonly routes: number;
  /** The buckets' lower bound for all of them, ms. */
  readonly lowerBoundMs: number;
  /** Start → the first route changed, ms (polled). */
  readonly firstMs: number;
  /** Start → as many routes changed as the spec has CIDRs, ms (polled). */
  readonly firstCidrsMs: number;
  /** The buckets' lower bound for that many, ms. */
  readonly firstCidrsLowerBoundMs: number;
  /** Start → every route changed, ms (polled every 50 ms). */
  readonly allMs: number;
  /** Start → the answer of the last successful mutation of the phase (the emulator's log), ms. */
  readonly lastMutationMs: number;
  /** `RequestLimitExceeded` answers of the emulator during the phase. */
  readonly throttledMutating: number;
  readonly throttledNonMutating: number;
  /** EC2 calls by action during the phase, attempts included. */
  readonly callsByAction: Readonly<Record<string, number>>;
}

/** What this part measured. */
export interface Ec2ScaleResult {
  readonly create: Ec2Phase;
  readonly failover: Ec2Phase;
  /** Successful mutations of the failover window that were not failover ReplaceRoutes. */
  readonly otherMutations: number;
  /** Of those, how many came before the last failover ReplaceRoute (failovers first: 0). */
  readonly otherMutationsBeforeLastFailover: number;
}

/** The i-th spec CIDR: 10.70.0.0/24, 10.70.1.0/24, … (250 per second octet). */
function cidrOf(index: number): string {
  return `10.${70 + Math.floor(index / 250)}.${index % 250}.0/24`;
}

/** At least (n − burst) / refill seconds for n mutations from a full bucket, ms. */
function lowerBoundMs(mutations: number, throttle: ThrottleConfig): number {
  const { burst, refillPerSecond } = throttle.mutating;
  return (Math.max(0, mutations - burst) / refillPerSecond) * 1000;
}

/** The end of a call (arrival + time answering) on the wall clock, ms since the epoch. */
function answeredAt(entry: CallLogEntry): number {
  return Date.parse(entry.time) + entry.durationMs;
}

/** Key of one route: table and destination. */
function routeKey(routeTableId: string, cidr: string): string {
  return `${routeTableId} ${cidr}`;
}

/**
 * Polls the emulator's tables until every spec CIDR routes via `eni` in every table, noting when
 * the first route and the first `cidrs.length` routes got there.
 * @returns times since `startedAt` (performance.now), ms
 */
async function trackRoutes(
  world: TestWorld,
  cidrs: ReadonlySet<string>,
  eni: string,
  startedAt: number,
  timeoutMs: number,
): Promise<{ firstMs: number; firstCidrsMs: number; allMs: number }> {
  const total = cidrs.size * world.options.routeTables;
  let firstMs = Number.NaN;
  let firstCidrsMs = Number.NaN;
  let allMs = Number.NaN;
  await waitFor(
    () => {
      let count = 0;
      for (const table of world.ec2.routeTables()) {
        for (const route of table.routes) {
          if (route.networkInterfaceId === eni && cidrs.has(route.destinationCidrBlock)) count++;
        }
      }
      const now = performance.now() - startedAt;
      if (count > 0 && Number.isNaN(firstMs)) firstMs = now;
      if (count >= cidrs.size && Number.isNaN(firstCidrsMs)) firstCidrsMs = now;
      if (count >= total) allMs = now;
      return count >= total;
    },
    {
      timeoutMs,
      intervalMs: 50,
      message: () => `routes via ${eni} not all there\n${world.tails()}`,
    },
  );
  return { firstMs, firstCidrsMs, allMs };
}

/** Sums up the calls of one phase from the emulator's log. */
function phaseCalls(entries: readonly CallLogEntry[], startedAtEpochMs: number) {
  const callsByAction: Record<string, number> = {};
  let throttledMutating = 0;
  let throttledNonMutating = 0;
  let lastMutation = Number.NaN;
  for (const entry of entries) {
    callsByAction[entry.action] = (callsByAction[entry.action] ?? 0) + 1;
    const mutating = MUTATING_ACTIONS.has(entry.action);
    if (entry.errorCode === "RequestLimitExceeded") {
      if (mutating) throttledMutating++;
      else throttledNonMutating++;
    }
    if (mutating && entry.status === 200) lastMutation = answeredAt(entry) - startedAtEpochMs;
  }
  return { callsByAction, throttledMutating, throttledNonMutating, lastMutationMs: lastMutation };
}

/**
 * Runs the part in its own world (destroyed before it returns).
 * @throws Error when routes are not created or not moved in time
 */
export async function runEc2Scale(settings: Ec2ScaleSettings): Promise<Ec2ScaleResult> {
  const world = await TestWorld.create({
    tag: settings.tag,
    subnet: settings.subnet,
    etcdMembers: settings.etcdMembers,
    routers: 3,
    routeTables: settings.tables,
  });
  try {
    // Throttling from the first call on: the replicas' start-up reads count against the buckets too.
    world.ec2.setFaults({ throttle: settings.throttle, latencyMs: { "*": settings.latencyMs } });
    const { mutating, nonMutating } = settings.throttle;
    const env: Record<string, string> = {
      // The shipped maximum (200) is below the largest spec measured here.
      VPCROUTER_SPEC_MAX_ROUTES: String(Math.max(200, settings.cidrs)),
      ...(settings.daemonDefaults
        ? {}
        : {
            VPCROUTER_AWS_MUTATING_BURST: String(mutating.burst),
            VPCROUTER_AWS_MUTATING_REFILL_PER_SECOND: String(mutating.refillPerSecond),
            VPCROUTER_AWS_NON_MUTATING_BURST: String(nonMutating.burst),
            VPCROUTER_AWS_NON_MUTATING_REFILL_PER_SECOND: String(nonMutating.refillPerSecond),
          }),
    };
    await Promise.all(
      Array.from({ length: settings.replicas }, (_, i) =>
        world.startReplica(
          `bscale-${i}`,
          `az-${"abc"[i % 3]}`,
          ["--expected-replicas", String(settings.replicas)],
          { defaults: true, env },
        ),
      ),
    );
    await world.agreedLeader();

    const [r0 = "", r1 = "", r2 = ""] = world.routers.routerIps;
    const cidrList = Array.from({ length: settings.cidrs }, (_, i) => cidrOf(i));
    const cidrs = new Set(cidrList);
    const spec = Object.fromEntries(cidrList.map((cidr) => [cidr, [r0, r1, r2]]));
    const routes = settings.cidrs * settings.tables;
    const deadline = (n: number) => lowerBoundMs(n, settings.throttle) * 2 + 120_000;

    // Phase 1: the spec into the empty VPC.
    const createCursor = world.ec2.logCursor();
    const createStartedEpoch = Date.now();
    const createStarted = performance.now();
    await world.putSpecWithEtcdctl(JSON.stringify(spec));
    const created = await trackRoutes(world, cidrs, world.eniOf(r0), createStarted, deadline(routes));
    const create: Ec2Phase = {
      routes,
      lowerBoundMs: lowerBoundMs(routes, settings.throttle),
      firstCidrsLowerBoundMs: lowerBoundMs(settings.cidrs, settings.throttle),
      ...created,
      ...phaseCalls(world.ec2.log(createCursor), createStartedEpoch),
    };

    // The failover starts with full buckets, as after any quiet time: no mutation for as long as a
    // bucket takes to refill from empty (the emulator's and the daemon's are the same), plus 1 s.
    const refillMs = (mutating.burst / mutating.refillPerSecond) * 1000 + 1000;
    await waitFor(
      () => {
        const last = world.mutatingCalls(createCursor).at(-1);
        return last === undefined || Date.now() - answeredAt(last) >= refillMs;
      },
      { timeoutMs: refillMs + 120_000, intervalMs: 100, message: "mutations never stopped after the create" },
    );

    // Phase 2: r0 fails; every route moves to r1.
    const eni1 = world.eniOf(r1);
    const failoverCursor = world.ec2.logCursor();
    const failoverStartedEpoch = Date.now();
    const failoverStarted = performance.now();
    await world.routers.linkDown(r0);
    const moved = await trackRoutes(world, cidrs, eni1, failoverStarted, deadline(routes) + 30_000);
    const entries = world.ec2.log(failoverCursor);
    const failover: Ec2Phase = {
      routes,
      lowerBoundMs: lowerBoundMs(routes, settings.throttle),
      firstCidrsLowerBoundMs: lowerBoundMs(settings.cidrs, settings.throttle),
      ...moved,
      ...phaseCalls(entries, failoverStartedEpoch),
    };

    // Failovers first: no other successful mutation before the last failover ReplaceRoute.
    const failoverRoutes = new Set(
      world.ec2.routeTables().flatMap((t) => cidrList.map((cidr) => routeKey(t.routeTableId, cidr))),
    );
    const done = entries.filter((e) => MUTATING_ACTIONS.has(e.action) && e.status === 200);
    const isFailover = (e: CallLogEntry) =>
      e.action === "ReplaceRoute" &&
      e.params.NetworkInterfaceId === eni1 &&
      failoverRoutes.has(routeKey(e.params.RouteTableId ?? "", e.params.DestinationCidrBlock ?? ""));
    const lastFailoverIndex = Math.max(-1, ...done.filter(isFailover).map((e) => e.index));
    const others = done.filter((e) => !isFailover(e));
    return {
      create,
      failover,
      otherMutations: others.length,
      otherMutationsBeforeLastFailover: others.filter((e) => e.index < lastFailoverIndex).length,
    };
  } finally {
    await world.destroy();
  }
}
