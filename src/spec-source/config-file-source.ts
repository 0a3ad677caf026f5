/**
 * The configfile mode (vpc-router's `-f/--file`): the route spec lives in a JSON file that operators
 * edit, or that Kubernetes projects from a ConfigMap.
 *
 * vpc-router only reacts to "modified" events of the file itself, so it misses the ways files are
 * really replaced: editors that write a temporary file and rename it over the original, and the
 * kubelet, which swaps a `..data` symlink to a new directory (the file is a symlink into it). This
 * watcher does not trust events: it re-reads the file on any event in its directory (fast path) and
 * every `pollIntervalMs` (covers symlink targets in other directories and lost events), and reports
 * a change only when the content (or the reason it cannot be read) differs from the last reading.
 * Reads never block (spec-file-read.ts); the content is remembered as its SHA-256, not as text.
 */
import { createHash } from "node:crypto";
import { type FSWatcher, statSync, watch } from "node:fs";
import { dirname, resolve } from "node:path";
import { CoalescedRun } from "../lib/coalesced-run.js";
import { parseSpec, type SpecOptions } from "../route-spec/parse.js";
import type { SpecParseResult } from "../route-spec/route-spec.js";
import { readSpecFile, readSpecFileSync, type SpecFileRead } from "./spec-file-read.js";
import type { SpecReading, SpecSource } from "./spec-source.js";

/**
 * Parses the text of a route spec file (vpc-router's JSON route spec). A leading UTF-8 byte order
 * mark, which some editors write, is ignored. Pure; never throws.
 * @returns the normalised spec, or every problem found (see `parseSpec`).
 */
export function parseSpecFile(text: string, options: SpecOptions): SpecParseResult {
  return parseSpec(text.startsWith("\uFEFF") ? text.slice(1) : text, options);
}

/**
 * The reading of a file that cannot be read (missing, a directory, no permission).
 * @param reason the error's message, e.g. `ENOENT: no such file or directory, open '/x'`.
 */
export function unreadableSpecFile(reason: string): SpecParseResult {
  return { ok: false, problems: [{ message: `cannot read the file: ${reason}` }] };
}

/** Options of {@link ConfigFileSource.open}. */
export interface ConfigFileSourceOptions {
  /** Path of the spec file; may be a symlink (followed on every read). */
  readonly path: string;
  readonly maxRoutes: number;
  /** Period of the content check that backs up the directory watch, ms (default 1000). */
  readonly pollIntervalMs?: number;
  /** Quiet time after a directory event before reading, ms (default 20): one read per burst of writes. */
  readonly settleMs?: number;
  /**
   * Told of an unexpected failure of a content check (a bug: the check handles the file's own
   * errors itself); the watch goes on. Default: `process.emitWarning`.
   */
  readonly onError?: (error: unknown) => void;
}

/** What a read found, as a comparable key and a reading. */
interface FileState {
  readonly key: string;
  readonly result: SpecParseResult;
}

/** A {@link SpecSource} that watches one route spec file. */
export class ConfigFileSource implements SpecSource {
  private latestReading: SpecReading;
  private lastKey: string;
  private readonly listeners = new Set<(reading: SpecReading) => void>();
  private readonly origin: string;
  private readonly directory: string;
  private readonly pollTimer: NodeJS.Timeout;
  private settleTimer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private watchedDirectoryInode: number | undefined;
  private readonly checker = new CoalescedRun(
    () => this.checkOnce(),
    () => !this.closed,
    (error) => (this.options.onError ?? warnCheckFailed)(error),
  );
  private closed = false;
  private checkCount = 0;

  private constructor(private readonly options: ConfigFileSourceOptions) {
    const path = resolve(options.path);
    this.origin = `route spec file ${path}`;
    this.directory = dirname(path);
    // The first reading is synchronous so the source always has one.
    const initial = this.stateOf(readSpecFileSync(options.path));
    this.lastKey = initial.key;
    this.latestReading = { origin: this.origin, result: initial.result };
    this.watchDirectory();
    this.pollTimer = setInterval(() => this.requestCheck(), options.pollIntervalMs ?? 1000);
    this.pollTimer.unref();
  }

  /**
   * Reads the file once and starts watching it. A file that cannot be read gives a reading with the
   * reason (the watcher keeps looking for it); this never throws for the file's sake.
   */
  static open(options: ConfigFileSourceOptions): ConfigFileSource {
    return new ConfigFileSource(options);
  }

  get latest(): SpecReading {
    return this.latestReading;
  }

  /** Completed content checks since opening (for tests and diagnostics). */
  get checks(): number {
    return this.checkCount;
  }

  onChange(listener: (reading: SpecReading) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.settleTimer);
    this.watcher?.close();
    this.watcher = undefined;
    this.listeners.clear();
    await this.checker.settled();
  }

  /** (Re)attaches the directory watch; a directory that cannot be watched leaves the poll alone. */
  private watchDirectory(): void {
    if (this.closed) return;
    try {
      const inode = statSync(this.directory).ino;
      if (this.watcher && inode === this.watchedDirectoryInode) return;
      this.watcher?.close();
      // Not persistent: the watch alone never keeps the process alive.
      const watcher = watch(this.directory, { persistent: false }, () => this.scheduleCheck());
      watcher.on("error", () => {
        watcher.close();
        if (this.watcher === watcher) this.watcher = undefined;
      });
      this.watcher = watcher;
      this.watchedDirectoryInode = inode;
    } catch {
      this.watcher?.close();
      this.watcher = undefined;
    }
  }

  /** Any event in the directory may concern our file (a rename onto it, a `..data` swap): read soon. */
  private scheduleCheck(): void {
    if (this.closed || this.settleTimer) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.requestCheck();
    }, this.options.settleMs ?? 20);
    this.settleTimer.unref();
  }

  /** Coalesces checks: at most one read in flight and one queued. */
  private requestCheck(): void {
    this.checker.request();
  }

  private async checkOnce(): Promise<void> {
    // The directory may have been replaced (a volume remounted) or the watch lost: watch again.
    this.watchDirectory();
    const state = this.stateOf(await readSpecFile(this.options.path));
    this.checkCount++;
    if (this.closed || state.key === this.lastKey) return;
    this.lastKey = state.key;
    this.latestReading = { origin: this.origin, result: state.result };
    for (const listener of this.listeners) {
      try {
        listener(this.latestReading);
      } catch {
        // A failing listener must not stop the watch (listeners log their own errors).
      }
    }
  }

  /** A reading as a comparable key and a parse result. */
  private stateOf(read: SpecFileRead): FileState {
    if (read.kind === "refused") return { key: read.key, result: unreadableSpecFile(read.reason) };
    if (read.kind === "error") {
      // Keyed by the error code, so a file that stays missing is one event, not one per check.
      const code = (read.error as NodeJS.ErrnoException).code ?? "";
      const message = read.error instanceof Error ? read.error.message : String(read.error);
      return { key: `error:${code || message}`, result: unreadableSpecFile(message) };
    }
    const key = `sha256:${createHash("sha256").update(read.bytes).digest("hex")}`;
    // The same content as last time: the poll's common case, no need to parse it again.
    if (key === this.lastKey) return { key, result: this.latestReading.result };
    return { key, result: parseSpecFile(read.bytes.toString("utf8"), { maxRoutes: this.options.maxRoutes }) };
  }
}

/** Default `onError`: a process warning (the source has no logger of its own). */
function warnCheckFailed(error: unknown): void {
  process.emitWarning(
    `route spec file check failed: ${error instanceof Error ? error.message : String(error)}`,
    "ConfigFileSourceWarning",
  );
}
