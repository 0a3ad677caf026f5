/**
 * Starts real etcd servers (Debian's `etcd-server`) on free loopback ports for tests, the demo and
 * benchmarks: 1 or 3 members, each with its own temporary data dir, always removed on `destroy()`.
 *
 * Flags follow etcd 3.4's clustering guide:
 * https://etcd.io/docs/v3.4/op-guide/clustering/#static
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { waitFor } from "./wait.js";

interface MemberPlan {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** Plain-HTTP port of `/health` and `/metrics` (`--listen-metrics-urls`): a TLS member's health check. */
  readonly metricsPort: number;
  readonly dataDir: string;
}

/** PEM files of a TLS etcd (see certificates.ts): clients must present a certificate the CA signed. */
export interface EtcdTlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** A client certificate and key that CA signed, for etcdctl. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

/** Options for {@link EtcdCluster.start}. */
export interface EtcdClusterOptions {
  /** Number of members: 1 or 3. */
  readonly members: 1 | 3;
  /** etcd log level (default "error": etcd is chatty). */
  readonly logLevel?: string;
  /** Forward etcd's output to this process's stderr (debugging). */
  readonly verbose?: boolean;
  /**
   * An address to serve clients on besides loopback, e.g. a fault world's bridge address that
   * replicas in their own network namespaces reach (see zones.ts); `endpoints` then name it.
   */
  readonly clientHost?: string;
  /** Serve clients over TLS with client-certificate auth (`--client-cert-auth`); peers stay plain. */
  readonly tls?: EtcdTlsFiles;
}

/** A running etcd cluster on loopback. */
export class EtcdCluster {
  private readonly processes: (ChildProcess | undefined)[];
  /** The end of each member's standard error, for the message when it exits while starting. */
  private readonly stderrTails: string[] = [];
  private destroyed = false;

  private constructor(
    private readonly plans: readonly MemberPlan[],
    private readonly baseDir: string,
    private readonly options: EtcdClusterOptions,
  ) {
    this.processes = plans.map(() => undefined);
  }

  /**
   * Starts the members and waits (up to 30 s) until every member reports healthy. A member that
   * exits while starting (typically: another process took one of its ports between the port pick
   * and etcd's bind) makes the whole cluster start again on fresh ports, up to 3 times.
   * @throws Error when `etcd` is not installed or the cluster does not become healthy.
   */
  static async start(options: EtcdClusterOptions): Promise<EtcdCluster> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await EtcdCluster.startOnce(options);
      } catch (error) {
        if (!(error instanceof MemberExitedError) || attempt >= 3) throw error;
      }
    }
  }

  private static async startOnce(options: EtcdClusterOptions): Promise<EtcdCluster> {
    const root = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
    const baseDir = await mkdtemp(join(root, "vpcrouter-etcd-"));
    const plans: MemberPlan[] = [];
    for (let i = 0; i < options.members; i++) {
      plans.push({
        name: `m${i}`,
        clientPort: await freePort(),
        peerPort: await freePort(),
        metricsPort: await freePort(),
        dataDir: join(baseDir, `m${i}`),
      });
    }
    const cluster = new EtcdCluster(plans, baseDir, options);
    try {
      for (let i = 0; i < plans.length; i++) cluster.spawnMember(i);
      await cluster.waitHealthy(30_000);
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  /** Client endpoints as `host:port`, one per member (the daemon's `--etcd-endpoints` form). */
  get endpoints(): string[] {
    const host = this.options.clientHost ?? "127.0.0.1";
    return this.plans.map((p) => `${host}:${p.clientPort}`);
  }

  /**
   * The flags etcdctl needs to reach this cluster: `--endpoints`, and with TLS the CA and a client
   * certificate (etcdctl's `--cacert`, `--cert`, `--key`).
   */
  etcdctlArgs(): string[] {
    const tls = this.options.tls;
    return [
      `--endpoints=${this.endpoints.join(",")}`,
      ...(tls
        ? [`--cacert=${tls.caFile}`, `--cert=${tls.clientCertFile}`, `--key=${tls.clientKeyFile}`]
        : []),
    ];
  }

  /** Stops member `index` with `signal` (default SIGKILL) and waits for it to exit. */
  async stopMember(index: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.processes[index];
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    await exited;
    this.processes[index] = undefined;
  }

  /**
   * Freezes (SIGSTOP) or thaws (SIGCONT) every member: connections stay open but nothing answers,
   * the failure etcd3 is slowest to notice (LIBRARY-NOTES: a dead connection may never error).
   */
  freeze(frozen: boolean): void {
    for (const child of this.processes) child?.kill(frozen ? "SIGSTOP" : "SIGCONT");
  }

  /** Restarts a stopped member with its existing data dir and waits until it is healthy. */
  async startMember(index: number): Promise<void> {
    this.spawnMember(index, "existing");
    const plan = this.plans[index];
    if (plan)
      await waitFor(() => isHealthy(plan.metricsPort), { timeoutMs: 30_000, message: `etcd ${plan.name}` });
  }

  /** Kills every member and removes the data dirs. Safe to call twice; never throws. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.freeze(false);
    await Promise.all(this.plans.map((_, i) => this.stopMember(i).catch(() => undefined)));
    await rm(this.baseDir, { recursive: true, force: true }).catch(() => undefined);
  }

  private spawnMember(index: number, state: "new" | "existing" = "new"): void {
    const plan = this.plans[index];
    if (!plan) throw new Error(`no etcd member ${index}`);
    const initialCluster = this.plans.map((p) => `${p.name}=http://127.0.0.1:${p.peerPort}`).join(",");
    const { tls } = this.options;
    const scheme = tls ? "https" : "http";
    const args = [
      `--name=${plan.name}`,
      `--data-dir=${plan.dataDir}`,
      `--listen-client-urls=${scheme}://127.0.0.1:${plan.clientPort}${
        this.options.clientHost ? `,${scheme}://${this.options.clientHost}:${plan.clientPort}` : ""
      }`,
      `--advertise-client-urls=${scheme}://${this.options.clientHost ?? "127.0.0.1"}:${plan.clientPort}`,
      `--listen-metrics-urls=http://127.0.0.1:${plan.metricsPort}`,
      ...(tls
        ? [
            `--cert-file=${tls.certFile}`,
            `--key-file=${tls.keyFile}`,
            `--trusted-ca-file=${tls.caFile}`,
            "--client-cert-auth",
          ]
        : []),
      `--listen-peer-urls=http://127.0.0.1:${plan.peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${plan.peerPort}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-state=${state}`,
      `--initial-cluster-token=vpcrouter-test-${this.plans[0]?.clientPort}`,
      // Without checkpoints etcd 3.4 resets lease TTLs on a leader change (etcd-io/etcd#9395).
      "--experimental-enable-lease-checkpoint=true",
      "--heartbeat-interval=50",
      "--election-timeout=500",
      `--log-level=${this.options.logLevel ?? "error"}`,
      "--logger=zap",
    ];
    const child = spawn("etcd", args, { stdio: ["ignore", "pipe", "pipe"] });
    child.on("error", (error) => {
      process.stderr.write(
        `etcd ${plan.name} failed to start: ${error.message} (is etcd-server installed?)\n`,
      );
    });
    if (this.options.verbose) {
      child.stdout?.pipe(process.stderr);
      child.stderr?.pipe(process.stderr);
    } else {
      child.stdout?.resume();
      child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
        this.stderrTails[index] = ((this.stderrTails[index] ?? "") + chunk).slice(-2000);
      });
    }
    this.processes[index] = child;
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const exitedIndex = () =>
      this.processes.findIndex((c) => c !== undefined && (c.exitCode !== null || c.signalCode !== null));
    await waitFor(
      async () => {
        // A member that exited will never be healthy: stop waiting at once.
        if (exitedIndex() >= 0) return true;
        const states = await Promise.all(this.plans.map((p) => isHealthy(p.metricsPort)));
        return states.every(Boolean);
      },
      {
        timeoutMs,
        intervalMs: 100,
        message: () => `etcd cluster did not become healthy; etcd said: ${this.stderrTails.join(" | ")}`,
      },
    );
    const exited = exitedIndex();
    if (exited >= 0) {
      const name = this.plans[exited]?.name;
      throw new MemberExitedError(`etcd ${name} exited while starting: ${this.stderrTails[exited] ?? ""}`);
    }
  }
}

/** etcd answers `GET /health` on its metrics port with `{"health":"true"}` when it has a leader. */
async function isHealthy(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await response.json()) as { health?: string };
    return body.health === "true";
  } catch {
    return false;
  }
}

/** A member process ended before the cluster became healthy (e.g. its port was taken). */
class MemberExitedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MemberExitedError";
  }
}
