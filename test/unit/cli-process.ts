/**
 * Runs the `vpcrouter` CLI from source as a child process (node --import tsx src/cli/main.ts), as
 * an operator would, and collects its exit code and output.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

/** What a CLI run produced. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCli} and {@link runTsx}. */
export interface ChildOptions {
  /** Added to a clean environment (PATH, HOME and AWS_EC2_METADATA_DISABLED=true; no `VPCROUTER_*`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string;
  /** The child is killed after this long, ms (default 30 s). */
  readonly timeoutMs?: number;
}

/** Runs `vpcrouter <args>` from source with a clean environment plus `options.env`. */
export function runCli(args: readonly string[], options: ChildOptions = {}): Promise<CliResult> {
  return runTsx([MAIN, ...args], options);
}

/**
 * Runs `node --import tsx <nodeArgs>` in the repository root (e.g. a script, or `-e` with a snippet).
 * @returns its exit code (null when killed) and everything it wrote.
 */
export function runTsx(nodeArgs: readonly string[], options: ChildOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...nodeArgs], {
      cwd: REPO,
      // No instance metadata service is ever asked from a test (network safety), unless a test says so.
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        AWS_EC2_METADATA_DISABLED: "true",
        ...options.env,
      },
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 30_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}
