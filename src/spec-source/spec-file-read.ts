/**
 * Reading a route spec file without ever blocking on it: opened with `O_NONBLOCK` (a FIFO put at
 * the path must not hang the process until a writer comes), checked on the open descriptor to be a
 * regular file of at most {@link MAX_SPEC_FILE_BYTES}, and only then read. One reader, run
 * synchronously (the first reading) or asynchronously (every later check).
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";

/**
 * The largest spec file read, bytes: 1 MiB, the same as the body limit of `POST /route_spec`
 * (Fastify's default `bodyLimit`). A larger file is reported as a problem and not read.
 */
export const MAX_SPEC_FILE_BYTES = 1_048_576;

/** What reading the file gave: its bytes, a refusal (with a key that stays the same while the reason does), or an error. */
export type SpecFileRead =
  | { readonly kind: "bytes"; readonly bytes: Buffer }
  | { readonly kind: "refused"; readonly key: string; readonly reason: string }
  | { readonly kind: "error"; readonly error: unknown };

/** Read size, bytes: a typical spec file is read in one call. */
const READ_CHUNK_BYTES = 65_536;

/** Opens for reading without waiting for a FIFO's writer (open(2) `O_NONBLOCK`; no effect on regular files). */
const NON_BLOCKING_READ = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * Collects chunks up to one byte past the limit (in case the file grew since fstat), then says
 * whether the bytes are within it.
 */
class BoundedBytes {
  private readonly chunks: Buffer[] = [];
  private total = 0;

  /** True while more may be read. */
  get wantsMore(): boolean {
    return this.total <= MAX_SPEC_FILE_BYTES;
  }

  /** A buffer for the next read. */
  chunk(): Buffer {
    return Buffer.allocUnsafe(READ_CHUNK_BYTES);
  }

  /** Adds what the last read gave. @returns false at the end of the file */
  add(chunk: Buffer, count: number): boolean {
    if (count === 0) return false;
    this.chunks.push(chunk.subarray(0, count));
    this.total += count;
    return true;
  }

  /** The bytes read, or the refusal of a file that grew past the limit after it was checked. */
  result(path: string): SpecFileRead {
    if (this.total > MAX_SPEC_FILE_BYTES) return tooLarge(path, this.total, "at least ");
    return { kind: "bytes", bytes: Buffer.concat(this.chunks, this.total) };
  }
}

/** Reads the file now, blocking the event loop for at most one bounded read of a regular file. Never throws. */
export function readSpecFileSync(path: string): SpecFileRead {
  let fd: number | undefined;
  try {
    fd = openSync(path, NON_BLOCKING_READ);
    const refusal = refusalOf(fstatSync(fd), path);
    if (refusal) return refusal;
    const bytes = new BoundedBytes();
    while (bytes.wantsMore) {
      const chunk = bytes.chunk();
      if (!bytes.add(chunk, readSync(fd, chunk, 0, chunk.length, null))) break;
    }
    return bytes.result(path);
  } catch (error) {
    return { kind: "error", error };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads the file without blocking the event loop. Never rejects. */
export async function readSpecFile(path: string): Promise<SpecFileRead> {
  const handle = await open(path, NON_BLOCKING_READ).catch((error: unknown) => error);
  if (!isHandle(handle)) return { kind: "error", error: handle };
  try {
    const refusal = refusalOf(await handle.stat(), path);
    if (refusal) return refusal;
    const bytes = new BoundedBytes();
    while (bytes.wantsMore) {
      const chunk = bytes.chunk();
      if (!bytes.add(chunk, (await handle.read(chunk, 0, chunk.length, null)).bytesRead)) break;
    }
    return bytes.result(path);
  } catch (error) {
    return { kind: "error", error };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function isHandle(value: unknown): value is Awaited<ReturnType<typeof open>> {
  return typeof value === "object" && value !== null && "read" in value && "stat" in value;
}

/** Why a file is not read at all: not a regular file, or larger than the limit; undefined to read it. */
function refusalOf(stats: Stats, path: string): SpecFileRead | undefined {
  if (!stats.isFile()) {
    const kind = kindOf(stats);
    return { kind: "refused", key: `refused:${kind}`, reason: `'${path}' is ${kind}, not a regular file` };
  }
  return stats.size > MAX_SPEC_FILE_BYTES ? tooLarge(path, stats.size, "") : undefined;
}

/** One key for every size over the limit: a big file that keeps growing is one event, not many. */
function tooLarge(path: string, size: number, qualifier: string): SpecFileRead {
  return {
    kind: "refused",
    key: "refused:too-large",
    reason: `'${path}' is ${qualifier}${size} bytes, more than the limit of ${MAX_SPEC_FILE_BYTES} bytes (1 MiB)`,
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
