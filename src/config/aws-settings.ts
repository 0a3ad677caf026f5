/**
 * The `aws` section of the settings: the VPC, the route tables, and how vpcrouter calls EC2
 * (pacing, concurrency, timeouts, retries, breaker).
 */
import { boolean, integer, text } from "./declaration.js";
import { REGION_FORMAT, ROUTE_TABLE_SELECTION, VPC_ID_FORMAT } from "./formats.js";

const HOUR_MS = 3_600_000;

/** The `aws.*` settings (see schema.ts). */
export const AWS_SETTINGS = {
  region: text({ format: REGION_FORMAT, doc: "AWS region; empty: the SDK's default chain.", default: "" }),
  vpcId: text({ format: VPC_ID_FORMAT, doc: "VPC whose route tables are managed (vpc-…).", default: "" }),
  routeTables: text({
    format: ROUTE_TABLE_SELECTION,
    doc: "Route tables to manage: all, subnets (new routes only in the routers' subnets' tables, main table included; existing ones repaired, and deleted by prune, everywhere), tag:<key>=<value>, or rtb-… ids (comma list).",
    default: "all",
  }),
  fixSourceDestCheck: boolean({
    doc: "Disable source/destination check on router ENIs that have it enabled (ModifyNetworkInterfaceAttribute).",
    default: false,
  }),
  maxConcurrentCalls: integer(1, 1000, {
    doc: "EC2 calls of one batch of changes in flight at most (route changes, source/destination fixes).",
    default: 150,
  }),
  mutatingBurst: integer(1, 100_000, {
    doc: "Client-side bucket of mutating EC2 calls (CreateRoute, ReplaceRoute, …): tokens, as EC2's default bucket.",
    default: 50,
  }),
  mutatingRefillPerSecond: integer(1, 100_000, {
    doc: "Refill of the mutating bucket, tokens/s (halved while EC2 throttles); raise both with your account's limits.",
    default: 5,
  }),
  nonMutatingBurst: integer(1, 100_000, {
    doc: "Client-side bucket of non-mutating EC2 calls (Describe*): tokens, as EC2's default bucket.",
    default: 100,
  }),
  nonMutatingRefillPerSecond: integer(1, 100_000, {
    doc: "Refill of the non-mutating bucket, tokens/s.",
    default: 20,
  }),
  callTimeoutMs: integer(100, 120_000, { doc: "Timeout of one EC2 API attempt, ms.", default: 5000 }),
  maxRetries: integer(0, 20, { doc: "Retries (not calls) after a throttled or 5xx EC2 call.", default: 4 }),
  initialBackoffMs: integer(1, HOUR_MS, {
    doc: "First retry delay, ms (exponential with jitter).",
    default: 200,
  }),
  maxBackoffMs: integer(1, HOUR_MS, { doc: "Largest retry delay, ms.", default: 5000 }),
  breakerThreshold: integer(1, 1000, {
    doc: "Consecutive failures of one EC2 API that open its circuit breaker.",
    default: 5,
  }),
  breakerHalfOpenAfterMs: integer(100, HOUR_MS, {
    doc: "Time an open breaker waits before letting one trial call through, ms.",
    default: 10_000,
  }),
};
