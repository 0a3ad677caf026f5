import type { RouterEni, RouteTable } from "../domain/route-table.js";
import type { StatusRecord } from "../domain/status-record.js";
import type { HostHealth } from "../probe/health-monitor.js";
import type { Replica } from "../replica/replica.js";
import type { RevisionedSpec } from "../route-spec/route-spec.js";

/**
 * The VPC as last read: route tables and resolved routers, with where they come from.
 * `readAt` (ISO 8601) is known only for this replica's own read as leader; the status record
 * does not say when its copy was read.
 */
export interface VpcReading {
  readonly source: "this replica (leader)" | "leader's status record";
  readonly readAt?: string;
  readonly routeTables: readonly RouteTable[];
  readonly routers: readonly RouterEni[];
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

/** What {@link vpcRouterStateOf} reads of a replica (a structural subset of `Replica`). */
export type VpcRouterStateReplica = Pick<Replica, "spec" | "failures" | "snapshot" | "monitor"> & {
  readonly currentLeadership?:
    | {
        readonly report?: {
          readonly at: string;
          readonly tables?: readonly RouteTable[];
          readonly routers?: readonly RouterEni[];
        };
      }
    | undefined;
};

/**
 * Collects a replica's state for vpc-router's views. Reads getters only (no I/O).
 *
 * The VPC comes from this replica's own latest read while it leads (fresher), else from the
 * leader's status record in the latest cluster snapshot (router routes only).
 *
 * @param extras.specSourceUpdatedAt when the spec source last delivered a new spec (ISO 8601).
 */
export function vpcRouterStateOf(
  replica: VpcRouterStateReplica,
  extras: { readonly specSourceUpdatedAt?: string } = {},
): VpcRouterState {
  return {
    spec: replica.spec.inForce,
    failed: replica.failures.confirmed,
    questionable: replica.failures.questionable,
    vpc: latestVpcReading(replica.currentLeadership?.report, replica.snapshot.value?.status),
    probes: replica.monitor.snapshot(),
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
        readonly tables?: readonly RouteTable[];
        readonly routers?: readonly RouterEni[];
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
