/**
 * A replica's membership of the cluster: one etcd session at a time (like etcd's
 * `concurrency.Session`), carrying its member key and its election key, rejoined whenever it is lost.
 */
import type { Logger } from "pino";
import { type ClusterStore, ReplicaIdTakenError } from "../cluster/cluster-store.js";
import type { Session } from "../cluster/session.js";
import type { Candidate } from "../cluster/snapshot.js";
import type { MemberRecord } from "../domain/member-record.js";
import { MEMBER_REGISTER_RETRY_MS } from "../timings.js";

/** What the replica does as its membership changes. */
export interface MembershipHooks {
  /** Joined: session open, member key registered, election key created. */
  joined(session: Session): void;
  /** The session is ending (lost, or stopping): end leadership before the lease goes. */
  leaving(stopping: boolean): Promise<void>;
  /** The session is gone; a new one will be tried unless stopping. */
  left(): void;
}

/** Settings and collaborators of {@link Membership}. */
export interface MembershipDeps {
  readonly openSession: (ttlSeconds: number) => Promise<Session>;
  readonly store: ClusterStore;
  readonly member: MemberRecord;
  /** Lease TTL, s. */
  readonly ttlSeconds: number;
  /** Pause between attempts to (re)establish the session, ms. */
  readonly retryMs: number;
  readonly logger: Logger;
  readonly hooks: MembershipHooks;
}

/** Keeps this replica in the cluster until {@link stop}. */
export class Membership {
  private sessionValue: Session | undefined;
  private candidateValue: Candidate | undefined;
  private stopping = false;
  private stopSignal: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => {
    this.stopSignal = resolve;
  });
  private loopDone: Promise<void> = Promise.resolve();

  constructor(private readonly deps: MembershipDeps) {}

  /** The live session, while joined. */
  get session(): Session | undefined {
    return this.sessionValue;
  }

  /** Our election key, while joined. */
  get candidate(): Candidate | undefined {
    return this.candidateValue;
  }

  /** True once {@link stop} was called. */
  get isStopping(): boolean {
    return this.stopping;
  }

  /** Starts joining (and rejoining) the cluster. Returns at once. */
  start(): void {
    this.loopDone = this.loop();
  }

  /**
   * Replaces our election key after it had to be created again (see own-keys.ts), if `session` is
   * still the live one.
   */
  renewCandidate(session: Session, candidate: Candidate): void {
    if (this.sessionValue === session) this.candidateValue = candidate;
  }

  /**
   * Stops joining: from now on the loop neither opens, registers nor campaigns, and gives up any
   * wait. The session stays until {@link stop}, so that leadership can end before the lease goes.
   */
  beginStop(): void {
    this.stopping = true;
  }

  /** Leaves the cluster: the session's lease is revoked, so our keys vanish at once. Never throws. */
  async stop(): Promise<void> {
    this.beginStop();
    this.stopSignal();
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    const { logger, hooks } = this.deps;
    while (!this.stopping) {
      let session: Session | undefined;
      try {
        session = await this.deps.openSession(this.deps.ttlSeconds);
        if (this.stopping) break;
        this.sessionValue = session;
        const lost = new Promise<string>((resolve) => session?.once("lost", resolve));
        await this.register(session, lost);
        if (this.stopping) break;
        const candidate = await this.deps.store.campaign(session, this.deps.member.id);
        this.candidateValue = candidate;
        logger.info({ lease: session.leaseIdHex, candidate: candidate.key }, "joined the cluster");
        if (this.stopping) break;
        hooks.joined(session);
        const reason = await Promise.race([lost, this.stopped.then(() => "stopping")]);
        if (reason !== "stopping") logger.warn({ reason }, "etcd session lost; rejoining");
      } catch (error) {
        if (!this.stopping) logger.warn({ err: error }, "cannot reach etcd; retrying");
      } finally {
        await hooks.leaving(this.stopping);
        this.candidateValue = undefined;
        this.sessionValue = undefined;
        hooks.left();
        // On a graceful stop this revokes the lease; after a loss it is best effort.
        const closing = session?.close();
        if (this.stopping) await closing;
      }
      if (!this.stopping) await Promise.race([delay(this.deps.retryMs), this.stopped]);
    }
  }

  /** Registers the member key, waiting while our id is still held by an older lease. */
  private async register(session: Session, lost: Promise<string>): Promise<void> {
    const { store, member, logger } = this.deps;
    let warned = false;
    for (;;) {
      try {
        await store.registerMember(session, member);
        return;
      } catch (error) {
        if (!(error instanceof ReplicaIdTakenError)) throw error;
        if (!warned) logger.warn({ replica: member.id }, `${error.message}; waiting for it to expire`);
        warned = true;
      }
      const outcome = await Promise.race([
        delay(MEMBER_REGISTER_RETRY_MS).then(() => "retry"),
        lost,
        this.stopped.then(() => "stopping"),
      ]);
      if (outcome !== "retry" || this.stopping) throw new Error(`registration abandoned: ${outcome}`);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
