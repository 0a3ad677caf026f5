/**
 * The vocabulary of instance states and status checks, shared by the world (which stores them),
 * the mutations that change them and the actions that describe them.
 * Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html,
 * API_InstanceStatusSummary.html, API_InstanceStatusDetails.html
 */
import type { InstanceStateName, StatusCheckStatus } from "./world-spec.js";

/** EC2's numeric instance state codes (the low byte of `instanceState.code`). */
export const INSTANCE_STATE_CODES: Readonly<Record<InstanceStateName, number>> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** Every status a status check summary can have. */
export const STATUS_CHECK_STATUSES: readonly StatusCheckStatus[] = [
  "ok",
  "impaired",
  "initializing",
  "insufficient-data",
  "not-applicable",
];

/** True when `value` names an instance state. */
export function isInstanceStateName(value: unknown): value is InstanceStateName {
  return typeof value === "string" && Object.hasOwn(INSTANCE_STATE_CODES, value);
}

/** True when `value` is a status check status. */
export function isStatusCheckStatus(value: unknown): value is StatusCheckStatus {
  return typeof value === "string" && (STATUS_CHECK_STATUSES as readonly string[]).includes(value);
}
