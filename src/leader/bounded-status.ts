/**
 * Keeping `<prefix>/status` small whatever the VPC's size: etcd refuses a request over 1.5 MiB and
 * gRPC a reply over 4 MiB, and every replica reads the whole prefix in one range request. Pure.
 */
import type { StatusRecord } from "../domain/status-record.js";

/**
 * The largest status record written, bytes of JSON: far under etcd's default request limit
 * (`--max-request-bytes`, 1.5 MiB; https://etcd.io/docs/v3.5/dev-guide/limit/) and gRPC's default
 * 4 MiB reply, with the spec, the leader's other records, members and votes beside it.
 */
export const STATUS_RECORD_MAX_BYTES = 256 * 1024;

/** Entries of each list kept when the record is over the limit. */
const LIST_CAP = 100;

/**
 * `record` itself when its JSON fits in `maxBytes`; otherwise the same record with, in this order
 * until it fits, the plan's actions, the apply's changes and the warnings cut to their first
 * {@link LIST_CAP}, the route tables left out, the routers left out. Whatever is cut is counted in
 * `omitted`.
 */
export function boundStatusRecord(record: StatusRecord, maxBytes = STATUS_RECORD_MAX_BYTES): StatusRecord {
  const fits = (candidate: StatusRecord) => Buffer.byteLength(JSON.stringify(candidate)) <= maxBytes;
  if (fits(record)) return record;
  const omitted: Record<string, number> = {};
  const cut = <T>(name: string, list: readonly T[] | undefined): readonly T[] | undefined => {
    if (list === undefined || list.length <= LIST_CAP) return list;
    omitted[name] = list.length - LIST_CAP;
    return list.slice(0, LIST_CAP);
  };
  let bounded: StatusRecord = {
    ...record,
    ...(record.lastPlan
      ? { lastPlan: { ...record.lastPlan, actions: cut("actions", record.lastPlan.actions) ?? [] } }
      : {}),
    ...(record.lastApply
      ? { lastApply: { ...record.lastApply, changes: cut("changes", record.lastApply.changes) ?? [] } }
      : {}),
    ...(record.planWarnings ? { planWarnings: cut("planWarnings", record.planWarnings) ?? [] } : {}),
  };
  for (const field of ["routeTables", "routers"] as const) {
    if (fits({ ...bounded, omitted })) break;
    const list = bounded[field];
    if (list === undefined) continue;
    omitted[field] = list.length;
    const { [field]: _dropped, ...rest } = bounded;
    bounded = rest;
  }
  return { ...bounded, omitted };
}
