/**
 * What vpc-router's views (`/ips`, `/route_info`, `/vpc`, `/plugins`) read, collected from a
 * replica's pushed state and its live probes.
 */
import type { RecordedRouter, RecordedRouteTable, StatusRecord } from "../domain/status-record.js";
import type { HostHealth } from "../probe/health-monitor.js";
import type { ReplicaState } from "../replica/replica-state.js";
import type { RevisionedSpec } from "../route-spec/route-spec.js";

/**
 * The VPC as last read: route tables and resolved routers, with where they come from.
 * `readAt` (ISO 8601) is known only for this replica's own read as leader; the status record
 * does not say when its copy was read.
 */
export interface VpcReading {
  readonly source: "this replica (leader)" | "leader's status record";
  readonly readAt?: string;
  readonly routeTables: readonly RecordedRouteTable[];
  readonly routers: readonly RecordedRouter[];
}

/**
 * Everything vpc-router's views (`/ips`, `/route_info`, `/vpc`, `/plugins`) read: plain in-memory
 * values, so a view answers even when etcd or EC2 do not.
 */
export interface VpcRouterState {
  /** The spec in force, if any. */
  readonly spec?: RevisionedSpec;
  /** Routers a quorum of replicas votes failed. */
  readonly failed: ReadonlySet<string>;
  /** Routers some, but fewer than a quorum of, replicas vote failed. */
  readonly questionable: ReadonlySet<string>;
  /** The VPC as last read, if it was read yet. */
  readonly vpc?: VpcReading;
  /** This replica's probes: router IP → its fall/rise state. */
  readonly probes: ReadonlyMap<string, HostHealth>;
  /** When the spec source (configfile, fixedconf) last delivered a new spec, ISO 8601. */
  readonly specSourceUpdatedAt?: string;
}

/** What {@link vpcRouterStateOf} reads of a replica's state. */
export type VpcRouterStateInput = Pick<ReplicaState, "spec" | "failures" | "snapshot" | "leading">;

/**
 * Collects a replica's state for vpc-router's views (no I/O).
 *
 * The VPC comes from this replica's own latest read while it leads (fresher), else from the
 * leader's status record in the latest cluster snapshot (router routes only).
 *
 * @param probes this replica's probes: router IP → fall/rise state, read live
 * @param extras.specSourceUpdatedAt when the spec source last delivered a new spec (ISO 8601).
 */
export function vpcRouterStateOf(
  state: VpcRouterStateInput,
  probes: { snapshot(): ReadonlyMap<string, HostHealth> },
  extras: { readonly specSourceUpdatedAt?: string } = {},
): VpcRouterState {
  return {
    spec: state.spec.inForce,
    failed: state.failures.confirmed,
    questionable: state.failures.questionable,
    vpc: latestVpcReading(state.leading?.lastReconcile, state.snapshot?.status),
    probes: probes.snapshot(),
    ...(extras.specSourceUpdatedAt !== undefined ? { specSourceUpdatedAt: extras.specSourceUpdatedAt } : {}),
  };
}

/**
 * The freshest VPC reading: the leader's own report when it holds tables, else the status record.
 * Routers missing from the report fall back to the status record's list. Pure.
 */
export function latestVpcReading(
  report:
    | {
        readonly at: string;
        readonly tables?: readonly RecordedRouteTable[];
        readonly routers?: readonly RecordedRouter[];
      }
    | undefined,
  status: StatusRecord | undefined,
): VpcReading | undefined {
  if (report?.tables) {
    return {
      source: "this replica (leader)",
      readAt: report.at,
      routeTables: report.tables,
      routers: report.routers ?? status?.routers ?? [],
    };
  }
  if (status?.routeTables) {
    return {
      source: "leader's status record",
      routeTables: status.routeTables,
      routers: status.routers ?? [],
    };
  }
  return undefined;
}
