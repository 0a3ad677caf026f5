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
 *
 * Every read opens the file without blocking (`O_NONBLOCK`: a FIFO put at the path must not hang
 * the process, as a plain open or read would until a writer comes), checks on the open descriptor
 * that it is a regular file of at most {@link MAX_SPEC_FILE_BYTES}, and only then reads it. The
 * content is remembered as its SHA-256, not as text.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  type FSWatcher,
  fstatSync,
  openSync,
  readSync,
  type Stats,
  statSync,
  watch,
} from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { CoalescedRun } from "../lib/coalesced-run.js";
import { parseSpec, type SpecOptions } from "../route-spec/parse.js";
import type { SpecParseResult } from "../route-spec/route-spec.js";
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

/**
 * The largest spec file read, bytes: 1 MiB, the same as the body limit of `POST /route_spec`
 * (Fastify's default `bodyLimit`). A larger file is reported as a problem and not read.
 */
export const MAX_SPEC_FILE_BYTES = 1_048_576;

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
    const initial = this.readNow();
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
    const state = await this.read();
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

  /** The first reading, synchronous (see the constructor); never blocks on a FIFO. */
  private readNow(): FileState {
    let fd: number | undefined;
    try {
      fd = openSync(this.options.path, NON_BLOCKING_READ);
      const refusal = refusalOf(fstatSync(fd), this.options.path);
      if (refusal) return refusal;
      const chunks: Buffer[] = [];
      let total = 0;
      // Up to one byte past the limit, in case the file grew since fstat.
      while (total <= MAX_SPEC_FILE_BYTES) {
        const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
        const count = readSync(fd, chunk, 0, READ_CHUNK_BYTES, null);
        if (count === 0) break;
        chunks.push(chunk.subarray(0, count));
        total += count;
      }
      return this.stateOf(Buffer.concat(chunks, total));
    } catch (error) {
      return this.failureOf(error);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  private async read(): Promise<FileState> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.options.path, NON_BLOCKING_READ);
      const refusal = refusalOf(await handle.stat(), this.options.path);
      if (refusal) return refusal;
      const chunks: Buffer[] = [];
      let total = 0;
      while (total <= MAX_SPEC_FILE_BYTES) {
        const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
        const { bytesRead } = await handle.read(chunk, 0, READ_CHUNK_BYTES, null);
        if (bytesRead === 0) break;
        chunks.push(chunk.subarray(0, bytesRead));
        total += bytesRead;
      }
      return this.stateOf(Buffer.concat(chunks, total));
    } catch (error) {
      return this.failureOf(error);
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  /** The file grew past the limit after it was checked: refused like a file that was too large. */
  private stateOf(bytes: Buffer): FileState {
    if (bytes.length > MAX_SPEC_FILE_BYTES) return tooLarge(this.options.path, bytes.length, "at least ");
    const key = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    // The same content as last time: the poll's common case, no need to parse it again.
    if (key === this.lastKey) return { key, result: this.latestReading.result };
    return { key, result: parseSpecFile(bytes.toString("utf8"), { maxRoutes: this.options.maxRoutes }) };
  }

  /** Keyed by the error code, so a file that stays missing is one event, not one per check. */
  private failureOf(error: unknown): FileState {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const message = error instanceof Error ? error.message : String(error);
    return { key: `error:${code || message}`, result: unreadableSpecFile(message) };
  }
}

/** Read size, bytes: a typical spec file is read in one call. */
const READ_CHUNK_BYTES = 65_536;

/** Opens for reading without waiting for a FIFO's writer (open(2) `O_NONBLOCK`; no effect on regular files). */
const NON_BLOCKING_READ = constants.O_RDONLY | constants.O_NONBLOCK;

/** Why a file is not read at all: not a regular file, or larger than the limit; undefined to read it. */
function refusalOf(stats: Stats, path: string): FileState | undefined {
  if (!stats.isFile()) {
    const kind = kindOf(stats);
    return {
      key: `refused:${kind}`,
      result: unreadableSpecFile(`'${path}' is ${kind}, not a regular file`),
    };
  }
  return stats.size > MAX_SPEC_FILE_BYTES ? tooLarge(path, stats.size, "") : undefined;
}

/** One key for every size over the limit: a big file that keeps growing is one event, not many. */
function tooLarge(path: string, size: number, qualifier: string): FileState {
  return {
    key: "refused:too-large",
    result: unreadableSpecFile(
      `'${path}' is ${qualifier}${size} bytes, more than the limit of ${MAX_SPEC_FILE_BYTES} bytes (1 MiB)`,
    ),
  };
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  return "an unknown kind of file";
}

/** Default `onError`: a process warning (the source has no logger of its own). */
function warnCheckFailed(error: unknown): void {
  process.emitWarning(
    `route spec file check failed: ${error instanceof Error ? error.message : String(error)}`,
    "ConfigFileSourceWarning",
  );
}
