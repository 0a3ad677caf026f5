/**
 * The leader's term fence as the EC2 mutation code sees it (docs/DESIGN.md, safety rule 2): before
 * every attempt of every mutation, retries included, the guard must allow it, and no attempt may
 * outlive the guard's deadline (a retry after a backoff must not outlive the leader's lease).
 */

/** Decides whether a mutation may be made now. Throwing counts as "no". */
export interface MutationGuard {
  mayMutate(): Promise<boolean> | boolean;
  /**
   * How long (ms) mutations stay allowed from now, if bounded (the leader's lease deadline): an
   * attempt gets no longer than that, and none starts with too little time left.
   */
  remainingMs?(): number;
  /**
   * The same decision, synchronously and as late as possible: asked right before the request
   * leaves the process, after any await in between (absent: no last check).
   */
  mayMutateNow?(): boolean;
}
