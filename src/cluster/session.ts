/**
 * A replica's etcd session: one lease, kept alive, and the local bound on its expiry that the
 * leader's term fence relies on.
 */
import { EventEmitter } from "node:events";
import type { Etcd3, Lease } from "etcd3";
import { LEASE_EXPIRY_CHECK_MS } from "../timings.js";

/**
 * A replica's etcd session: one lease that carries its member key, its votes and its election key
 * (like etcd's `concurrency.Session`), kept alive by the client.
 *
 * etcd3 reports the loss of a lease only after 2 × TTL without a keep-alive (LIBRARY-NOTES), while
 * the server expires it after 1 × TTL. So the session keeps its own bound: a lease whose keep-alive
 * request was sent at time t and acknowledged cannot expire on the server before t + TTL. The
 * session calls itself lost as soon as that bound passes, and the leader stops writing to EC2 a
 * safety margin before it.
 *
 * Events: `lost` (reason: string), emitted once.
 */
export class Session extends EventEmitter {
  /** Lease id as a decimal string (etcd3's form). */
  readonly leaseId: string;
  private validUntilMs: number;
  private readonly pendingKeepalives: number[] = [];
  private lostReason: string | undefined;
  private readonly expiryTimer: NodeJS.Timeout;

  private constructor(
    private readonly lease: Lease,
    leaseId: string,
    private readonly ttlSeconds: number,
    grantSentAt: number,
    private readonly now: () => number,
  ) {
    super();
    this.leaseId = leaseId;
    this.validUntilMs = grantSentAt + ttlSeconds * 1000;
    lease.on("keepaliveFired", () => this.pendingKeepalives.push(this.now()));
    lease.on("keepaliveSucceeded", () => {
      // Keep-alives travel on one stream in order: this ack answers the oldest request.
      const sentAt = this.pendingKeepalives.shift();
      if (sentAt !== undefined)
        this.validUntilMs = Math.max(this.validUntilMs, sentAt + this.ttlSeconds * 1000);
    });
    lease.on("keepaliveFailed", () => {
      this.pendingKeepalives.length = 0;
    });
    lease.on("lost", (error: Error) => this.markLost(`lease lost: ${error.message}`));
    this.expiryTimer = setInterval(() => {
      if (this.now() > this.validUntilMs) this.markLost("no keep-alive acknowledged within the lease TTL");
    }, LEASE_EXPIRY_CHECK_MS);
    this.expiryTimer.unref();
  }

  /**
   * Grants a lease of `ttlSeconds` (etcd floors TTLs at about 2 s) and starts keeping it alive.
   * @param now monotonic clock, ms (default `performance.now`)
   * @throws the etcd error when the grant fails (e.g. etcd unreachable within the call deadline).
   */
  static async open(
    client: Etcd3,
    ttlSeconds: number,
    now: () => number = () => performance.now(),
  ): Promise<Session> {
    const lease = client.lease(ttlSeconds, { autoKeepAlive: true });
    const grantSentAt = now();
    // etcd3 emits `lost` on a failed grant too; an unhandled `error`-less emitter is fine here.
    lease.on("lost", () => undefined);
    try {
      const leaseId = await lease.grant();
      return new Session(lease, leaseId, ttlSeconds, grantSentAt, now);
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
   * Monotonic time (`performance.now()` ms, unaffected by wall-clock steps) before which the
   * server cannot have expired this lease.
   */
  validUntil(): number {
    return this.validUntilMs;
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

  private markLost(reason: string): void {
    if (this.lostReason !== undefined) return;
    this.lostReason = reason;
    clearInterval(this.expiryTimer);
    this.emit("lost", reason);
  }
}
