/**
 * Steps the failover-style benchmarks share: which router a CIDR uses, votes naming a router as
 * etcd delivers them, waiting for every route to move off a router, and bringing it back.
 */
import type { Etcd3 } from "etcd3";
import type { TestWorld } from "../../test/support/test-world.js";
import { waitFor } from "../../test/support/wait.js";

/**
 * The router every table routes `cidr` through.
 * @throws Error when the tables disagree
 */
export function activeRouter(world: TestWorld, cidr: string): string {
  const active = world.routers.routerIps.find((ip) => world.allTablesRoute(cidr, ip));
  if (!active) throw new Error(`the tables disagree on the router of ${cidr}`);
  return active;
}

/**
 * Watches the votes: when each replica first voted `router` failed (ms since the epoch).
 * @returns the times by vote key, the time the `quorum`-th vote came, and a stop
 */
export async function watchVotesFor(etcd: Etcd3, prefix: string, router: string) {
  const votedAt = new Map<string, number>();
  const watcher = await etcd.watch().prefix(`${prefix}/votes/`).create();
  watcher.on("put", (kv) => {
    const failed = (JSON.parse(kv.value.toString()) as { failed?: string[] }).failed ?? [];
    const voter = kv.key.toString();
    if (failed.includes(router) && !votedAt.has(voter)) votedAt.set(voter, Date.now());
  });
  return {
    votedAt,
    quorumAt: (quorum: number) => [...votedAt.values()].sort((a, b) => a - b)[quorum - 1] ?? Number.NaN,
    stop: () => watcher.cancel(),
  };
}

/** Waits (polling every 2 ms, up to `timeoutMs`) until every table routes each of `cidrs` off `router`. */
export function waitMovedOff(world: TestWorld, cidrs: readonly string[], router: string, timeoutMs = 60_000) {
  const ips = world.routers.routerIps;
  return waitFor(
    () => cidrs.every((cidr) => ips.some((ip) => ip !== router && world.allTablesRoute(cidr, ip))),
    {
      timeoutMs,
      intervalMs: 2,
      message: `no failover away from ${router}`,
    },
  );
}

/** Brings `router`'s link back and waits until every replica sees it healthy again (rise). */
export async function bringBack(world: TestWorld, router: string): Promise<void> {
  await world.routers.linkUp(router);
  for (const replica of world.replicas) {
    await waitFor(async () => ((await replica.status())?.localFailed as string[] | undefined)?.length === 0, {
      timeoutMs: 30_000,
      message: `${replica.id} never saw ${router} recover`,
    });
  }
}
