/**
 * The body of `GET /status`, built from a replica's pushed state and its live probes.
 */
import type { RecordedRouter } from "../domain/status-record.js";
import type { HealthMonitor } from "../probe/health-monitor.js";
import type { ReplicaState } from "../replica/replica-state.js";
import { compareIpv4Text } from "../route-spec/ipv4.js";

/** This replica's own probes, read live (they change at every probe, not at every refresh). */
export type ProbeView = Pick<HealthMonitor, "snapshot" | "failed">;

/**
 * The body of `GET /status`: everything an operator needs to see what this replica and the
 * cluster are doing. Built from the replica's last state and its probes (no I/O), so it answers
 * even when etcd or EC2 do not.
 */
export function buildStatusView(state: ReplicaState, probes: ProbeView): Record<string, unknown> {
  const { snapshot, readAt, member, spec, failures } = state;
  const report = state.leading?.lastReconcile;
  const status = snapshot?.status;
  return {
    replica: { id: member.id, zone: member.zone, version: member.version, startedAt: member.startedAt },
    role: state.role,
    ready: state.ready,
    leader: snapshot?.leader ? { id: snapshot.leader.replicaId, term: snapshot.leader.createRevision } : null,
    etcd: {
      revision: snapshot?.revision ?? null,
      lastReadAt: readAt ? new Date(readAt).toISOString() : null,
    },
    members: snapshot
      ? [...snapshot.members.entries()].map(([id, record]) => ({
          id,
          zone: record.zone,
          version: record.version,
          startedAt: record.startedAt,
          apiAddr: record.apiAddr,
        }))
      : [],
    votes: snapshot ? Object.fromEntries(snapshot.votes) : {},
    quorum: Number.isFinite(failures.quorum) ? failures.quorum : null,
    failedRouters: [...failures.confirmed].sort(compareIpv4Text),
    questionableRouters: [...failures.questionable].sort(compareIpv4Text),
    // ISO times everywhere in /status: the monitor keeps epoch ms.
    probes: Object.fromEntries(
      [...probes.snapshot()].map(([ip, { lastCheckAt, ...health }]) => [
        ip,
        {
          ...health,
          ...(lastCheckAt === undefined ? {} : { lastCheckAt: new Date(lastCheckAt).toISOString() }),
        },
      ]),
    ),
    localFailed: [...probes.failed()].sort(compareIpv4Text),
    spec: {
      revision: spec.inForce?.revision ?? null,
      routes: spec.inForce?.spec ?? null,
      error: spec.error ?? null,
    },
    managedCidrs: snapshot?.managedCidrs ?? [],
    lastPlan: status?.lastPlan ?? null,
    planWarnings: status?.planWarnings ?? [],
    lastApply: status?.lastApply ?? null,
    // A maintenance pause (vpcrouter pause): no replica writes to EC2 while it lasts.
    paused: snapshot?.pause ?? null,
    switchover: snapshot?.switchover ?? null,
    lastReconcile: report
      ? {
          reason: report.reason,
          at: report.at,
          durationMs: report.durationMs,
          error: report.error ?? null,
          held: report.held ?? null,
        }
      : null,
    routeTables: report?.tables ?? status?.routeTables ?? [],
    sourceDestCheck: sourceDestCheckEnabled(report?.routers ?? status?.routers ?? []),
  };
}

/**
 * Router IPs whose ENI has the source/destination check enabled, sorted: such a router drops the
 * traffic routed through it (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html#EIP_Disable_SrcDestCheck).
 * Routers whose check is unknown are left out.
 */
export function sourceDestCheckEnabled(routers: readonly RecordedRouter[]): string[] {
  return [
    ...new Set(routers.filter((router) => router.sourceDestCheck === true).map((router) => router.ip)),
  ].sort(compareIpv4Text);
}
