/** The emulator's record of every EC2 API call, for tests to assert on (who called what, with what result). */

/** One API call. */
export interface CallLogEntry {
  /** Position in the log since the emulator started (not reset by `resetLog`), for `since` cursors. */
  readonly index: number;
  /** When the request arrived (ISO 8601). */
  readonly time: string;
  readonly action: string;
  /** From the SigV4 `Authorization` header (`Credential=AKID/date/region/ec2/aws4_request`). */
  readonly accessKeyId?: string;
  /** Every form field of the request, including `Action` and `Version`. */
  readonly params: Readonly<Record<string, string>>;
  /** HTTP status of the reply. */
  readonly status: number;
  /** EC2 error code when the call failed. */
  readonly errorCode?: string;
  /** Time spent answering (ms), injected latency included. */
  readonly durationMs: number;
}

/**
 * Extracts the access key id from a SigV4 Authorization header, or `undefined`.
 * Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */
export function accessKeyIdFromAuthorization(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /Credential=([^/,\s]+)\//.exec(header);
  return match?.[1];
}

/** An append-only call log with stable indexes. */
export class CallLog {
  private entries: CallLogEntry[] = [];
  private nextIndex = 0;

  /** Appends an entry and returns it with its index. */
  append(entry: Omit<CallLogEntry, "index">): CallLogEntry {
    const indexed = { index: this.nextIndex, ...entry };
    this.nextIndex += 1;
    this.entries.push(indexed);
    return indexed;
  }

  /** Entries with `index >= since` (all when `since` is absent). */
  since(since = 0): CallLogEntry[] {
    return this.entries.filter((entry) => entry.index >= since);
  }

  /** The index the next entry will get: pass it to {@link since} later to see only newer calls. */
  cursor(): number {
    return this.nextIndex;
  }

  /** Forgets the entries (indexes keep counting up). */
  reset(): void {
    this.entries = [];
  }
}
