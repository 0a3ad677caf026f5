/**
 * Work a replica does beside the reconcile passes for as long as it leads (e.g. publishing a spec
 * file into etcd): started with each term and stopped when the term ends, owning its own state.
 */
import type { TermFence } from "./term-fence.js";

/** What a duty sees of the term: its election key, and whether it is over. */
export type LeaderTerm = Pick<TermFence, "candidate" | "term" | "isEnded">;

/** A duty the replica runs during each term of its leadership. */
export interface LeaderDuty {
  /**
   * The replica leads from now on, with `term`. Called while the replica follows a new snapshot; its
   * new state is emitted right after. Must not throw.
   */
  startTerm(term: LeaderTerm): void;
  /** The term is over (demoted, session lost or shutting down); called before the lease is revoked. */
  endTerm(): void;
}
