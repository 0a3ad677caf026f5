/**
 * One vpcrouter replica: its etcd session, the cluster state it follows, the votes it publishes,
 * and its terms of leadership. Every change of what it knows is emitted as one {@link ReplicaState}.
 */
import type { Logger } from "pino";
import type { ChangeFeed } from "../cluster/change-feed.js";
import type { ClusterStore } from "../cluster/cluster-store.js";
import type { Session } from "../cluster/session.js";
import type { ClusterSnapshot } from "../cluster/snapshot.js";
import type { FailureView } from "../decide/quorum.js";
import type { SpecDecision } from "../decide/spec-in-force.js";
import type { MemberRecord } from "../domain/member-record.js";
import type { VpcPort } from "../domain/vpc-port.js";
import type { LeaderDuty } from "../leader/leader-duty.js";
import type { LeadershipEvents, LeadershipOptions } from "../leader/leadership.js";
import type { ReconcileReport } from "../leader/reconcile-pass.js";
import { CoalescedRun } from "../lib/coalesced-run.js";
import type { HealthSource } from "../probe/health-source.js";
import { routerIpsOf } from "../route-spec/route-spec.js";
import { inQuorumSpan, leaderInputsOf, logSpecDecision, NO_FAILURES, viewOf } from "./cluster-view.js";
import { LeaderTerms } from "./leader-terms.js";
import { Membership } from "./membership.js";
import { repairOwnKeys } from "./own-keys.js";
import type { ReplicaState, Role } from "./replica-state.js";
import { SwitchoverHandler } from "./switchover.js";
import { inProbeViewSpan } from "./trace-links.js";
import { VotePublisher } from "./vote-publisher.js";

/** Settings of one replica. */
export interface ReplicaOptions {
  readonly member: MemberRecord;
  readonly electionTtlSeconds: number;
  /** Replicas the cluster is meant to have (`quorum.expectedReplicas`): the quorum is a majority of at least these. */
  readonly expectedReplicas: number;
  readonly maxRoutes: number;
  /** Full re-read of the cluster state even without watch events, ms (covers silent watch loss). */
  readonly resyncIntervalMs: number;
  /** Pause between attempts to (re)establish the etcd session, ms. */
  readonly sessionRetryMs: number;
  readonly leadership: LeadershipOptions;
}

/** Collaborators of a replica: etcd, the probes' monitor, the VPC. */
export interface ReplicaDeps {
  readonly openSession: (ttlSeconds: number) => Promise<Session>;
  readonly store: ClusterStore;
  readonly feed: ChangeFeed;
  readonly monitor: HealthSource;
  readonly vpc: VpcPort;
  readonly logger: Logger;
  readonly leadershipEvents?: LeadershipEvents;
}

/**
 * One vpcrouter replica: keeps an etcd session (member key, votes and election key on one lease),
 * follows the cluster state level-triggered (re-read on every change and periodically), probes the
 * routers of the spec in force, publishes its failure view, and leads when its election key is the
 * oldest (see {@link LeaderTerms}), running its {@link LeaderDuty}s for each term.
 */
export class Replica {
  private readonly membership: Membership;
  private readonly terms: LeaderTerms;
  private snapshotValue: ClusterSnapshot | undefined;
  private lastReadAt: number | undefined;
  private specDecision: SpecDecision = {};
  private failureView: FailureView = NO_FAILURES;
  private readonly votes: VotePublisher;
  private readonly switchover: SwitchoverHandler;
  private started = false;
  private stopping = false;
  private readonly refresher = new CoalescedRun(
    () => this.refreshOnce(),
    () => !this.stopping,
    (error) => this.deps.logger.warn({ err: error }, "refreshing the cluster state failed"),
  );
  private lastRefreshError: string | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly stateListeners = new Set<(state: ReplicaState) => void>();
  private currentState: ReplicaState;

  constructor(
    private readonly options: ReplicaOptions,
    private readonly deps: ReplicaDeps,
  ) {
    this.votes = new VotePublisher(deps.store, options.member.id, deps.logger);
    this.terms = new LeaderTerms({
      store: deps.store,
      vpc: deps.vpc,
      options: options.leadership,
      logger: deps.logger,
      ...(deps.leadershipEvents ? { events: deps.leadershipEvents } : {}),
      onChange: (lastReconcile) => this.emitState(lastReconcile),
    });
    this.membership = new Membership({
      openSession: deps.openSession,
      store: deps.store,
      member: options.member,
      ttlSeconds: options.electionTtlSeconds,
      retryMs: options.sessionRetryMs,
      logger: deps.logger,
      hooks: {
        joined: (session) => {
          this.emitState();
          this.votes.reset(session);
          this.publishVote();
          this.requestRefresh();
        },
        leaving: (stopping) => this.terms.end("session ended", { resign: stopping }),
        left: () => {
          this.votes.reset(undefined);
          this.emitState();
        },
      },
    });
    this.switchover = new SwitchoverHandler({
      membership: this.membership,
      terms: this.terms,
      store: deps.store,
      replicaId: options.member.id,
      logger: deps.logger,
    });
    this.currentState = this.buildState();
  }

  /**
   * Adds work to run beside the reconcile passes during each term.
   * @throws Error once started: a duty added later would silently miss the term in progress
   */
  addLeaderDuty(duty: LeaderDuty): void {
    if (this.started) throw new Error("leader duties must be added before the replica starts");
    this.terms.addDuty(duty);
  }

  /** Starts probing, following the cluster and campaigning. Returns at once. */
  start(): void {
    this.started = true;
    const { feed, monitor } = this.deps;
    feed.on("change", () => this.requestRefresh());
    feed.start();
    monitor.on("change", (failed: ReadonlySet<string>) =>
      inProbeViewSpan([...failed], () => this.publishVote()),
    );
    monitor.start();
    this.resyncTimer = setInterval(() => this.requestRefresh(), this.options.resyncIntervalMs);
    this.resyncTimer.unref();
    this.membership.start();
    this.requestRefresh();
  }

  /**
   * Stops gracefully: no EC2 mutation starts after leadership ends, then the lease is revoked so
   * the member key, the votes and the election key vanish at once and another replica leads
   * without waiting for the TTL. Never throws.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.membership.beginStop();
    clearInterval(this.resyncTimer);
    // Leadership ends (no EC2 call in flight, election key deleted) before the lease is revoked.
    await this.terms.end("shutting down", { resign: true });
    await this.membership.stop();
    await this.deps.feed.stop();
    await this.deps.monitor.stop();
  }

  /** Time left on this replica's lease as its session counts it, ms; undefined while it has none. */
  leaseRemainingMs(): number | undefined {
    const session = this.membership.session;
    return session && !session.isLost ? Math.max(0, session.remainingMs()) : undefined;
  }

  /** The state last emitted. */
  get state(): ReplicaState {
    return this.currentState;
  }

  /**
   * Calls `listener` with every new state: after every read of the cluster state (so after every
   * change of the spec in force or of the role), when it joins or leaves the cluster, when
   * leadership ends and after every reconcile pass. Listeners must not throw (an exception is
   * logged and ignored).
   * @returns a function that removes the listener.
   */
  onState(listener: (state: ReplicaState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private get role(): Role {
    if (this.terms.current) return "leader";
    return this.membership.candidate ? "follower" : "connecting";
  }

  private buildState(lastReconcile?: ReconcileReport): ReplicaState {
    const leadership = this.terms.current;
    return {
      member: this.options.member,
      role: this.role,
      ready: this.membership.candidate !== undefined && this.snapshotValue !== undefined,
      ...(this.snapshotValue !== undefined ? { snapshot: this.snapshotValue } : {}),
      ...(this.lastReadAt !== undefined ? { readAt: this.lastReadAt } : {}),
      spec: this.specDecision,
      failures: this.failureView,
      ...(leadership
        ? { leading: { term: leadership.term, lastReconcile: lastReconcile ?? leadership.report } }
        : {}),
    };
  }

  /** Coalesces refresh requests: at most one read in flight and one queued. */
  private requestRefresh(): void {
    this.refresher.request();
  }

  private async refreshOnce(): Promise<void> {
    try {
      await this.refresh();
      this.lastRefreshError = undefined;
    } catch (error) {
      // Logged once per distinct error: etcd being down would otherwise log every resync.
      const message = (error as Error).message;
      if (message !== this.lastRefreshError)
        this.deps.logger.warn({ err: error }, "cannot read the cluster state");
      this.lastRefreshError = message;
    }
  }

  private async refresh(): Promise<void> {
    const snapshot = await this.deps.store.readSnapshot();
    this.snapshotValue = snapshot;
    this.lastReadAt = Date.now();
    const previous = this.specDecision;
    const previousFailures = this.failureView;
    const view = viewOf(snapshot, previous, this.options);
    logSpecDecision(this.deps.logger, previous, view.spec);
    this.specDecision = view.spec;
    this.failureView = view.failures;
    const inForce = view.spec.inForce;
    if (inForce && inForce.revision !== previous.inForce?.revision) {
      this.deps.monitor.setHosts(routerIpsOf(inForce.spec));
    }
    this.publishVote();
    // A newly confirmed failure opens the failover's trace: the leader's pass becomes its child.
    await inQuorumSpan(previousFailures, view.failures, snapshot, () => this.applyRole(snapshot));
    this.emitState();
    if (this.stopping) return;
    if (await this.switchover.follow(snapshot)) {
      this.emitState();
      this.requestRefresh();
      return;
    }
    await repairOwnKeys(snapshot, {
      membership: this.membership,
      member: this.options.member,
      votes: this.votes,
      publishVote: () => this.publishVote(),
      store: this.deps.store,
      logger: this.deps.logger,
    });
  }

  private emitState(lastReconcile?: ReconcileReport): void {
    const state = this.buildState(lastReconcile);
    this.currentState = state;
    for (const listener of this.stateListeners) {
      try {
        listener(state);
      } catch (error) {
        this.deps.logger.error({ err: error }, "replica state listener failed");
      }
    }
  }

  /** Starts, feeds or ends this replica's term as the snapshot's leader says. */
  private async applyRole(snapshot: ClusterSnapshot): Promise<void> {
    const { candidate, session } = this.membership;
    const leads =
      candidate !== undefined &&
      session !== undefined &&
      !session.isLost &&
      !this.stopping &&
      snapshot.leader?.key === candidate.key &&
      snapshot.leader.createRevision === candidate.createRevision;
    const claim = leads ? { candidate, session } : undefined;
    const inputs = leaderInputsOf(snapshot, this.specDecision, this.failureView);
    await this.terms.follow(claim, inputs, snapshot.leader?.replicaId ?? "nobody");
  }

  private publishVote(): void {
    const inForce = this.specDecision.inForce;
    if (!inForce) return;
    const hosts = new Set(routerIpsOf(inForce.spec));
    const failed = [...this.deps.monitor.failed()].filter((ip) => hosts.has(ip)).sort();
    this.votes.publish(failed, inForce.revision);
  }
}
