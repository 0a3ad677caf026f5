/**
 * Gauges read at each scrape from the replica's live state (OpenTelemetry observable gauges): the
 * members, each router's health as this replica's probes see it, the EC2 circuit breakers, the
 * maintenance pause, the last successful reconcile, and the build.
 */
import type { Meter } from "@opentelemetry/api";
import type { Ec2BreakerState } from "../vpc/ec2-policy.js";

/** Where the gauges read their values; each is called at every scrape, from memory. */
export interface GaugeSources {
  /** Live members of the cluster as last read (0 before the first read). */
  members(): number;
  /** This replica's probe view: router IP → healthy. */
  routerHealth(): ReadonlyMap<string, boolean>;
  /** EC2 circuit breaker per API action. */
  breakers(): Readonly<Record<string, Ec2BreakerState>>;
  /** True while `<prefix>/pause` exists. */
  paused(): boolean;
  /** When the leader's last pass without error ended, epoch ms; undefined when none on this replica. */
  lastReconcileOkAt(): number | undefined;
  /** Time left on this replica's lease, ms; undefined without a session. */
  leaseRemainingMs(): number | undefined;
}

/**
 * Registers the gauges on `meter` (OpenTelemetry names, Prometheus names in brackets):
 * - `vpcrouter.members` (`vpcrouter_members`): live members;
 * - `vpcrouter.router.up` (`vpcrouter_router_up{router}`): 1 when this replica's probes see the router healthy, else 0;
 * - `vpcrouter.ec2.breaker.open` (`vpcrouter_ec2_breaker_open`){action}`: 1 while the action's breaker refuses calls (open or isolated);
 * - `vpcrouter.paused` (`vpcrouter_paused`): 1 while the cluster is paused;
 * - `vpcrouter.last_reconcile_success.timestamp` (`vpcrouter_last_reconcile_success_timestamp_seconds`): Unix time, s (leader only);
 * - `vpcrouter.lease.remaining` (`vpcrouter_lease_remaining_seconds`): time left on this replica's lease as it counts it (a leader
 *   stops writing `election.safetyMarginMs` before 0);
 * - `vpcrouter.build.info` (`vpcrouter_build_info{version,node}`): always 1.
 * @param version - vpcrouter's version, e.g. `"0.1.0"`.
 */
export function registerObservedGauges(meter: Meter, sources: GaugeSources, version: string): void {
  meter
    .createObservableGauge("vpcrouter.members", {
      unit: "{member}",
      description: "Live members of the cluster.",
    })
    .addCallback((result) => result.observe(sources.members()));
  meter
    .createObservableGauge("vpcrouter.router.up", {
      description: "1 when this replica's probes see the router healthy, else 0.",
    })
    .addCallback((result) => {
      for (const [router, healthy] of sources.routerHealth()) result.observe(healthy ? 1 : 0, { router });
    });
  meter
    .createObservableGauge("vpcrouter.ec2.breaker.open", {
      description: "1 while the EC2 action's circuit breaker refuses calls (open or isolated), else 0.",
    })
    .addCallback((result) => {
      for (const [action, state] of Object.entries(sources.breakers())) {
        result.observe(state === "open" || state === "isolated" ? 1 : 0, { action });
      }
    });
  meter
    .createObservableGauge("vpcrouter.paused", {
      description: "1 while the cluster is paused (vpcrouter pause).",
    })
    .addCallback((result) => result.observe(sources.paused() ? 1 : 0));
  meter
    .createObservableGauge("vpcrouter.last_reconcile_success.timestamp", {
      description: "When this leader's last reconcile pass without error ended, Unix time.",
      unit: "s",
    })
    .addCallback((result) => {
      const at = sources.lastReconcileOkAt();
      if (at !== undefined) result.observe(at / 1000);
    });
  meter
    .createObservableGauge("vpcrouter.lease.remaining", {
      description: "Time left on this replica's etcd lease as its session counts it.",
      unit: "s",
    })
    .addCallback((result) => {
      const remaining = sources.leaseRemainingMs();
      if (remaining !== undefined) result.observe(remaining / 1000);
    });
  meter
    .createObservableGauge("vpcrouter.build.info", { description: "Always 1; the labels name the build." })
    .addCallback((result) => result.observe(1, { version, node: process.version }));
}
