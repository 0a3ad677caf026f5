/**
 * What the Scale benchmark reads from the system: a child process's CPU time and memory from
 * /proc (proc(5)), counters from Prometheus text (a replica's and etcd's `GET /metrics`), and
 * `ip -batch` for adding many addresses at once (ip(8)).
 */
import { execFile, spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** CPU time and memory of one process at one moment. */
export interface ProcessUsage {
  /** user + system CPU time, all threads, seconds. */
  readonly cpuSeconds: number;
  /** Resident set size now, bytes (`VmRSS`). */
  readonly rssBytes: number;
  /** Peak resident set size so far, bytes (`VmHWM`). */
  readonly peakRssBytes: number;
}

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat's times (`getconf CLK_TCK`, 100 on Linux). */
async function ticksPerSecond(): Promise<number> {
  clockTicks ??= Number((await execFileAsync("getconf", ["CLK_TCK"])).stdout.trim()) || 100;
  return clockTicks;
}

/**
 * The fields of /proc/<pid>/stat after the command name, which is in parentheses and may itself
 * hold spaces or parentheses: the split has to start after the last `)`.
 */
async function statFields(pid: number): Promise<string[]> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8");
  return text
    .slice(text.lastIndexOf(")") + 2)
    .trim()
    .split(" ");
}

/** Reads a process's CPU time (utime + stime, fields 14 and 15) and RSS (VmRSS, VmHWM). */
export async function processUsage(pid: number): Promise<ProcessUsage> {
  // Index 0 here is field 3 (state) of proc(5), so utime (14) and stime (15) are at 11 and 12.
  const fields = await statFields(pid);
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return {
    cpuSeconds: ticks / (await ticksPerSecond()),
    rssBytes: kib("VmRSS") * 1024,
    peakRssBytes: kib("VmHWM") * 1024,
  };
}

/**
 * The pid of this process's child whose command line contains every one of `parts` (the
 * harness keeps a replica's ChildProcess to itself; its command line names the replica id and the
 * etcd prefix, which no other process of ours shares).
 * @throws Error when there is none, or more than one
 */
export async function childPid(parts: readonly string[]): Promise<number> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      if (Number((await statFields(pid))[1]) !== process.pid) continue;
      const words = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
      if (parts.every((part) => words.includes(part))) found.push(pid);
    } catch {
      // The process ended while we looked: not ours to measure.
    }
  }
  if (found.length !== 1) throw new Error(`expected one child process with ${parts.join(" ")}: ${found}`);
  return found[0] as number;
}

/**
 * The sum of every sample of counter or gauge `name` in Prometheus text whose labels include
 * every `labels` pair (0 when there is none).
 */
export function metricValue(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? "";
    if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) {
      sum += Number(match[3]);
    }
  }
  return sum;
}

/** `GET <url>` as text, within 5 s. */
export async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.text();
}

/**
 * Runs `ip [-n <netns>] -batch -` with one command per line on standard input: thousands of
 * `addr add` take one process instead of one each.
 * @throws Error with ip's standard error when it exits non-zero
 */
export async function ipBatch(netns: string | undefined, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const args = [...(netns === undefined ? [] : ["-n", netns]), "-batch", "-"];
  await new Promise<void>((resolve, reject) => {
    const child = spawn("ip", args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`ip ${args.join(" ")}: exit ${code}: ${stderr.trim()}`)),
    );
    child.stdin.end(`${lines.join("\n")}\n`);
  });
}

/** Runs `ip <args>` and returns its standard output. */
export async function ip(...args: string[]): Promise<string> {
  return (await execFileAsync("ip", args, { encoding: "utf8" })).stdout;
}
