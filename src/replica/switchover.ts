/**
 * A replica's part in a switchover: when the snapshot carries a request this replica must yield to
 * (decide/step-aside.ts), it ends its term if it leads, deletes its election key and campaigns
 * again at the back of the queue. Each request (by its mod revision) is acted on once.
 */
import type { Logger } from "pino";
import type { ClusterStore } from "../cluster/cluster-store.js";
import type { ClusterSnapshot } from "../cluster/snapshot.js";
import { mustStepAside } from "../decide/step-aside.js";
import type { LeaderTerms } from "./leader-terms.js";
import type { Membership } from "./membership.js";

/** What stepping aside works with. */
export interface SwitchoverContext {
  readonly membership: Membership;
  readonly terms: LeaderTerms;
  readonly store: ClusterStore;
  readonly replicaId: string;
  readonly logger: Logger;
}

/** Acts on switchover requests as snapshots show them. */
export class SwitchoverHandler {
  private handledRevision: string | undefined;

  constructor(private readonly context: SwitchoverContext) {}

  /**
   * Steps aside if `snapshot`'s request asks it of this replica and it was not handled yet.
   * @returns true when this replica stepped aside (its candidate changed: read the state again).
   * @throws the etcd error of the resignation or the new campaign (the next refresh does not retry
   *   the same request; the repair of own keys campaigns again if the key is missing).
   */
  async follow(snapshot: ClusterSnapshot): Promise<boolean> {
    const request = snapshot.switchover;
    if (!request || request.revision === this.handledRevision) return false;
    this.handledRevision = request.revision;
    const { membership, terms, store, replicaId, logger } = this.context;
    const { session, candidate } = membership;
    if (!session || !candidate || session.isLost || membership.isStopping) return false;
    if (!mustStepAside(request, snapshot.candidates, candidate.key)) return false;
    logger.info(
      { from: request.from, to: request.to ?? "next candidate", at: request.at },
      "switchover: stepping aside",
    );
    // A term ends first (no EC2 call in flight), then the key goes: the next candidate leads at once.
    if (terms.current) await terms.end("switchover requested", { resign: true });
    else await store.resign(candidate);
    if (membership.session !== session || session.isLost) return true;
    membership.renewCandidate(session, await store.campaign(session, replicaId));
    return true;
  }
}
