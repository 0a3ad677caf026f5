/**
 * Runs a real vpcrouter replica as a child process (`vpcrouter run`), for integration tests, the
 * demo and benchmarks. Its JSON log lines are kept for assertions and printed on failure.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.js";
import { waitFor } from "./wait.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Options for {@link ReplicaProcess.start}. */
export interface ReplicaProcessOptions {
  readonly id: string;
  readonly zone: string;
  readonly etcdEndpoints: readonly string[];
  readonly prefix: string;
  readonly vpcId: string;
  /** The EC2 emulator's URL (given to the SDK as AWS_ENDPOINT_URL_EC2). */
  readonly ec2Endpoint: string;
  /** Extra `vpcrouter run` flags, e.g. ["--health", "tcp"]. */
  readonly extraArgs?: readonly string[];
  /** Access key id the replica signs with (default: its id), so the emulator's log names it. */
  readonly accessKeyId?: string;
  readonly electionTtlSeconds?: number;
  /** Extra environment variables, e.g. `{ VPCROUTER_SPEC_MODE: "configfile" }` (they win over the test's). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * A whole command line to run as is (e.g. vpc-router's `-m configfile -f spec.conf …`, no `run`):
   * the harness's own settings (id, zone, etcd, prefix, API address and port, election TTL) then go
   * through `VPCROUTER_*` variables, and `extraArgs`, `vpcId` are not passed as flags.
   */
  readonly commandLine?: readonly string[];
  /** Working directory of the process (default: the repository root). */
  readonly cwd?: string;
  /** A network namespace to run in (a fault world's zone); its address then serves the API. */
  readonly namespace?: { readonly netns: string; readonly ip: string };
}

/** Replica processes alive in this test process, killed when it exits (even on a test timeout). */
const liveChildren = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of liveChildren) child.kill("SIGKILL");
});

/** One parsed JSON log line of a replica. */
export type LogLine = Record<string, unknown> & { msg?: string };

/** A replica child process. */
export class ReplicaProcess {
  readonly logs: LogLine[] = [];
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    readonly id: string,
    readonly apiUrl: string,
    private readonly child: ChildProcess,
  ) {
    liveChildren.add(child);
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        liveChildren.delete(child);
        this.exitCode = code ?? (signal ? -1 : null);
        resolve();
      }),
    );
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        this.logs.push({ msg: line });
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => this.logs.push({ msg: chunk.toString(), stderr: true }));
  }

  /** Spawns the replica and waits (up to 30 s) until its API answers `GET /healthz`. */
  static async start(options: ReplicaProcessOptions): Promise<ReplicaProcess> {
    // A free port can be taken by another test's process before the replica listens on it: then
    // the replica exits with EADDRINUSE, and another port is tried.
    for (let attempt = 1; ; attempt++) {
      try {
        return await ReplicaProcess.startOnce(options, await freePort());
      } catch (error) {
        if (attempt >= 3 || !/EADDRINUSE/.test((error as Error).message)) throw error;
      }
    }
  }

  private static async startOnce(options: ReplicaProcessOptions, port: number): Promise<ReplicaProcess> {
    const ttl = String(options.electionTtlSeconds ?? 3);
    if (options.commandLine) {
      // An absolute loader URL: the working directory may be outside the repository.
      const args = [
        "--import",
        import.meta.resolve("tsx"),
        join(repoRoot, "src/cli/main.ts"),
        ...options.commandLine,
      ];
      const env = {
        VPCROUTER_REPLICA_ID: options.id,
        VPCROUTER_REPLICA_ZONE: options.zone,
        VPCROUTER_ETCD_ENDPOINTS: options.etcdEndpoints.join(","),
        VPCROUTER_ETCD_PREFIX: options.prefix,
        VPCROUTER_API_ADDRESS: options.namespace?.ip ?? "127.0.0.1",
        VPCROUTER_API_PORT: String(port),
        VPCROUTER_ELECTION_TTL_SECONDS: ttl,
        ...options.env,
      };
      return ReplicaProcess.spawnAndWait(options, args, port, env);
    }
    const args = [
      "--import",
      import.meta.resolve("tsx"),
      join(repoRoot, "src/cli/main.ts"),
      "run",
      "--replica-id",
      options.id,
      "--zone",
      options.zone,
      "--etcd-endpoints",
      options.etcdEndpoints.join(","),
      "--prefix",
      options.prefix,
      "--vpc",
      options.vpcId,
      "--region",
      "us-east-1",
      "--address",
      options.namespace?.ip ?? "127.0.0.1",
      "--port",
      String(port),
      "--election-ttl",
      ttl,
      ...(options.extraArgs ?? []),
    ];
    return ReplicaProcess.spawnAndWait(options, args, port, options.env ?? {});
  }

  private static async spawnAndWait(
    options: ReplicaProcessOptions,
    args: readonly string[],
    port: number,
    extraEnv: Readonly<Record<string, string>>,
  ): Promise<ReplicaProcess> {
    // In a zone: `ip netns exec` execs node itself, so the child's pid is node's (signals reach it).
    const [command, commandArgs] = options.namespace
      ? ["ip", ["netns", "exec", options.namespace.netns, process.execPath, ...args]]
      : [process.execPath, [...args]];
    const child = spawn(command, commandArgs, {
      cwd: options.cwd ?? repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_EC2: options.ec2Endpoint,
        AWS_ACCESS_KEY_ID: options.accessKeyId ?? options.id,
        AWS_SECRET_ACCESS_KEY: "test-secret",
        AWS_REGION: "us-east-1",
        AWS_EC2_METADATA_DISABLED: "true",
        ...extraEnv,
      },
    });
    const replica = new ReplicaProcess(
      options.id,
      `http://${options.namespace?.ip ?? "127.0.0.1"}:${port}`,
      child,
    );
    try {
      // Done waiting when it answers, or when it has exited (no use waiting the whole 30 s then).
      await waitFor(async () => replica.exitCode !== undefined || (await replica.healthy()), {
        timeoutMs: 30_000,
        message: `replica ${options.id} did not start`,
      });
      if (replica.exitCode !== undefined) throw new Error(`replica ${options.id} exited while starting`);
    } catch (error) {
      await replica.kill("SIGKILL");
      throw new Error(`${(error as Error).message}\n${replica.tail()}`);
    }
    return replica;
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The process's exit code once it exited (-1 when killed by a signal). */
  get code(): number | null | undefined {
    return this.exitCode;
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the process: a GC pause, a VM steal, a stopped container. */
  freeze(frozen: boolean): void {
    if (this.exitCode === undefined) this.child.kill(frozen ? "SIGSTOP" : "SIGCONT");
  }

  /** Sends `signal` and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill(signal);
    await this.exited;
  }

  /** `GET /status` of this replica, or undefined when it does not answer. */
  async status(): Promise<Record<string, unknown> | undefined> {
    try {
      const response = await fetch(`${this.apiUrl}/status`, { signal: AbortSignal.timeout(2000) });
      return (await response.json()) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  /** Log lines whose message contains `text`. */
  logged(text: string): LogLine[] {
    return this.logs.filter((line) => typeof line.msg === "string" && line.msg.includes(text));
  }

  /** Everything the process wrote so far, standard output and error, one entry per line or chunk. */
  output(): string {
    return this.logs.map((line) => JSON.stringify(line)).join("\n");
  }

  /** The last log lines as text, for failure messages. */
  tail(count = 40): string {
    return this.logs
      .slice(-count)
      .map((line) => `[${this.id}] ${JSON.stringify(line)}`)
      .join("\n");
  }

  private async healthy(): Promise<boolean> {
    try {
      const response = await fetch(`${this.apiUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
      return response.ok;
    } catch {
      return false;
    }
  }
}
