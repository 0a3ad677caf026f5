/**
 * A fault scenario's first step: fail the router the routes use and wait until the leader is
 * writing the failover batch, so that the fault (a freeze, a kill) lands in the middle of it.
 */
import type { ReplicaProcess } from "./replica-process.js";
import type { TestWorld } from "./test-world.js";
import { waitFor } from "./wait.js";

/**
 * Replica environment that paces a batch's mutations at 25 per second through the client-side
 * bucket (burst 1): the leader's changes go out one after another, so a fault can land mid-batch
 * (unpaced, a batch's changes leave at once, up to aws.maxConcurrentCalls).
 */
export const PACED_BATCH: Readonly<Record<string, string>> = {
  VPCROUTER_AWS_MUTATING_BURST: "1",
  VPCROUTER_AWS_MUTATING_REFILL_PER_SECOND: "25",
};

/** A failover under way: who leads it, from which router to which, and the call log cursor before it. */
export interface FailoverUnderWay {
  readonly leader: ReplicaProcess;
  /** The failed router. */
  readonly from: string;
  /** The router the routes move to. */
  readonly to: string;
  readonly cursor: number;
}

/**
 * Takes down the link of whichever of `routers` `cidr` uses now and waits (up to 20 s) until the
 * leader has sent its first mutation of the failover.
 */
export async function startFailover(
  world: TestWorld,
  cidr: string,
  routers: readonly [string, string],
): Promise<FailoverUnderWay> {
  const [from, to] = world.allTablesRoute(cidr, routers[0]) ? routers : [routers[1], routers[0]];
  const leader = await world.agreedLeader();
  const cursor = world.ec2.logCursor();
  await world.routers.linkDown(from);
  await waitFor(() => world.mutatingCalls(cursor).some((call) => call.accessKeyId === leader.id), {
    timeoutMs: 20_000,
    message: () => `the leader did not start the failover\n${world.tails()}`,
  });
  return { leader, from, to, cursor };
}
