/**
 * A replica's terms of leadership: a {@link Leadership} and the leader duties start when its
 * election key leads, are fed every newer view while it does, and end when it no longer does.
 */
import { trace } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { ClusterStore } from "../cluster/cluster-store.js";
import type { Session } from "../cluster/session.js";
import type { Candidate } from "../cluster/snapshot.js";
import type { VpcPort } from "../domain/vpc-port.js";
import type { LeaderDuty } from "../leader/leader-duty.js";
import { Leadership, type LeadershipEvents, type LeadershipOptions } from "../leader/leadership.js";
import type { LeaderInputs, ReconcileReport } from "../leader/reconcile-pass.js";

/** Collaborators of {@link LeaderTerms}. */
export interface LeaderTermsDeps {
  readonly store: ClusterStore;
  readonly vpc: VpcPort;
  readonly options: LeadershipOptions;
  readonly logger: Logger;
  /** Observers of every reconcile pass (metrics). */
  readonly events?: LeadershipEvents;
  /** Told when a term starts or ends, or the current term reports a pass (the replica emits a state). */
  readonly onChange: (lastReconcile?: ReconcileReport) => void;
}

/** The term this replica may lead: its election key on its live session. */
export interface Claim {
  readonly candidate: Candidate;
  readonly session: Session;
}

/** Starts, feeds and ends the terms of one replica; at most one term at a time. */
export class LeaderTerms {
  private leadership: Leadership | undefined;
  private ending: Promise<void> | undefined;
  private readonly duties: LeaderDuty[] = [];

  constructor(private readonly deps: LeaderTermsDeps) {}

  /** The current term, while this replica leads. */
  get current(): Leadership | undefined {
    return this.leadership;
  }

  /** Adds work to run beside the reconcile passes during each term. */
  addDuty(duty: LeaderDuty): void {
    this.duties.push(duty);
  }

  /**
   * Follows one read of the cluster: starts a term when `claim` leads and none runs, ends the
   * current one when it no longer leads, and otherwise feeds it `inputs`.
   * @param claim this replica's election key and session when they lead the snapshot just read
   * @param leaderName who leads according to that snapshot, for the log when a term ends
   */
  async follow(claim: Claim | undefined, inputs: LeaderInputs, leaderName: string): Promise<void> {
    if (claim && !this.leadership) this.startTerm(claim, inputs);
    else if (!claim && this.leadership) await this.end(`${leaderName} leads now`);
    else this.leadership?.update(inputs);
  }

  /**
   * Ends the current term; resolves once no EC2 call of it is in flight (also when another caller
   * began ending it). With `resign` (a graceful stop) the election key is deleted afterwards, so the
   * next candidate leads at once.
   */
  async end(reason: string, options: { readonly resign?: boolean } = {}): Promise<void> {
    const leadership = this.leadership;
    if (!leadership) {
      await this.ending;
      return;
    }
    this.leadership = undefined;
    this.deps.logger.warn({ term: leadership.term, reason }, "leadership ended");
    electionEvent("leadership.ended", {
      "vpcrouter.term": leadership.term,
      "vpcrouter.reason": reason,
      "vpcrouter.resign": options.resign === true,
    });
    for (const duty of this.duties) duty.endTerm();
    this.deps.onChange();
    const ending = (async () => {
      await leadership.stop();
      if (options.resign) await this.deps.store.resign(leadership.candidate).catch(() => undefined);
    })();
    this.ending = ending;
    try {
      await ending;
    } finally {
      if (this.ending === ending) this.ending = undefined;
    }
  }

  private startTerm({ candidate, session }: Claim, inputs: LeaderInputs): void {
    const { deps } = this;
    const leadership: Leadership = new Leadership(
      candidate,
      session,
      deps.store,
      deps.vpc,
      deps.options,
      deps.logger.child({ term: candidate.createRevision }),
      inputs,
      {
        onReconciled: (report) => {
          deps.events?.onReconciled?.(report);
          if (this.leadership === leadership) deps.onChange(report);
        },
      },
    );
    this.leadership = leadership;
    deps.logger.info({ term: candidate.createRevision }, "became leader");
    electionEvent("leadership.elected", {
      "vpcrouter.term": candidate.createRevision,
      "vpcrouter.replica": candidate.replicaId,
    });
    leadership.start();
    for (const duty of this.duties) duty.startTerm(leadership.fence);
  }
}

/** An election event as a span of its own (elected, ended), so a trace backend shows the terms. */
function electionEvent(name: string, attributes: Record<string, string | boolean>): void {
  trace.getTracer("vpcrouter").startSpan(name, { attributes }).end();
}
