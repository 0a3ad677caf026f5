/**
 * A watch over the cluster prefix that only says "something changed": the replica re-reads the
 * whole state, so a lost event costs latency, never correctness.
 */
import { EventEmitter } from "node:events";
import type { Etcd3, Watcher } from "etcd3";

/** How long to wait for etcd3's `WatchBuilder.create()`, which never settles while etcd is down. */
const WATCH_CREATE_TIMEOUT_MS = 3000;

/**
 * Tells when something under the cluster prefix changed. It carries no data on purpose: the
 * replica re-reads the whole state (level-triggered, docs/DESIGN.md, safety rule 3), so a lost or late event
 * costs latency, never correctness. A periodic re-read covers watches that die silently
 * (etcd3 issues 31, 72).
 *
 * Events: `change` (nothing), `watching` (boolean: whether a watch is established).
 */
export class ChangeFeed extends EventEmitter {
  private watcher: Watcher | undefined;
  /**
   * The one watch being created. While etcd is down etcd3 keeps a created watcher attached until
   * the stream comes back, so a timed-out creation is waited for again, never repeated: repeating
   * it piled up hundreds of watchers an hour, all reconnecting at once on recovery.
   */
  private creating: Promise<Watcher> | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  /**
   * @param retryDelayMs pause before trying again to establish the watch, ms
   * @param createTimeoutMs how long one wait for the watch's creation lasts before the feed says it
   *   is not watching (and waits again), ms
   */
  constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    private readonly retryDelayMs = 1000,
    private readonly createTimeoutMs = WATCH_CREATE_TIMEOUT_MS,
  ) {
    super();
  }

  /** Starts watching; re-establishes the watch after any error. Never throws. */
  start(): void {
    this.stopped = false;
    void this.connect();
  }

  /** Cancels the watch. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const watcher = this.watcher;
    this.watcher = undefined;
    // cancel() waits for the stream's end, which a silently dead stream never sends.
    if (watcher) await withTimeout(watcher.cancel(), 2000, "watch cancel timed out").catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.watcher) return;
    const creating = this.creating ?? this.startCreating();
    let watcher: Watcher;
    try {
      watcher = await withTimeout(creating, this.createTimeoutMs, "watch create timed out");
    } catch {
      this.emit("watching", false);
      this.scheduleRetry();
      return;
    }
    if (this.stopped || this.watcher || this.creating !== creating) return;
    this.creating = undefined;
    this.watcher = watcher;
    watcher.on("data", () => this.emit("change"));
    // A watcher error is fatal for that watcher (e.g. compacted revision): drop it and start over.
    watcher.on("error", () => this.reconnect(watcher));
    watcher.on("disconnected", () => this.emit("watching", false));
    watcher.on("connected", () => {
      this.emit("watching", true);
      this.emit("change");
    });
    this.emit("watching", true);
    // Whatever happened between the last read and now is covered by one fresh read.
    this.emit("change");
  }

  /** Creates the watch once; a creation that fails is forgotten (the next attempt creates anew). */
  private startCreating(): Promise<Watcher> {
    const creating = this.client.watch().prefix(this.prefix).create();
    this.creating = creating;
    creating.then(
      (watcher) => {
        // Created after the feed stopped: nobody listens to it.
        if (this.stopped) void watcher.cancel().catch(() => undefined);
      },
      () => {
        if (this.creating === creating) this.creating = undefined;
      },
    );
    return creating;
  }

  private reconnect(watcher: Watcher): void {
    if (this.watcher !== watcher) return;
    this.watcher = undefined;
    this.emit("watching", false);
    void watcher.cancel().catch(() => undefined);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.retryDelayMs);
    this.retryTimer.unref();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
