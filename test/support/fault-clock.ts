/**
 * Holding a fault for a set time: part of how a fault scenario is defined (etcd member down for one
 * lease TTL, a replica frozen past its deadline), never a way to wait for an outcome (use waitFor).
 */
import { setTimeout as delay } from "node:timers/promises";

/** Keeps the fault in place for `ms` milliseconds. */
export async function holdFault(ms: number): Promise<void> {
  await delay(ms);
}
