/**
 * Publishes a spec source into `<prefix>/spec` (configfile and fixedconf modes).
 *
 * Every replica keeps reading its spec from etcd, so all replicas probe the same routers and votes
 * keep referring to the spec key's revision. Only the leader writes its source's spec, fenced by its
 * term, and only when it differs from the spec in force (parsed specs compared, so an unchanged or
 * reformatted file causes no write and no new revision). Followers never write; they warn when their
 * own source disagrees with the spec in force (e.g. while a ConfigMap rollout is half done).
 */
import type { Logger } from "pino";
import type { ClusterStore } from "../cluster/cluster-store.js";
import type { Candidate } from "../cluster/snapshot.js";
import type { SpecDecision } from "../decide/spec-in-force.js";
import type { LeaderDuty, LeaderTerm } from "../leader/leader-duty.js";
import { CoalescedRun } from "../lib/coalesced-run.js";
import type { ReplicaState } from "../replica/replica-state.js";
import { formatSpecProblems } from "../route-spec/parse.js";
import type { RouteSpec } from "../route-spec/route-spec.js";
import { sameRouteSpec } from "./same-spec.js";
import type { SpecReading, SpecSource } from "./spec-source.js";

/** The etcd write the publisher needs (implemented by ClusterStore). */
export type PublisherStore = Pick<ClusterStore, "putSpecIfLeader">;

/** What the publisher reads of the replica's states. */
export type PublisherState = Pick<ReplicaState, "role" | "spec">;

/** The replica as the publisher needs it (implemented by Replica). */
export interface PublisherReplica {
  /** The state last emitted. */
  readonly state: PublisherState;
  onState(listener: (state: PublisherState) => void): () => void;
}

/**
 * Keeps `<prefix>/spec` equal to a source's valid spec while this replica leads: a leader duty
 * (started and ended with each term by the replica) that also follows the replica's states.
 */
export class SpecPublisher implements LeaderDuty {
  private readonly unsubscribe: (() => void)[] = [];
  private readingSeq = 0;
  private readonly evaluations = new CoalescedRun(
    () => this.evaluate(),
    () => !this.closed,
    (error) => this.logger.error({ err: error }, "evaluating the spec to publish failed"),
  );
  private closed = false;
  /** The revision of our last write, until the replica's snapshot has caught up with it. */
  private pending: { readonly term: string; readonly revision: bigint } | undefined;
  private lastWarning: string | undefined;
  private lastFailure: string | undefined;
  /** The term while this replica leads. */
  private term: LeaderTerm | undefined;
  /** The replica's last state. */
  private state: PublisherState | undefined;

  constructor(
    private readonly source: SpecSource,
    private readonly store: PublisherStore,
    private readonly logger: Logger,
  ) {}

  /** Logs the source's first reading, subscribes to the source and the replica's states, and evaluates once. */
  start(replica: PublisherReplica): void {
    this.state = replica.state;
    this.logReading(this.source.latest);
    this.unsubscribe.push(
      this.source.onChange((reading) => {
        this.readingSeq++;
        this.logReading(reading);
        this.request();
      }),
      replica.onState((state) => {
        this.state = state;
        this.request();
      }),
    );
    this.request();
  }

  /**
   * The replica leads from now on. Nothing is evaluated here: the replica's state of this very
   * refresh (its spec decision may have just changed) follows at once and triggers the evaluation.
   */
  startTerm(term: LeaderTerm): void {
    this.term = term;
  }

  /** {@inheritDoc LeaderDuty.endTerm} */
  endTerm(): void {
    this.term = undefined;
  }

  /** Stops reacting; waits for a write in flight. Idempotent; does not close the source. */
  async close(): Promise<void> {
    this.closed = true;
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    await this.evaluations.settled();
  }

  private logReading(reading: SpecReading): void {
    const { result, origin } = reading;
    if (reading.pending === true) return;
    if (result.ok) {
      this.logger.info(
        { origin, routes: Object.keys(result.spec).length },
        `read the route spec from ${origin}`,
      );
    } else {
      this.logger.error(
        { origin },
        `route spec from ${origin} ignored, the last good spec stays: ${formatSpecProblems(result.problems)}`,
      );
    }
  }

  /** Coalesces evaluations: at most one in flight and one queued. */
  private request(): void {
    this.evaluations.request();
  }

  private async evaluate(): Promise<void> {
    const { result, origin } = this.source.latest;
    if (!result.ok) return;
    const decision: SpecDecision = this.state?.spec ?? {};
    const agrees =
      decision.error === undefined &&
      decision.inForce !== undefined &&
      sameRouteSpec(decision.inForce.spec, result.spec);
    const term = this.term;
    if (term && !term.isEnded) {
      if (agrees || this.awaitingOwnWrite(decision, term.candidate)) return;
      await this.publish(result.spec, origin, term.candidate);
    } else if (this.state?.role === "follower" && !agrees && decision.inForce) {
      const key = `${this.readingSeq}@${decision.inForce.revision}`;
      if (key === this.lastWarning) return;
      this.lastWarning = key;
      this.logger.warn(
        { origin, inForceRevision: decision.inForce.revision },
        `the route spec from ${origin} differs from the spec in force; only the leader publishes its spec`,
      );
    }
  }

  /** True while the replica has not yet read back the spec we wrote in this term. */
  private awaitingOwnWrite(decision: SpecDecision, candidate: Candidate): boolean {
    const pending = this.pending;
    if (!pending || pending.term !== candidate.createRevision) return false;
    const seen = [decision.inForce?.revision, decision.error?.revision].reduce<bigint>(
      (max, revision) => (revision !== undefined && BigInt(revision) > max ? BigInt(revision) : max),
      0n,
    );
    if (seen >= pending.revision) {
      this.pending = undefined;
      return false;
    }
    return true;
  }

  private async publish(spec: RouteSpec, origin: string, candidate: Candidate): Promise<void> {
    const term = candidate.createRevision;
    try {
      const revision = await this.store.putSpecIfLeader(candidate, JSON.stringify(spec));
      this.lastFailure = undefined;
      if (revision === undefined) {
        this.logger.warn({ term }, "term ended before the route spec could be published; not written");
        return;
      }
      this.pending = { term, revision: BigInt(revision) };
      this.logger.info(
        { origin, revision, term, routes: Object.keys(spec).length },
        `published the route spec from ${origin}`,
      );
    } catch (error) {
      // Retried on the replica's next state change (at the latest its periodic resync).
      const message = (error as Error).message;
      if (message !== this.lastFailure)
        this.logger.warn({ err: error, origin }, "cannot publish the route spec; retrying");
      this.lastFailure = message;
    }
  }
}
