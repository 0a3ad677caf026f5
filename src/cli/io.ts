/**
 * The command's streams, injectable so that commands can be driven in-process.
 */

/** Where a command writes and reads. */
export interface CliIo {
  /** Writes one line (a newline is added) to standard output: the command's result. */
  out(line: string): void;
  /** Writes one line to standard error: diagnostics. */
  err(line: string): void;
  /** Reads all of standard input as UTF-8 (for `-` arguments). */
  readStdin(): Promise<string>;
}

/** The process's real streams. */
export const processIo: CliIo = {
  out: (line) => {
    process.stdout.write(`${line}\n`);
  },
  err: (line) => {
    process.stderr.write(`${line}\n`);
  },
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin)
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString("utf8");
  },
};

/** Message of any thrown value, with the cause's message when there is one (fetch, grpc errors). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause === undefined || error.message.includes(cause) ? error.message : `${error.message}: ${cause}`;
}
