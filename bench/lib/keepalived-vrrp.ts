/**
 * keepalived as its users run it on AWS, for bench/keepalived.ts: finding keepalived and aws-cli,
 * the keepalived.conf (VRRP over unicast, since VPCs carry no multicast) and the `notify_master`
 * script (one `aws ec2 replace-route` per route table, one after the other), one keepalived
 * process per router namespace, and the VRRP state each one logs.
 *
 * Timer arithmetic follows keepalived 2.2.7 (vrrp.h `VRRP_TIMER_SKEW`, after RFC 3768 §6.1 for
 * VRRPv2 and RFC 5798 §6.1 for VRRPv3): a backup takes over when it heard no advertisement for
 * Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time, where Skew_Time is
 * (256 − priority) / 256 s in VRRPv2 and (256 − priority) / 256 × Advertisement_Interval in VRRPv3.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, chmod, readFile, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { waitFor } from "../../test/support/wait.js";

const run = promisify(execFile);

/** The VRRP instance's name in every config, and the name its log lines carry. */
export const INSTANCE = "VR_BKEEP";

/** The executables the comparison needs, resolved to absolute paths, and their versions. */
export interface Tools {
  readonly keepalived: string;
  readonly keepalivedVersion: string;
  readonly aws: string;
  readonly awsVersion: string;
}

/** First executable `name` on PATH (plus the sbin directories, where Debian puts keepalived). */
async function which(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin", "/usr/local/sbin"];
  for (const dir of dirs.filter((d) => d !== "")) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/**
 * Finds keepalived and aws-cli and checks that both run.
 * @throws Error saying how to install what is missing
 */
export async function requireTools(): Promise<Tools> {
  const keepalived = await which("keepalived");
  if (!keepalived) {
    throw new Error(
      "keepalived is not installed: install Debian's package with `apt-get install keepalived` (as root)",
    );
  }
  let aws = await which("aws");
  if (!aws) {
    throw new Error(
      "aws (aws-cli) is not installed: install it with `apt-get install awscli` (or `pip install awscli`)",
    );
  }
  // A pyenv shim picks its Python from the working directory and the environment, neither of which
  // keepalived's notify script shares with us: call the interpreter's own aws script instead.
  if (aws.includes("/.pyenv/shims/")) {
    const { stdout } = await run("pyenv", ["which", "aws"]).catch(() => ({ stdout: "" }));
    if (stdout.trim() !== "") aws = stdout.trim();
  }
  // keepalived prints its version to standard error.
  const keepalivedVersion = await run(keepalived, ["--version"]).then(
    ({ stdout, stderr }) => `${stdout}${stderr}`.split("\n")[0]?.trim() ?? "",
    (error: unknown) => {
      throw new Error(`${keepalived} --version failed (reinstall with apt-get install keepalived): ${error}`);
    },
  );
  const awsVersion = await run(aws, ["--version"]).then(
    ({ stdout, stderr }) => `${stdout}${stderr}`.trim(),
    (error: unknown) => {
      throw new Error(`${aws} --version failed (reinstall with apt-get install awscli): ${error}`);
    },
  );
  return { keepalived, keepalivedVersion, aws, awsVersion };
}

/** One keepalived tuning under test. */
export interface KeepalivedTuning {
  /** Table label, e.g. `keepalived defaults`. */
  readonly label: string;
  /** 2 is keepalived's default; sub-second advertisement intervals need 3 (centisecond field). */
  readonly vrrpVersion: 2 | 3;
  readonly advertIntSeconds: number;
}

/** Master_Down_Interval (ms) of a backup of `priority`: how long it waits before taking over. */
export function masterDownIntervalMs(tuning: KeepalivedTuning, priority: number): number {
  const skewSeconds =
    tuning.vrrpVersion === 3 ? ((256 - priority) * tuning.advertIntSeconds) / 256 : (256 - priority) / 256;
  return Math.round((3 * tuning.advertIntSeconds + skewSeconds) * 1000 * 10) / 10;
}

/**
 * The VRRPv3 advertisement interval (whole centiseconds, the field's unit) whose
 * Master_Down_Interval for a backup of `priority` is closest to `budgetMs`.
 */
export function advertIntForBudget(budgetMs: number, priority: number): number {
  const seconds = budgetMs / 1000 / (3 + (256 - priority) / 256);
  return Math.round(seconds * 100) / 100;
}

/** What one router's keepalived needs to know. */
export interface RouterPlan {
  readonly index: number;
  readonly ip: string;
  readonly netns: string;
  readonly priority: number;
  /** The other routers' addresses (unicast peers). */
  readonly peers: readonly string[];
  /** This router's ENI: what its notify script points the routes at. */
  readonly eni: string;
}

/** Where keepalived's files and the script's targets are. */
export interface ScriptTarget {
  readonly dir: string;
  readonly aws: string;
  readonly endpointUrl: string;
  readonly cidr: string;
  readonly routeTableIds: readonly string[];
  /** A virtual address in the routers' own /24 (keepalived refuses an instance without one). */
  readonly virtualIp: string;
  readonly virtualRouterId: number;
}

/** Path of router `index`'s notify_master script. */
export function notifyScriptPath(dir: string, index: number): string {
  return join(dir, `notify-master-${index}.sh`);
}

/** Path of the log router `index`'s notify_master script appends to. */
export function notifyLogPath(dir: string, index: number): string {
  return join(dir, `notify-master-${index}.log`);
}

/**
 * keepalived.conf for one router. Every instance starts BACKUP with `nopreempt`, so a router whose
 * link comes back does not take the routes back (vpcrouter never fails back either), and the
 * highest priority (router 0) wins the first election because its skew is the shortest.
 */
export function renderConfig(router: RouterPlan, tuning: KeepalivedTuning, target: ScriptTarget): string {
  return [
    "global_defs {",
    `  router_id bkeep-${router.index}`,
    // The Debian package has no keepalived_script user; say root explicitly instead of a warning.
    "  script_user root",
    "  enable_script_security",
    `  vrrp_version ${tuning.vrrpVersion}`,
    "}",
    "",
    `vrrp_instance ${INSTANCE} {`,
    "  state BACKUP",
    "  nopreempt",
    "  interface eth0",
    `  virtual_router_id ${target.virtualRouterId}`,
    `  priority ${router.priority}`,
    `  advert_int ${tuning.advertIntSeconds}`,
    // AWS VPCs carry no multicast: keepalived users on EC2 list their peers.
    `  unicast_src_ip ${router.ip}`,
    "  unicast_peer {",
    ...router.peers.map((peer) => `    ${peer}`),
    "  }",
    "  virtual_ipaddress {",
    `    ${target.virtualIp}/32 dev eth0`,
    "  }",
    `  notify_master "${notifyScriptPath(target.dir, router.index)}"`,
    "}",
    "",
  ].join("\n");
}

/**
 * The notify_master script of one router: the aws-cli calls a keepalived user writes, one per
 * route table, each a fresh aws-cli process. It logs `start`/`done` with epoch ms around them,
 * so the benchmark knows when no script is running any more.
 */
export function renderNotifyScript(router: RouterPlan, target: ScriptTarget): string {
  const log = notifyLogPath(target.dir, router.index);
  return [
    "#!/bin/sh",
    `# keepalived runs this when ${router.ip} becomes VRRP master: route ${target.cidr} via its ENI`,
    "# in every route table.",
    `export AWS_ACCESS_KEY_ID=keepalived-${router.index}`,
    "export AWS_SECRET_ACCESS_KEY=bench-secret",
    "export AWS_DEFAULT_REGION=us-east-1",
    // Never ask the instance metadata service (169.254.169.254), never read root's ~/.aws.
    "export AWS_EC2_METADATA_DISABLED=true",
    "export AWS_CONFIG_FILE=/dev/null",
    "export AWS_SHARED_CREDENTIALS_FILE=/dev/null",
    `export HOME=${target.dir}`,
    `echo "start $(date +%s%3N)" >> ${log}`,
    `for rtb in ${target.routeTableIds.join(" ")}; do`,
    `  ${target.aws} ec2 replace-route --route-table-id "$rtb" --destination-cidr-block ${target.cidr} \\`,
    `    --network-interface-id ${router.eni} --endpoint-url ${target.endpointUrl} --region us-east-1 \\`,
    `    >> ${log} 2>&1`,
    `  echo "rc $rtb $?" >> ${log}`,
    "done",
    `echo "done $(date +%s%3N)" >> ${log}`,
    "",
  ].join("\n");
}

/** Writes router `router`'s config and notify script into `target.dir`; returns the config's path. */
export async function writeRouterFiles(
  router: RouterPlan,
  tuning: KeepalivedTuning,
  target: ScriptTarget,
): Promise<string> {
  const config = join(target.dir, `keepalived-${router.index}.conf`);
  await writeFile(config, renderConfig(router, tuning, target));
  const script = notifyScriptPath(target.dir, router.index);
  await writeFile(script, renderNotifyScript(router, target));
  // enable_script_security refuses scripts writable by anyone but root.
  await chmod(script, 0o755);
  // A fresh log per tuning: the previous keepalived and its scripts are gone by now.
  await writeFile(notifyLogPath(target.dir, router.index), "");
  return config;
}

/** The notify script runs of one router so far: their start and end (epoch ms), failed calls. */
export interface ScriptRuns {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** `rc <rtb> <code>` lines with a non-zero code, each with what aws-cli printed. */
  readonly failures: readonly string[];
}

/** Reads router `index`'s notify log. */
export async function scriptRuns(dir: string, index: number): Promise<ScriptRuns> {
  const text = await readFile(notifyLogPath(dir, index), "utf8").catch(() => "");
  const starts: number[] = [];
  const ends: number[] = [];
  const failures: string[] = [];
  // What aws-cli printed since the previous marker line: the reason of a failed call.
  let output: string[] = [];
  for (const line of text.split("\n")) {
    const [word, first, second] = line.trim().split(/\s+/);
    if (word === "start") starts.push(Number(first));
    else if (word === "done") ends.push(Number(first));
    else if (word === "rc" && second !== "0") failures.push(`${line.trim()}: ${output.join(" ").trim()}`);
    else if (word !== "rc") {
      output.push(line);
      continue;
    }
    output = [];
  }
  return { starts, ends, failures };
}

/** One VRRP state change as keepalived logged it, stamped (epoch ms) when the line arrived. */
export interface Transition {
  readonly state: string;
  readonly at: number;
}

/** keepalived processes alive in this process, killed if it exits without stopping them. */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** One keepalived (parent and VRRP child) inside a router's namespace. */
export class KeepalivedProcess {
  readonly transitions: Transition[] = [];
  private readonly lines: string[] = [];
  private vrrpPid: number | undefined;
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    readonly router: RouterPlan,
    private readonly child: ChildProcess,
  ) {
    live.add(child);
    this.exit = new Promise((resolve) =>
      child.once("exit", () => {
        this.exited = true;
        live.delete(child);
        resolve();
      }),
    );
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on("line", (line) => {
        const at = Date.now();
        this.lines.push(line);
        if (this.lines.length > 400) this.lines.splice(0, 200);
        const match = new RegExp(`\\(${INSTANCE}\\) Entering (\\w+) STATE`).exec(line);
        if (match?.[1]) this.transitions.push({ state: match[1], at });
      });
    }
  }

  /**
   * Starts keepalived (VRRP subsystem only, in the foreground, logging to the console) in the
   * router's namespace and waits until its VRRP child runs.
   * @throws Error with keepalived's output when it exits or its child does not start within 10 s
   */
  static async start(keepalived: string, router: RouterPlan, config: string, dir: string) {
    const pid = (name: string) => join(dir, `${name}-${router.index}.pid`);
    const vrrpPidFile = pid("vrrp");
    // `ip netns exec` execs keepalived itself: the child's pid is keepalived's parent process.
    const child = spawn(
      "ip",
      [
        "netns",
        "exec",
        router.netns,
        keepalived,
        "--dont-fork",
        "--log-console",
        "--log-detail",
        "--no-syslog",
        "--vrrp",
        "--use-file",
        config,
        "--pid",
        pid("keepalived"),
        "--vrrp_pid",
        vrrpPidFile,
        "--checkers_pid",
        pid("checkers"),
        "--bfd_pid",
        pid("bfd"),
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/bin" } },
    );
    const process_ = new KeepalivedProcess(router, child);
    try {
      await waitFor(
        async () => {
          if (process_.exited) throw new Error("keepalived exited");
          process_.vrrpPid ??= await readPid(vrrpPidFile);
          return process_.vrrpPid !== undefined && process_.transitions.length > 0;
        },
        { timeoutMs: 10_000, message: `keepalived in ${router.netns} did not start` },
      );
    } catch (error) {
      await process_.stop();
      throw new Error(`${String(error)}\n${process_.tail()}`);
    }
    return process_;
  }

  /** The instance's current VRRP state (MASTER, BACKUP, FAULT), or undefined before the first. */
  state(): string | undefined {
    return this.transitions.at(-1)?.state;
  }

  /** The first transition into `state` at or after `since` (epoch ms). */
  entered(state: string, since: number): Transition | undefined {
    return this.transitions.find((t) => t.state === state && t.at >= since);
  }

  /** The last output lines, for failure messages. */
  tail(count = 30): string {
    return this.lines
      .slice(-count)
      .map((line) => `[keepalived ${this.router.ip}] ${line}`)
      .join("\n");
  }

  /**
   * Stops keepalived with SIGTERM (it stops its VRRP child and drops the virtual address), SIGKILL
   * after 5 s; then makes sure the VRRP child this process started is gone. Never throws.
   */
  async stop(): Promise<void> {
    if (!this.exited) {
      this.child.kill("SIGTERM");
      const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000).unref());
      const done = await Promise.race([this.exit.then(() => true), timer]);
      if (!done) {
        this.child.kill("SIGKILL");
        await this.exit;
      }
    }
    const pid = this.vrrpPid;
    if (pid !== undefined && (await isKeepalived(pid))) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Gone meanwhile.
      }
    }
  }
}

/** The pid in a pid file, or undefined while there is none. */
async function readPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, "utf8").catch(() => "");
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether `pid` is (still) a keepalived process: pids are reused, so check before killing. */
async function isKeepalived(pid: number): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  return cmdline.includes("keepalived");
}
