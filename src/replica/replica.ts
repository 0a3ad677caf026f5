/**
 * One vpcrouter replica: its etcd session, the cluster state it follows, the votes it publishes,
 * and its terms of leadership. Every change of what it knows is emitted as one {@link ReplicaState}.
 */
import type { Logger } from "pino";
import type { ChangeFeed } from "../cluster/change-feed.js";
import { type ClusterStore, ReplicaIdTakenError } from "../cluster/cluster-store.js";
import type { Session } from "../cluster/session.js";
import { type Candidate, type ClusterSnapshot, compareRevisions } from "../cluster/snapshot.js";
import { type FailureView, tallyVotes } from "../decide/quorum.js";
import { decideSpec, type SpecDecision } from "../decide/spec-in-force.js";
import type { MemberRecord } from "../domain/member-record.js";
import type { VpcPort } from "../domain/vpc-port.js";
import type { LeaderDuty } from "../leader/leader-duty.js";
import { Leadership, type LeadershipEvents, type LeadershipOptions } from "../leader/leadership.js";
import type { LeaderInputs, ReconcileReport } from "../leader/reconcile-pass.js";
import { CoalescedRun } from "../lib/coalesced-run.js";
import type { HealthMonitor } from "../probe/health-monitor.js";
import { routerIpsOf } from "../route-spec/route-spec.js";
import { MEMBER_REGISTER_RETRY_MS } from "../timings.js";
import type { ReplicaState, Role } from "./replica-state.js";
import { VotePublisher } from "./vote-publisher.js";

/** Settings of one replica. */
export interface ReplicaOptions {
  readonly member: MemberRecord;
  readonly electionTtlSeconds: number;
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
  readonly monitor: HealthMonitor;
  readonly vpc: VpcPort;
  readonly logger: Logger;
  readonly leadershipEvents?: LeadershipEvents;
}

const NO_FAILURES: FailureView = { confirmed: new Set(), questionable: new Set(), votesByRouter: new Map() };

/**
 * One vpcrouter replica: keeps an etcd session (member key, votes and election key on one lease),
 * follows the cluster state level-triggered (re-read on every change and periodically), probes the
 * routers of the spec in force, publishes its failure view, and leads when its election key is the
 * oldest (see {@link Leadership}), running its {@link LeaderDuty}s for each term.
 */
export class Replica {
  private session: Session | undefined;
  private candidate: Candidate | undefined;
  private leadership: Leadership | undefined;
  private snapshotValue: ClusterSnapshot | undefined;
  private lastReadAt: number | undefined;
  private specDecision: SpecDecision = {};
  private failureView: FailureView = NO_FAILURES;
  private readonly votes: VotePublisher;
  private stopping = false;
  private stopSignal: () => void = () => undefined;
  private readonly stopped: Promise<void>;
  private readonly refresher = new CoalescedRun(
    () => this.refreshOnce(),
    () => !this.stopping,
    (error) => this.deps.logger.warn({ err: error }, "refreshing the cluster state failed"),
  );
  private lastRefreshError: string | undefined;
  private demoting: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private sessionLoopDone: Promise<void> = Promise.resolve();
  private readonly stateListeners = new Set<(state: ReplicaState) => void>();
  private readonly duties: LeaderDuty[] = [];
  private currentState: ReplicaState;

  constructor(
    private readonly options: ReplicaOptions,
    private readonly deps: ReplicaDeps,
  ) {
    this.stopped = new Promise((resolve) => {
      this.stopSignal = resolve;
    });
    this.votes = new VotePublisher(deps.store, options.member.id, deps.logger);
    this.currentState = this.buildState();
  }

  /** Adds work to run beside the reconcile passes during each term (call before {@link start}). */
  addLeaderDuty(duty: LeaderDuty): void {
    this.duties.push(duty);
  }

  /** Starts probing, following the cluster and campaigning. Returns at once. */
  start(): void {
    const { feed, monitor } = this.deps;
    feed.on("change", () => this.requestRefresh());
    feed.start();
    monitor.on("change", () => this.publishVote());
    monitor.start();
    this.resyncTimer = setInterval(() => this.requestRefresh(), this.options.resyncIntervalMs);
    this.resyncTimer.unref();
    this.sessionLoopDone = this.sessionLoop();
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
    clearInterval(this.resyncTimer);
    // Leadership ends (no EC2 call in flight, election key deleted) before the lease is revoked.
    await this.demote("shutting down");
    this.stopSignal();
    await this.sessionLoopDone;
    await this.deps.feed.stop();
    await this.deps.monitor.stop();
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
    if (this.leadership) return "leader";
    return this.candidate ? "follower" : "connecting";
  }

  private buildState(lastReconcile?: ReconcileReport): ReplicaState {
    const leadership = this.leadership;
    return {
      member: this.options.member,
      role: this.role,
      ready: this.candidate !== undefined && this.snapshotValue !== undefined,
      ...(this.snapshotValue !== undefined ? { snapshot: this.snapshotValue } : {}),
      ...(this.lastReadAt !== undefined ? { readAt: this.lastReadAt } : {}),
      spec: this.specDecision,
      failures: this.failureView,
      ...(leadership
        ? { leading: { term: leadership.term, lastReconcile: lastReconcile ?? leadership.report } }
        : {}),
    };
  }

  private async sessionLoop(): Promise<void> {
    const { logger } = this.deps;
    while (!this.stopping) {
      let session: Session | undefined;
      try {
        session = await this.deps.openSession(this.options.electionTtlSeconds);
        if (this.stopping) break;
        this.session = session;
        const lost = new Promise<string>((resolve) => session?.once("lost", resolve));
        await this.register(session, lost);
        this.candidate = await this.deps.store.campaign(session, this.options.member.id);
        logger.info({ lease: session.leaseIdHex, candidate: this.candidate.key }, "joined the cluster");
        this.emitState();
        this.votes.reset(session);
        this.publishVote();
        this.requestRefresh();
        const reason = await Promise.race([lost, this.stopped.then(() => "stopping")]);
        if (reason !== "stopping") logger.warn({ reason }, "etcd session lost; rejoining");
      } catch (error) {
        if (!this.stopping) logger.warn({ err: error }, "cannot reach etcd; retrying");
      } finally {
        await this.demote("session ended");
        this.candidate = undefined;
        this.votes.reset(undefined);
        this.session = undefined;
        this.emitState();
        // On a graceful stop this revokes the lease; after a loss it is best effort.
        const closing = session?.close();
        if (this.stopping) await closing;
      }
      if (!this.stopping) await Promise.race([delay(this.options.sessionRetryMs), this.stopped]);
    }
  }

  /** Registers the member key, waiting while our id is still held by an older lease. */
  private async register(session: Session, lost: Promise<string>): Promise<void> {
    let warned = false;
    for (;;) {
      try {
        await this.deps.store.registerMember(session, this.options.member);
        return;
      } catch (error) {
        if (!(error instanceof ReplicaIdTakenError)) throw error;
        if (!warned)
          this.deps.logger.warn(
            { replica: this.options.member.id },
            `${error.message}; waiting for it to expire`,
          );
        warned = true;
      }
      const outcome = await Promise.race([
        delay(MEMBER_REGISTER_RETRY_MS).then(() => "retry"),
        lost,
        this.stopped.then(() => "stopping"),
      ]);
      if (outcome !== "retry") throw new Error(`registration abandoned: ${outcome}`);
    }
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
    this.applySpec(snapshot);
    this.publishVote();
    const inForce = this.specDecision.inForce;
    this.failureView = inForce
      ? tallyVotes({
          members: [...snapshot.members.keys()],
          votes: snapshot.votes,
          specRevision: inForce.revision,
        })
      : NO_FAILURES;
    await this.applyRole(snapshot);
    this.emitState();
    await this.repairKeys(snapshot);
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

  /**
   * Level-triggered repair of this replica's own keys (DESIGN.md rule 3): if an operator or a bug
   * deleted our member key, vote or election key while our lease lives, write them again.
   */
  private async repairKeys(snapshot: ClusterSnapshot): Promise<void> {
    const { session, candidate } = this;
    if (!session || !candidate || session.isLost || this.stopping) return;
    // A snapshot read before we joined says nothing about our keys.
    if (compareRevisions(snapshot.revision, candidate.createRevision) < 0) return;
    const { store, logger } = this.deps;
    const id = this.options.member.id;
    // After each await, give up if the session loop has moved on (lost, rejoined, stopped).
    const current = () => this.session === session && this.candidate === candidate && !session.isLost;
    if (snapshot.members.get(id)?.lease !== session.leaseId) {
      logger.warn({ replica: id }, "member key missing; registering again");
      await store.registerMember(session, this.options.member);
      if (!current()) return;
    }
    if (!snapshot.candidates.some((c) => c.key === candidate.key)) {
      logger.warn({ key: candidate.key }, "election key missing; campaigning again");
      const renewed = await store.campaign(session, id);
      if (!current()) return;
      this.candidate = renewed;
    }
    if (!snapshot.votes.has(id) && this.votes.hasWritten) {
      this.votes.reset(session);
      this.publishVote();
    }
  }

  private applySpec(snapshot: ClusterSnapshot): void {
    const previous = this.specDecision;
    const decision = decideSpec(snapshot.spec, [previous.inForce, snapshot.status?.lastGoodSpec], {
      maxRoutes: this.options.maxRoutes,
    });
    this.specDecision = decision;
    const { logger, monitor } = this.deps;
    if (decision.inForce && decision.inForce.revision !== previous.inForce?.revision) {
      const routes = Object.keys(decision.inForce.spec).length;
      logger.info({ revision: decision.inForce.revision, routes }, "spec in force");
      monitor.setHosts(routerIpsOf(decision.inForce.spec));
    }
    if (decision.error && decision.error.revision !== previous.error?.revision) {
      logger.error(
        { revision: decision.error.revision, keeping: decision.inForce?.revision },
        `spec rejected: ${decision.error.message}`,
      );
    }
  }

  private async applyRole(snapshot: ClusterSnapshot): Promise<void> {
    const candidate = this.candidate;
    const session = this.session;
    const leads =
      candidate !== undefined &&
      session !== undefined &&
      !session.isLost &&
      snapshot.leader?.key === candidate.key &&
      snapshot.leader.createRevision === candidate.createRevision;
    if (leads && !this.leadership && !this.stopping) {
      const leadership = new Leadership(
        candidate,
        session,
        this.deps.store,
        this.deps.vpc,
        this.options.leadership,
        this.deps.logger.child({ term: candidate.createRevision }),
        this.leaderInputs(snapshot),
        { onReconciled: (report) => this.onReconciled(leadership, report) },
      );
      this.leadership = leadership;
      this.deps.logger.info({ term: candidate.createRevision }, "became leader");
      leadership.start();
      for (const duty of this.duties) duty.startTerm(leadership.fence);
    } else if (!leads && this.leadership) {
      await this.demote(`${snapshot.leader?.replicaId ?? "nobody"} leads now`);
    } else {
      this.leadership?.update(this.leaderInputs(snapshot));
    }
  }

  private leaderInputs(snapshot: ClusterSnapshot): LeaderInputs {
    return {
      spec: this.specDecision.inForce,
      specError: this.specDecision.error,
      failure: this.failureView,
      status: snapshot.status,
    };
  }

  /** Ends leadership; resolves once no EC2 call of it is in flight (also when another caller began it). */
  private async demote(reason: string): Promise<void> {
    const leadership = this.leadership;
    if (!leadership) {
      await this.demoting;
      return;
    }
    this.leadership = undefined;
    this.deps.logger.warn({ term: leadership.term, reason }, "leadership ended");
    for (const duty of this.duties) duty.endTerm();
    this.emitState();
    const demotion = (async () => {
      await leadership.stop();
      // A graceful stop hands over at once: delete the election key before revoking the lease.
      if (this.stopping) await this.deps.store.resign(leadership.candidate).catch(() => undefined);
    })();
    this.demoting = demotion;
    try {
      await demotion;
    } finally {
      if (this.demoting === demotion) this.demoting = undefined;
    }
  }

  /** Passes a reconcile report on to the observers and emits it in a new state, while the term lasts. */
  private onReconciled(leadership: Leadership, report: ReconcileReport): void {
    this.deps.leadershipEvents?.onReconciled?.(report);
    if (this.leadership === leadership) this.emitState(report);
  }

  private publishVote(): void {
    const inForce = this.specDecision.inForce;
    if (!inForce) return;
    const hosts = new Set(routerIpsOf(inForce.spec));
    const failed = [...this.deps.monitor.failed()].filter((ip) => hosts.has(ip)).sort();
    this.votes.publish(failed, inForce.revision);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
