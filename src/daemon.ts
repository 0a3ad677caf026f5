/**
 * Wires one vpcrouter replica from a validated configuration: telemetry, the etcd client, probes,
 * the EC2 port, the replica, its spec source and the HTTP API; and stops it in the right order.
 */
import { hostname } from "node:os";
import type { Logger } from "pino";
import { apiListenerOf } from "./api/api-listener.js";
import { createApiServer } from "./api/server.js";
import { buildStatusView } from "./api/status-view.js";
import { vpcRouterStateOf } from "./api/vpc-router-state.js";
import { ChangeFeed } from "./cluster/change-feed.js";
import { ClusterStore } from "./cluster/cluster-store.js";
import { createEtcdClient } from "./cluster/etcd-client.js";
import { clusterKeys } from "./cluster/keys.js";
import { Session } from "./cluster/session.js";
import { redactedConfig } from "./config/load.js";
import type { VpcrouterConfig } from "./config/schema.js";
import type { MemberRecord } from "./domain/member-record.js";
import { failoverHook, leadershipHook } from "./hooks/hook-events.js";
import { StateHook } from "./hooks/state-hook.js";
import { loadDaemonPlugins, pluginsShown } from "./plugin/daemon-plugins.js";
import { PluginFaults } from "./plugin/plugin-faults.js";
import { pluginsOf } from "./plugin/plugin-set.js";
import { startHealthChecks } from "./plugin/start-health-checks.js";
import { Replica } from "./replica/replica.js";
import type { ReplicaState } from "./replica/replica-state.js";
import type { SpecReading } from "./spec-source/spec-source.js";
import { type SpecSourceHandle, specSourceView, startSpecSource } from "./spec-source/start-spec-source.js";
import { observeReplica } from "./telemetry/observe-replica.js";
import { registerObservedGauges } from "./telemetry/observed-gauges.js";
import { startTelemetry } from "./telemetry/telemetry.js";
import {
  IMDS_TIMEOUT_MS,
  RECONCILE_RETRY_DELAY_MS,
  RESYNC_INTERVAL_MS,
  SESSION_RETRY_MS,
} from "./timings.js";
import { VERSION } from "./version.js";
import { givenRegion, needsInstanceIdentity, resolveAwsTarget } from "./vpc/aws-target.js";
import { sdkChainRegion } from "./vpc/ec2-client.js";
import { createEc2VpcPort } from "./vpc/ec2-vpc-port.js";
import { detectInstanceIdentity } from "./vpc/instance-identity.js";

/** The daemon cannot start with this configuration (exit code 2, like a bad flag). */
export class StartupConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupConfigError";
  }
}

/** A running replica with its API; `stop()` shuts it down gracefully. */
export interface Daemon {
  readonly replica: Replica;
  /** `host:port` the HTTP API listens on. */
  readonly apiAddr: string;
  stop(): Promise<void>;
}

/**
 * Starts one vpcrouter replica from a validated configuration: telemetry, etcd client, probes,
 * the replica (session, votes, election, leadership) and the HTTP API.
 * Region and VPC id not configured are taken from the instance metadata service (IMDSv2); a
 * configured value is never overwritten.
 * @throws StartupConfigError when no VPC id is configured or detectable.
 * @throws Error when the HTTP API cannot listen (e.g. address in use).
 */
export async function startDaemon(config: VpcrouterConfig, logger: Logger): Promise<Daemon> {
  const replicaId = config.replica.id || hostname();
  const log = logger.child({ replica: replicaId, zone: config.replica.zone });
  // Secrets and certificates first: a missing file is a configuration error, found before any I/O.
  const listener = apiListenerOf(config.api);
  // So is a plugin that cannot be loaded; ec2status reads the EC2 port once it starts.
  const plugins = await loadDaemonPlugins(config, () => vpc);
  const aws = await resolveAws(config.aws, log);
  const telemetry = startTelemetry({
    serviceName: config.telemetry.serviceName,
    replicaId,
    traces: config.telemetry.traces,
    logger: log,
  });

  const client = createEtcdClient(config.etcd);
  const store = new ClusterStore(client, clusterKeys(config.etcd.prefix));
  const { instruments } = telemetry;
  const vpc = createEc2VpcPort(aws, log);
  const faults = new PluginFaults(log, ({ plugin, operation }) =>
    instruments.pluginErrors.add(1, { plugin, operation }),
  );
  const checks = await startHealthChecks(plugins.healthChecks, config, faults, {
    intervalMs: config.probe.intervalMs,
    fastIntervalMs: config.probe.fastIntervalMs,
    timeoutMs: config.probe.timeoutMs,
    fall: config.probe.fall,
    rise: config.probe.rise,
    onCheck: (_ip, answered, rttMs) => {
      instruments.probeChecks.add(1, { result: answered ? "ok" : "fail" });
      if (answered) instruments.probeRtt.record(rttMs / 1000);
    },
  });
  const monitor = checks.health;
  monitor.on("change", (failed: ReadonlySet<string>) =>
    log.info({ failed: [...failed].sort(), reasons: checks.reasons(failed) }, "local probe view changed"),
  );
  vpc.policy.onCall((event) => {
    const attributes = { action: event.action, outcome: event.outcome };
    instruments.ec2Calls.add(1, attributes);
    if (event.outcome !== "breaker_open")
      instruments.ec2CallDuration.record(event.durationMs / 1000, attributes);
  });

  // The API listens first (its port may be 0 in tests), then the member record names it. Until the
  // replica exists the API answers from no state; then from the last state the replica pushed.
  let state: ReplicaState | undefined;
  const startedAt = new Date().toISOString();
  // What GET / shows as vpc-router's params: the configuration in force, detected region/VPC included.
  const shownConfig = redactedConfig(
    { ...config, aws },
    pluginsOf(plugins).map(({ plugin }) => plugin),
  );
  // When the configfile/fixedconf source last gave a valid spec (vpc-router's last_route_spec_update).
  let specSourceUpdatedAt: string | undefined;
  let specSource: SpecSourceHandle = { source: undefined, close: async () => undefined };
  const api = createApiServer(
    {
      status: () =>
        state
          ? {
              ...buildStatusView(state, monitor),
              ec2: { breakers: vpc.breakerStates() },
              ...specSourceView(specSource.source, specSourceUpdatedAt),
            }
          : { role: "starting" },
      specInForce: () => state?.spec.inForce,
      putSpec: (json) => store.putSpec(json),
      ready: () => state?.ready ?? false,
      roleView: () => ({
        role: state?.role ?? "starting",
        ready: state?.ready ?? false,
        leader: state?.snapshot?.leader
          ? { id: state.snapshot.leader.replicaId, term: state.snapshot.leader.createRevision }
          : null,
      }),
      maxRoutes: () => config.spec.maxRoutes,
      metrics: (request, response) => telemetry.metricsHandler(request, response),
      config: () => shownConfig,
      startedAt,
      vpcRouterState: () => (state ? vpcRouterStateOf(state, monitor, { specSourceUpdatedAt }) : undefined),
      plugins: () => pluginsShown(plugins),
    },
    log,
    { writePolicy: listener.writePolicy, ...(listener.tls ? { tls: listener.tls } : {}) },
  );
  await api.listen({ host: config.api.address, port: config.api.port });
  const address = api.server.address();
  const apiAddr = `${config.api.address}:${typeof address === "object" && address ? address.port : config.api.port}`;
  const member: MemberRecord = {
    id: replicaId,
    zone: config.replica.zone,
    version: VERSION,
    startedAt,
    apiAddr,
  };
  const observer = observeReplica(instruments);
  let lastReconcileOkAt: number | undefined;
  // The gauges are registered before the replica exists; they read it once it does.
  let replicaRef: Replica | undefined;
  registerObservedGauges(
    telemetry.meter,
    {
      members: () => state?.snapshot?.members.size ?? 0,
      routerHealth: () => new Map([...monitor.snapshot()].map(([ip, health]) => [ip, health.healthy])),
      breakers: () => vpc.breakerStates(),
      paused: () => state?.snapshot?.pause !== undefined,
      lastReconcileOkAt: () => (state?.role === "leader" ? lastReconcileOkAt : undefined),
      leaseRemainingMs: () => replicaRef?.leaseRemainingMs(),
    },
    VERSION,
  );
  const hook = new StateHook(config.hooks.command, config.hooks.timeoutMs, log.child({ component: "hook" }));
  const onFailover = failoverHook(hook, replicaId);
  const replica = new Replica(
    {
      member,
      electionTtlSeconds: config.election.ttlSeconds,
      expectedReplicas: config.quorum.expectedReplicas,
      maxRoutes: config.spec.maxRoutes,
      resyncIntervalMs: RESYNC_INTERVAL_MS,
      sessionRetryMs: SESSION_RETRY_MS,
      leadership: {
        routeRecheckIntervalSeconds: config.reconcile.routeRecheckIntervalSeconds,
        safetyMarginMs: config.election.safetyMarginMs,
        prune: config.reconcile.prune,
        ignoreRoutes: config.reconcile.ignoreRoutes,
        allowEmptySpec: config.reconcile.allowEmptySpec,
        fixSourceDestCheck: config.aws.fixSourceDestCheck,
        dryRun: config.reconcile.dryRun,
        retryDelayMs: RECONCILE_RETRY_DELAY_MS,
      },
    },
    {
      openSession: (ttl) =>
        Session.open(client, ttl, undefined, (event, fields) =>
          log.debug({ ...fields, component: "session" }, event),
        ),
      store,
      feed: new ChangeFeed(client, store.keys.root),
      monitor,
      vpc,
      logger: log,
      leadershipEvents: {
        onReconciled: (report) => {
          if (report.error === undefined) lastReconcileOkAt = Date.now();
          observer.leadershipEvents.onReconciled?.(report);
          onFailover(report);
        },
      },
    },
  );

  // A spec-source plugin: the leader publishes its spec to <prefix>/spec (no-op in etcd/http modes).
  specSource = startSpecSource(plugins.specSource, config, { store, replica, logger: log, faults });
  const noteValidReading = (reading: SpecReading) => {
    if (reading.result.ok) specSourceUpdatedAt = new Date().toISOString();
  };
  if (specSource.source) {
    noteValidReading(specSource.source.latest);
    specSource.source.onChange(noteValidReading);
  }
  state = replica.state;
  observer.observe(state);
  replicaRef = replica;
  replica.onState(leadershipHook(hook));
  replica.onState((next) => {
    state = next;
    observer.observe(next);
  });
  replica.start();
  log.info(
    {
      version: VERSION,
      api: apiAddr,
      vpc: aws.vpcId,
      region: aws.region || "(SDK default)",
      prefix: config.etcd.prefix,
      apiScheme: listener.tls ? (listener.tls.clientCa ? "https+mtls" : "https") : "http",
    },
    "vpcrouter started",
  );
  // Who may change the routes through the API, said once and loudly when writes cannot work.
  log[listener.writesRefused ? "warn" : "info"]({ api: apiAddr }, `API: ${listener.writeMode}`);

  let stopping: Promise<void> | undefined;
  return {
    replica,
    apiAddr,
    stop: () => {
      stopping ??= (async () => {
        log.info("stopping");
        await specSource.close();
        await replica.stop();
        // The lost-leadership hook of the last term runs, within its own timeout.
        await hook.idle();
        await checks.close();
        vpc.close();
        await api.close().catch(() => undefined);
        client.close();
        await telemetry.shutdown().catch(() => undefined);
        log.info("stopped");
      })();
      return stopping;
    },
  };
}

/**
 * The `aws` settings with region and VPC id completed from the instance metadata service; a region
 * from the setting, the SDK chain or `AWS_DEFAULT_REGION` counts as given ({@link givenRegion}).
 * Shared by the daemon and `vpcrouter plan`.
 * @throws StartupConfigError when no VPC id is configured or detectable.
 */
export async function resolveAws(
  configured: VpcrouterConfig["aws"],
  log: Logger,
): Promise<VpcrouterConfig["aws"]> {
  const region = configured.region || givenRegion("", await sdkChainRegion(), process.env);
  const given = { ...configured, region };
  if (!needsInstanceIdentity(given)) return given;
  const target = resolveAwsTarget(given, await detectInstanceIdentity({ timeoutMs: IMDS_TIMEOUT_MS }));
  if (!target.ok) throw new StartupConfigError(target.message);
  if (target.detected.region || target.detected.vpcId) {
    log.info({ region: target.region, vpcId: target.vpcId, detected: target.detected }, "detected from IMDS");
  }
  return { ...given, region: target.region, vpcId: target.vpcId };
}
