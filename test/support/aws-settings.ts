/**
 * The `aws` settings tests give the daemon's EC2 port when it talks to the emulator: fast
 * retries, no waiting on backoff.
 */
import type { VpcrouterConfig } from "../../src/config/schema.js";

/**
 * @param vpcId - the emulated VPC.
 * @param overrides - settings that differ for one test (e.g. `{ maxRetries: 1 }`).
 * @returns a complete `aws` section (region us-east-1, every table, 2 s call timeout, 2 retries
 *   with 1–10 ms backoff, breaker after 5 failures, half-open after 60 s, one change at a time and
 *   the client-side buckets lifted: a test that needs EC2's pacing asks for it).
 */
export function emulatorAwsSettings(
  vpcId: string,
  overrides: Partial<VpcrouterConfig["aws"]> = {},
): VpcrouterConfig["aws"] {
  return {
    region: "us-east-1",
    vpcId,
    routeTables: "all",
    fixSourceDestCheck: false,
    callTimeoutMs: 2_000,
    maxRetries: 2,
    initialBackoffMs: 1,
    maxBackoffMs: 10,
    breakerThreshold: 5,
    breakerHalfOpenAfterMs: 60_000,
    maxConcurrentCalls: 1,
    mutatingBurst: 100_000,
    mutatingRefillPerSecond: 100_000,
    nonMutatingBurst: 100_000,
    nonMutatingRefillPerSecond: 100_000,
    ...overrides,
  };
}
