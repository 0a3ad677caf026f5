/**
 * vpcrouter's metrics, created once from the process meter. Names follow OpenTelemetry's naming
 * conventions (dotted, `vpcrouter.` namespace, UCUM units, no unit in the name:
 * https://opentelemetry.io/docs/specs/semconv/general/metrics/); GET /metrics shows them under
 * their Prometheus names (prometheus-names.ts), given here in brackets.
 */
import type { Counter, Gauge, Histogram, Meter } from "@opentelemetry/api";
import type { RouteAction } from "../domain/route-action.js";
import type { Ec2CallOutcome } from "../vpc/ec2-policy.js";

/** Result of one probe of one router. */
export type ProbeCheckResult = "ok" | "fail";
/** Outcome of one reconcile pass of the leader. */
export type ReconcileOutcome = "noop" | "applied" | "failed" | "fenced" | "skipped";
/** Kind of route change applied to EC2 (same as `RouteAction["kind"]`). */
export type RouteChangeKind = RouteAction["kind"];

/** The instruments; attribute names and values are typed so that label sets stay bounded. */
export interface Instruments {
  /** `vpcrouter.probe.checks` (`vpcrouter_probe_checks_total{result}`): probes sent, by result. */
  readonly probeChecks: Counter<{ result: ProbeCheckResult }>;
  /** `vpcrouter.probe.rtt` (`vpcrouter_probe_rtt_seconds`): round-trip time of successful probes, s. */
  readonly probeRtt: Histogram;
  /** `vpcrouter.routers.failed` (`vpcrouter_routers_failed`): routers the quorum currently confirms as failed. */
  readonly routersFailed: Gauge;
  /** `vpcrouter.quorum.size` (`vpcrouter_quorum_size`): votes needed to confirm a failure (absent while no member is live). */
  readonly quorumSize: Gauge;
  /** `vpcrouter.is_leader` (`vpcrouter_is_leader`): 1 while this replica leads, else 0. */
  readonly isLeader: Gauge;
  /** `vpcrouter.leader.term` (`vpcrouter_leader_term`): term (leader key create revision) of the leader this replica knows. */
  readonly leaderTerm: Gauge;
  /** `vpcrouter.reconcile` (`vpcrouter_reconcile_total{outcome}`): reconcile passes, by outcome. */
  readonly reconciles: Counter<{ outcome: ReconcileOutcome }>;
  /** `vpcrouter.reconcile.duration` (`vpcrouter_reconcile_duration_seconds`): duration of a reconcile pass, s. */
  readonly reconcileDuration: Histogram;
  /** `vpcrouter.route.changes` (`vpcrouter_route_changes_total{kind,failover}`): route changes applied to EC2. */
  readonly routeChanges: Counter<{ kind: RouteChangeKind; failover: boolean }>;
  /** `vpcrouter.ec2.calls` (`vpcrouter_ec2_calls_total{action,outcome}`: EC2 calls by API action (e.g. `ReplaceRoute`). */
  readonly ec2Calls: Counter<{ action: string; outcome: Ec2CallOutcome }>;
  /** `vpcrouter.ec2.call.duration` (`vpcrouter_ec2_call_duration_seconds{action,outcome}`): time of one EC2 call attempt, s. */
  readonly ec2CallDuration: Histogram<{ action: string; outcome: Ec2CallOutcome }>;
  /** `vpcrouter.failover.duration` (`vpcrouter_failover_duration_seconds`): from quorum confirmation of a failure to the route replaced, s. */
  readonly failoverSeconds: Histogram;
  /** `vpcrouter.spec.valid` (`vpcrouter_spec_valid`): 1 when the spec in etcd is valid, 0 when it was rejected. */
  readonly specValid: Gauge;
  /**
   * `vpcrouter.plugin.errors` (`vpcrouter_plugin_errors_total{plugin,operation}`): faults of plugins
   * (a throw, rejection, overrun or garbage; an error line the plugin logged), by plugin name and
   * operation (start, stop, check, watch, emit, report, logged).
   */
  readonly pluginErrors: Counter<{ plugin: string; operation: string }>;
}

/** Probe round trips: loopback and in-VPC answers take well under a millisecond to tens of ms. */
const PROBE_RTT_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5];
/** Reconcile passes: a few EC2 calls each, up to retries with backoff. */
const RECONCILE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** EC2 calls: tens of ms in region, up to the call timeout. */
const EC2_CALL_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Failover latency after quorum confirmation: one or two EC2 writes, or retries when throttled. */
const FAILOVER_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

/**
 * Creates every instrument on `meter`.
 * @param meter - usually `Telemetry.meter`; any OpenTelemetry meter works (a no-op meter in tests).
 */
export function createInstruments(meter: Meter): Instruments {
  return {
    probeChecks: meter.createCounter("vpcrouter.probe.checks", {
      unit: "{check}",
      description: "Router probes, by result (ok or fail).",
    }),
    probeRtt: meter.createHistogram("vpcrouter.probe.rtt", {
      description: "Round-trip time of successful router probes.",
      unit: "s",
      advice: { explicitBucketBoundaries: PROBE_RTT_BUCKETS },
    }),
    routersFailed: meter.createGauge("vpcrouter.routers.failed", {
      unit: "{router}",
      description: "Routers confirmed failed by a quorum of replicas.",
    }),
    quorumSize: meter.createGauge("vpcrouter.quorum.size", {
      unit: "{vote}",
      description:
        "Votes needed to confirm a router failure: a majority of max(live members, quorum.expectedReplicas).",
    }),
    isLeader: meter.createGauge("vpcrouter.is_leader", {
      description: "1 while this replica is the leader.",
    }),
    leaderTerm: meter.createGauge("vpcrouter.leader.term", {
      description: "Current leader term (create revision of the leader key).",
    }),
    reconciles: meter.createCounter("vpcrouter.reconcile", {
      unit: "{pass}",
      description: "Reconcile passes, by outcome.",
    }),
    reconcileDuration: meter.createHistogram("vpcrouter.reconcile.duration", {
      description: "Duration of reconcile passes.",
      unit: "s",
      advice: { explicitBucketBoundaries: RECONCILE_BUCKETS },
    }),
    routeChanges: meter.createCounter("vpcrouter.route.changes", {
      unit: "{change}",
      description: "Route changes applied to EC2, by kind and whether they were failovers.",
    }),
    pluginErrors: meter.createCounter("vpcrouter.plugin.errors", {
      unit: "{error}",
      description: "Faults of plugins, by plugin name and operation.",
    }),
    ec2Calls: meter.createCounter("vpcrouter.ec2.calls", {
      unit: "{call}",
      description: "EC2 API calls, by action and outcome.",
    }),
    ec2CallDuration: meter.createHistogram("vpcrouter.ec2.call.duration", {
      description: "Time of one EC2 call attempt (each retry is one), by action and outcome.",
      unit: "s",
      advice: { explicitBucketBoundaries: EC2_CALL_BUCKETS },
    }),
    failoverSeconds: meter.createHistogram("vpcrouter.failover.duration", {
      description: "Time from quorum confirmation of a router failure to its routes replaced.",
      unit: "s",
      advice: { explicitBucketBoundaries: FAILOVER_BUCKETS },
    }),
    specValid: meter.createGauge("vpcrouter.spec.valid", {
      description: "1 when the route spec is valid, else 0.",
    }),
  };
}
