/**
 * Reading the records the leader keeps in etcd (status, managed CIDRs, last good spec) back from a
 * snapshot: damaged values become problems and are left out, never the spec in force.
 */
import type { ManagedCidrsRecord, StatusRecord } from "../domain/status-record.js";
import { validateSpec } from "../route-spec/parse.js";
import type { RevisionedSpec } from "../route-spec/route-spec.js";
import { isObject, type KeyValue, parseJson } from "./json-values.js";

/** The leader's records as a snapshot holds them. */
export interface LeaderRecords {
  readonly status?: StatusRecord;
  /** From `<prefix>/managed`; before that key existed, from the status record's `managedCidrs`. */
  readonly managedCidrs?: readonly string[];
  /** From `<prefix>/last-good-spec`; before that key existed, from the status record's `lastGoodSpec`. */
  readonly lastGoodSpec?: RevisionedSpec;
}

/** The raw key-values of the three keys, when present. */
export interface LeaderRecordValues {
  readonly status?: KeyValue;
  readonly managed?: KeyValue;
  readonly lastGoodSpec?: KeyValue;
}

/**
 * Parses the leader's records. A status record written by an earlier version carried the managed
 * CIDRs and the last good spec itself: they are read from it while their own keys do not exist.
 * @param problems collects one line per damaged value
 */
export function parseLeaderRecords(values: LeaderRecordValues, problems: string[]): LeaderRecords {
  const rawStatus = values.status ? parseJson(values.status, problems, isStatusRecord) : undefined;
  const legacy: Record<string, unknown> = rawStatus ?? {};
  const managedCidrs = values.managed
    ? parseJson(values.managed, problems, isManagedRecord)?.cidrs
    : isStringList(legacy.managedCidrs)
      ? legacy.managedCidrs
      : undefined;
  const lastGoodSpec = values.lastGoodSpec
    ? revisionedSpecOf(
        parseJson(values.lastGoodSpec, problems, isObjectValue),
        values.lastGoodSpec.key,
        problems,
      )
    : legacy.lastGoodSpec !== undefined
      ? revisionedSpecOf(legacy.lastGoodSpec, `${values.status?.key}: lastGoodSpec`, problems)
      : undefined;
  const status = rawStatus ? withoutLegacyFields(rawStatus) : undefined;
  return {
    ...(status ? { status } : {}),
    ...(managedCidrs ? { managedCidrs } : {}),
    ...(lastGoodSpec ? { lastGoodSpec } : {}),
  };
}

/**
 * A recorded last good spec, validated again: a damaged record must never become the spec in
 * force (bad revision, or a spec that does not validate).
 */
function revisionedSpecOf(value: unknown, where: string, problems: string[]): RevisionedSpec | undefined {
  if (value === undefined) return undefined;
  if (isObject(value) && typeof value.revision === "string" && /^\d+$/.test(value.revision)) {
    const validated = validateSpec(value.spec, { maxRoutes: Number.MAX_SAFE_INTEGER });
    if (validated.ok) return { spec: validated.spec, revision: value.revision };
  }
  problems.push(`${where}: not a valid spec with a revision; ignored`);
  return undefined;
}

function withoutLegacyFields(status: StatusRecord & Record<string, unknown>): StatusRecord {
  const { managedCidrs: _managed, lastGoodSpec: _lastGood, ...rest } = status;
  return rest;
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function isObjectValue(value: unknown): value is Record<string, unknown> {
  return isObject(value);
}

function isManagedRecord(value: unknown): value is ManagedCidrsRecord {
  return isObject(value) && isStringList(value.cidrs);
}

function isStatusRecord(value: unknown): value is StatusRecord & Record<string, unknown> {
  return isObject(value) && typeof value.leaderId === "string" && typeof value.term === "string";
}
