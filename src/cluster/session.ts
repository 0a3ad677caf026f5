/**
 * A replica's etcd session: one lease, kept alive, and the local bound on its expiry that the
 * leader's term fence relies on.
 */
import { EventEmitter } from "node:events";
import type { Etcd3, Lease } from "etcd3";
import { LEASE_EXPIRY_CHECK_MS } from "../timings.js";

/** The two clocks a session reads, ms. */
export interface SessionClocks {
  /** Monotonic (default `performance.now`): unaffected by wall-clock steps, but stopped by a host suspend. */
  readonly monotonic: () => number;
  /** Wall clock (default `Date.now`): runs through a suspend, but may step. */
  readonly wall: () => number;
}

const SYSTEM_CLOCKS: SessionClocks = { monotonic: () => performance.now(), wall: () => Date.now() };

/** When a keep-alive request (or the grant) was sent, on both clocks. */
interface SentAt {
  readonly monotonic: number;
  readonly wall: number;
}

/**
 * A replica's etcd session: one lease that carries its member key, its votes and its election key
 * (like etcd's `concurrency.Session`), kept alive by the client.
 *
 * etcd3 reports the loss of a lease only after 2 × TTL without a keep-alive (LIBRARY-NOTES), while
 * the server expires it after 1 × TTL. So the session keeps its own bound: a lease whose keep-alive
 * request was sent at time t and acknowledged cannot expire on the server before t + TTL.
 *
 * - Keep-alive replies are matched to the oldest pending request (they travel in order on one
 *   stream; matching to the oldest is conservative). The queue is not emptied when a keep-alive
 *   fails, since a late reply on the half-closed old stream would then be taken for the new
 *   stream's request; entries older than the TTL are dropped instead (their bound has passed).
 * - {@link remainingMs}, which the leader's fence uses, counts the larger of the monotonic and the
 *   wall-clock time elapsed since the acknowledged request was sent: a host suspend stops the
 *   monotonic clock, while the server's lease runs on.
 * - The session calls itself lost once the TTL has passed on the monotonic clock (a wall-clock
 *   step alone never ends a session; it only pauses the leader's writes until the next reply).
 *
 * Events: `lost` (reason: string), emitted once.
 */
export class Session extends EventEmitter {
  /** Lease id as a decimal string (etcd3's form). */
  readonly leaseId: string;
  /** The send time of the latest acknowledged keep-alive (at first: of the grant). */
  private acknowledged: SentAt;
  private readonly pendingKeepalives: SentAt[] = [];
  private lostReason: string | undefined;
  private readonly expiryTimer: NodeJS.Timeout;
  private readonly ttlMs: number;

  private constructor(
    private readonly lease: Lease,
    leaseId: string,
    ttlSeconds: number,
    grantSentAt: SentAt,
    private readonly clocks: SessionClocks,
  ) {
    super();
    this.leaseId = leaseId;
    this.ttlMs = ttlSeconds * 1000;
    this.acknowledged = grantSentAt;
    lease.on("keepaliveFired", () => {
      this.dropStaleRequests();
      this.pendingKeepalives.push(this.sentNow());
    });
    lease.on("keepaliveSucceeded", () => {
      this.dropStaleRequests();
      const sentAt = this.pendingKeepalives.shift();
      if (sentAt !== undefined && sentAt.monotonic > this.acknowledged.monotonic) this.acknowledged = sentAt;
    });
    lease.on("lost", (error: Error) => this.markLost(`lease lost: ${error.message}`));
    this.expiryTimer = setInterval(() => {
      if (this.clocks.monotonic() - this.acknowledged.monotonic > this.ttlMs)
        this.markLost("no keep-alive acknowledged within the lease TTL");
    }, LEASE_EXPIRY_CHECK_MS);
    this.expiryTimer.unref();
  }

  /**
   * Grants a lease of `ttlSeconds` (etcd floors TTLs at about 2 s) and starts keeping it alive.
   * @param clocks monotonic and wall clocks, ms (default `performance.now` and `Date.now`)
   * @throws the etcd error when the grant fails (e.g. etcd unreachable within the call deadline).
   */
  static async open(
    client: Etcd3,
    ttlSeconds: number,
    clocks: SessionClocks = SYSTEM_CLOCKS,
  ): Promise<Session> {
    const lease = client.lease(ttlSeconds, { autoKeepAlive: true });
    const grantSentAt = { monotonic: clocks.monotonic(), wall: clocks.wall() };
    // etcd3 emits `lost` on a failed grant too; an unhandled `error`-less emitter is fine here.
    lease.on("lost", () => undefined);
    try {
      const leaseId = await lease.grant();
      return new Session(lease, leaseId, ttlSeconds, grantSentAt, clocks);
    } catch (error) {
      lease.removeAllListeners();
      await lease.revoke().catch(() => undefined);
      throw error;
    }
  }

  /** The lease id in hex, as etcd's tools print it and as election keys are named. */
  get leaseIdHex(): string {
    return BigInt(this.leaseId).toString(16);
  }

  /**
   * How long (ms) the server certainly keeps this lease from now: the TTL minus the larger of the
   * monotonic and wall-clock time elapsed since the latest acknowledged keep-alive was sent.
   * Negative once that bound has passed.
   */
  remainingMs(): number {
    const elapsed = Math.max(
      this.clocks.monotonic() - this.acknowledged.monotonic,
      this.clocks.wall() - this.acknowledged.wall,
    );
    return this.ttlMs - elapsed;
  }

  /** True once the session is known or presumed lost. */
  get isLost(): boolean {
    return this.lostReason !== undefined;
  }

  /**
   * Revokes the lease: every key bound to it (member, votes, election key) disappears at once, so
   * another replica can lead without waiting for the TTL. Never throws.
   */
  async close(): Promise<void> {
    clearInterval(this.expiryTimer);
    this.lostReason ??= "closed";
    await this.lease.revoke().catch(() => undefined);
    this.lease.removeAllListeners();
  }

  private sentNow(): SentAt {
    return { monotonic: this.clocks.monotonic(), wall: this.clocks.wall() };
  }

  /** Requests older than the TTL: their bound has passed, whatever reply comes for them. */
  private dropStaleRequests(): void {
    const oldest = this.clocks.monotonic() - this.ttlMs;
    while ((this.pendingKeepalives[0]?.monotonic ?? Number.POSITIVE_INFINITY) < oldest)
      this.pendingKeepalives.shift();
  }

  private markLost(reason: string): void {
    if (this.lostReason !== undefined) return;
    this.lostReason = reason;
    clearInterval(this.expiryTimer);
    this.emit("lost", reason);
  }
}
