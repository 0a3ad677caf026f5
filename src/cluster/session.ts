/**
 * A replica's etcd session: one lease, kept alive, and the local bound on its expiry that the
 * leader's term fence relies on.
 */
import { EventEmitter } from "node:events";
import type { Etcd3, Lease } from "etcd3";
import { LEASE_EXPIRY_CHECK_MS } from "../timings.js";

/** Where a session reports what happens to its keep-alives (debug level: they are frequent). */
export type SessionTrace = (event: string, fields?: Readonly<Record<string, unknown>>) => void;

const NO_TRACE: SessionTrace = () => undefined;

/** The two clocks a session reads, ms. */
export interface SessionClocks {
  /** Monotonic (default `performance.now`): unaffected by wall-clock steps, but stopped by a host suspend. */
  readonly monotonic: () => number;
  /** Wall clock (default `Date.now`): runs through a suspend, but may step. */
  readonly wall: () => number;
}

/** A keep-alive unanswered for this long is stalled (etcd answers in ms when it has a leader), ms. */
const STALL_MS = 300;

/** One-off keep-alives in flight at most (each on a member picked anew). */
const MAX_PROBES = 3;

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
 * - Losing one etcd member must never cost the lease. etcd3 reopens a failed keep-alive stream on a
 *   random member (maybe the dead one again) and waits a whole TTL before it gives up on a stream
 *   that stops answering (its member restarting, or waiting for a new etcd leader). So when the
 *   stream fails, or a keep-alive waits longer than {@link STALL_MS}, the session sends one-off
 *   keep-alives on streams of their own (etcd3's `keepaliveOnce`, each on a member picked anew),
 *   up to {@link MAX_PROBES} at a time, {@link STALL_MS} apart, each waiting as long as the lease
 *   lasts: the first reply, as soon as the cluster answers again, extends the bound.
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
  /** One-off keep-alives in flight (see the class doc), and when the last one was sent (monotonic ms). */
  private probes = 0;
  private lastProbeAt = Number.NEGATIVE_INFINITY;
  /** True from a failed stream until a keep-alive is answered again. */
  private streamFailed = false;

  private constructor(
    private readonly lease: Lease,
    leaseId: string,
    ttlSeconds: number,
    grantSentAt: SentAt,
    private readonly clocks: SessionClocks,
    private readonly trace: SessionTrace,
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
      this.streamFailed = false;
    });
    // etcd3 types the argument as a response; it is the stream's error (lib/lease.js handleKeepaliveError).
    lease.on("keepaliveFailed", (error) => {
      trace("keep-alive stream failed", { error: String(error) });
      this.streamFailed = true;
      this.probe();
    });
    lease.on("keepaliveEstablished", () => trace("keep-alive stream established"));
    lease.on("lost", (error: Error) => this.markLost(`lease lost: ${error.message}`));
    this.expiryTimer = setInterval(() => {
      if (this.clocks.monotonic() - this.acknowledged.monotonic > this.ttlMs)
        this.markLost("no keep-alive acknowledged within the lease TTL");
      else if (this.streamFailed || this.keepaliveStalled()) this.probe();
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
    trace: SessionTrace = NO_TRACE,
  ): Promise<Session> {
    const lease = client.lease(ttlSeconds, { autoKeepAlive: true });
    const grantSentAt = { monotonic: clocks.monotonic(), wall: clocks.wall() };
    // etcd3 emits `lost` on a failed grant too; an unhandled `error`-less emitter is fine here.
    lease.on("lost", () => undefined);
    try {
      const leaseId = await lease.grant();
      return new Session(lease, leaseId, ttlSeconds, grantSentAt, clocks, trace);
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

  /** True while the oldest keep-alive has waited for its reply longer than {@link STALL_MS}. */
  private keepaliveStalled(): boolean {
    const oldest = this.pendingKeepalives[0];
    return oldest !== undefined && this.clocks.monotonic() - oldest.monotonic > STALL_MS;
  }

  /**
   * One keep-alive on a stream of its own, waiting as long as the lease lasts; its reply extends
   * the bound as any does. At most {@link MAX_PROBES} in flight, {@link STALL_MS} apart.
   */
  private probe(): void {
    const now = this.clocks.monotonic();
    if (this.lostReason !== undefined || this.probes >= MAX_PROBES || now - this.lastProbeAt < STALL_MS)
      return;
    this.probes += 1;
    this.lastProbeAt = now;
    const sentAt = this.sentNow();
    const waitMs = Math.max(STALL_MS, this.remainingMs());
    this.trace("keep-alive probe on a stream of its own", { remainingMs: this.remainingMs() });
    this.lease
      .keepaliveOnce({ deadline: Date.now() + waitMs })
      .then(() => {
        if (sentAt.monotonic > this.acknowledged.monotonic) this.acknowledged = sentAt;
        this.streamFailed = false;
        this.trace("keep-alive probe answered");
      })
      .catch((error: unknown) => this.trace("keep-alive probe failed", { error: String(error) }))
      .finally(() => {
        this.probes -= 1;
      });
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
