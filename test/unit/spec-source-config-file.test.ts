/**
 * The configfile watcher on a real file system: the scenarios of vpc-router's test_watcher.py
 * (changes picked up, a malformed file ignored, other files in the directory no event) plus the
 * replacements vpc-router misses (rename-and-replace, a ConfigMap-style symlink swap, a symlink
 * target written in another directory) and a file that vanishes and comes back. Also what it
 * refuses to read: a FIFO (without hanging), a directory, a file over the size limit.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { promisify } from "node:util";
import { ConfigFileSource, type ConfigFileSourceOptions } from "../../src/spec-source/config-file-source.js";
import { MAX_SPEC_FILE_BYTES } from "../../src/spec-source/spec-file-read.js";
import type { SpecReading } from "../../src/spec-source/spec-source.js";
import { waitFor } from "../support/wait.js";

const S1 = { "10.1.0.0/16": ["1.1.1.1", "2.2.2.2"], "10.2.0.0/16": ["3.3.3.3"] };
const S2 = { "10.1.0.0/16": ["4.4.4.4", "2.2.2.2"], "10.2.0.0/16": ["3.3.3.3"] };
const S3 = { "10.9.0.0/16": ["9.9.9.9"] };
const execFileAsync = promisify(execFile);
/** Long enough that only the directory watch can explain a prompt pick-up. */
const NO_POLL = 600_000;

describe("ConfigFileSource", () => {
  let dir: string;
  const sources: ConfigFileSource[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "vpcrouter-spec-"));
  });

  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  function open(path: string, options: Partial<ConfigFileSourceOptions> = {}) {
    const source = ConfigFileSource.open({ path, maxRoutes: 10, pollIntervalMs: NO_POLL, ...options });
    sources.push(source);
    const readings: SpecReading[] = [];
    source.onChange((reading) => readings.push(reading));
    return { source, readings };
  }

  async function changedTo(readings: SpecReading[], spec: object, what: string): Promise<void> {
    await waitFor(
      () => {
        const last = readings.at(-1)?.result;
        return last?.ok === true && JSON.stringify(last.spec) === JSON.stringify(spec);
      },
      { timeoutMs: 5000, message: `${what} not picked up` },
    );
  }

  /** Waits until the source has completed `count` more content checks. */
  async function checksPass(source: ConfigFileSource, count: number): Promise<void> {
    const target = source.checks + count;
    await waitFor(() => source.checks >= target, { timeoutMs: 5000, message: "no content check ran" });
  }

  it("reads the file at open, without an event", async () => {
    const file = join(dir, "r.spec");
    await writeFile(file, JSON.stringify(S1));
    const { source, readings } = open(file);
    assert.ok(source.latest.result.ok);
    assert.deepEqual(source.latest.result.spec, S1);
    assert.match(source.latest.origin, /r\.spec$/);
    assert.equal(readings.length, 0);
  });

  it("picks up an in-place write through the directory watch", async () => {
    const file = join(dir, "r.spec");
    await writeFile(file, JSON.stringify(S1));
    const { readings } = open(file);
    await writeFile(file, JSON.stringify(S2));
    await changedTo(readings, S2, "in-place write");
  });

  it("picks up an editor's rename-and-replace (write a temporary file, rename it over)", async () => {
    const file = join(dir, "r.spec");
    await writeFile(file, JSON.stringify(S1));
    const { readings } = open(file);
    await writeFile(join(dir, ".r.spec.swp"), JSON.stringify(S2));
    await rename(join(dir, ".r.spec.swp"), file);
    await changedTo(readings, S2, "rename over the file");
  });

  it("picks up a Kubernetes ConfigMap update (the ..data symlink swapped to a new directory)", async () => {
    await mkdir(join(dir, "..2024_01"));
    await writeFile(join(dir, "..2024_01", "spec.json"), JSON.stringify(S1));
    await symlink("..2024_01", join(dir, "..data"));
    await symlink(join("..data", "spec.json"), join(dir, "spec.json"));
    const { source, readings } = open(join(dir, "spec.json"));
    assert.ok(source.latest.result.ok);
    assert.deepEqual(source.latest.result.spec, S1);
    // What the kubelet does: new directory, new symlink, atomic rename over ..data, old one removed.
    await mkdir(join(dir, "..2024_02"));
    await writeFile(join(dir, "..2024_02", "spec.json"), JSON.stringify(S2));
    await symlink("..2024_02", join(dir, "..data_tmp"));
    await rename(join(dir, "..data_tmp"), join(dir, "..data"));
    await rm(join(dir, "..2024_01"), { recursive: true });
    await changedTo(readings, S2, "ConfigMap symlink swap");
  });

  it("picks up a symlink target written in another directory (the periodic check)", async () => {
    await mkdir(join(dir, "elsewhere"));
    await mkdir(join(dir, "watched"));
    const target = join(dir, "elsewhere", "spec.json");
    await writeFile(target, JSON.stringify(S1));
    await symlink(target, join(dir, "watched", "spec.json"));
    const { readings } = open(join(dir, "watched", "spec.json"), { pollIntervalMs: 30 });
    await writeFile(target, JSON.stringify(S2));
    await changedTo(readings, S2, "write to the symlink's target");
  });

  it("reports nothing for the same content written again or for another file in the directory", async () => {
    const file = join(dir, "r.spec");
    await writeFile(file, JSON.stringify(S1));
    const { source, readings } = open(file, { pollIntervalMs: 30 });
    await writeFile(file, JSON.stringify(S1));
    await writeFile(join(dir, "foo"), "blah");
    await writeFile(join(dir, "r.spec.tmp"), JSON.stringify(S1));
    await rename(join(dir, "r.spec.tmp"), file);
    await checksPass(source, 3);
    assert.deepEqual(readings, []);
    // A real change after them is exactly one event.
    await writeFile(file, JSON.stringify(S2));
    await changedTo(readings, S2, "real change");
    await checksPass(source, 2);
    assert.equal(readings.length, 1);
  });

  it("reports a malformed file as a reading with its problems (vpc-router: Config ignored)", async () => {
    const file = join(dir, "r.spec");
    await writeFile(file, JSON.stringify(S1));
    const { source, readings } = open(file);
    await writeFile(file, JSON.stringify("MALFORMED"));
    await waitFor(() => readings.length > 0, { timeoutMs: 5000, message: "malformed file not noticed" });
    const result = readings.at(-1)?.result;
    assert.equal(result?.ok, false);
    assert.match(result?.ok === false ? (result.problems[0]?.message ?? "") : "", /must be a JSON object/);
    assert.equal(source.latest.result.ok, false);
  });

  it("reports a vanished file once, and its return as a change", async () => {
    const file = join(dir, "r.spec");
    await writeFile(file, JSON.stringify(S1));
    const { source, readings } = open(file, { pollIntervalMs: 30 });
    await rm(file);
    await waitFor(() => readings.length === 1, { timeoutMs: 5000, message: "vanished file not noticed" });
    const missing = readings[0]?.result;
    assert.match(
      missing?.ok === false ? (missing.problems[0]?.message ?? "") : "",
      /cannot read the file: ENOENT/,
    );
    await checksPass(source, 3);
    assert.equal(readings.length, 1, "a file that stays missing is one event");
    await writeFile(file, JSON.stringify(S3));
    await changedTo(readings, S3, "returned file");
  });

  it("opens on a missing file and picks it up when it appears", async () => {
    const file = join(dir, "later.spec");
    const { source, readings } = open(file, { pollIntervalMs: 30 });
    assert.equal(source.latest.result.ok, false);
    await writeFile(file, JSON.stringify(S1));
    await changedTo(readings, S1, "file created after open");
  });

  it("stops checking and reporting once closed", async () => {
    const file = join(dir, "r.spec");
    await writeFile(file, JSON.stringify(S1));
    const { source, readings } = open(file, { pollIntervalMs: 20 });
    await checksPass(source, 1);
    await source.close();
    const checksAtClose = source.checks;
    await writeFile(file, JSON.stringify(S2));
    // A second, open source on the same file shows the change was there to be seen.
    const witness = open(file, { pollIntervalMs: 20 });
    await writeFile(file, JSON.stringify(S3));
    await changedTo(witness.readings, S3, "witness");
    await checksPass(witness.source, 3);
    assert.deepEqual(readings, []);
    assert.equal(source.checks, checksAtClose);
  });

  describe("files it refuses to read", () => {
    const problemOf = (reading: SpecReading | undefined): string =>
      reading?.result.ok === false ? (reading.result.problems[0]?.message ?? "") : "";

    /**
     * A writer that opens the FIFO once and closes it at once. It never matters to a correct
     * reader; a reader that blocked in open/read would get end of file from it and fail the
     * assertions instead of hanging the test run.
     */
    function unblockingWriter(fifo: string): ChildProcess {
      const writer = spawn("sh", ["-c", ': > "$1"', "sh", fifo], { stdio: "ignore" });
      writer.on("error", () => undefined);
      return writer;
    }

    it("reports a FIFO at the path without blocking, at open and on every later check (no writer at all)", async () => {
      const fifo = join(dir, "spec.fifo");
      execFileSync("mkfifo", [fifo]);
      // In a child process: a read that blocked on the FIFO would hang it, not this test run.
      const script = `
        const { ConfigFileSource } = await import(process.env.SOURCE_URL);
        const source = ConfigFileSource.open({ path: process.env.FIFO, maxRoutes: 10, pollIntervalMs: 10 });
        const atOpen = source.latest.result.problems?.[0]?.message;
        while (source.checks < 3) await new Promise((resolve) => setTimeout(resolve, 10));
        const later = source.latest.result.problems?.[0]?.message;
        await source.close();
        process.stdout.write(JSON.stringify({ atOpen, later }));
      `;
      const { stdout } = await execFileAsync(
        process.execPath,
        ["--import", import.meta.resolve("tsx"), "--input-type=module", "-e", script],
        {
          timeout: 20_000,
          env: {
            ...process.env,
            FIFO: fifo,
            SOURCE_URL: new URL("../../src/spec-source/config-file-source.ts", import.meta.url).href,
          },
        },
      );
      const { atOpen, later } = JSON.parse(stdout) as { atOpen?: string; later?: string };
      assert.match(
        atOpen ?? "",
        /^cannot read the file: '.*spec\.fifo' is a FIFO \(named pipe\), not a regular file$/,
      );
      assert.equal(later, atOpen);
    });

    it("reports a file replaced by a FIFO, and reads the file again once it is back", async () => {
      const file = join(dir, "r.spec");
      await writeFile(file, JSON.stringify(S1));
      const { readings } = open(file, { pollIntervalMs: 30 });
      await rm(file);
      execFileSync("mkfifo", [file]);
      const writer = unblockingWriter(file);
      try {
        await waitFor(() => /is a FIFO/.test(problemOf(readings.at(-1))), {
          timeoutMs: 5000,
          message: "FIFO not reported",
        });
      } finally {
        writer.kill();
      }
      await rm(file);
      await writeFile(file, JSON.stringify(S2));
      await changedTo(readings, S2, "file back after the FIFO");
    });

    it("reports a directory at the path as a problem", () => {
      const { source } = open(dir);
      assert.match(problemOf(source.latest), /is a directory, not a regular file$/);
    });

    it(`reads a file of exactly ${MAX_SPEC_FILE_BYTES} bytes and refuses a larger one, once however it grows`, async () => {
      const file = join(dir, "r.spec");
      const padded = (bytes: number) => {
        const text = JSON.stringify(S1);
        return text + " ".repeat(bytes - text.length);
      };
      // Each later version lands at once (rename over the file): a half-written file read by the
      // 30 ms poll would otherwise be a reading of its own.
      const replaceWith = async (text: string) => {
        await writeFile(`${file}.next`, text);
        await rename(`${file}.next`, file);
      };
      await writeFile(file, padded(MAX_SPEC_FILE_BYTES));
      const { source, readings } = open(file, { pollIntervalMs: 30 });
      assert.ok(source.latest.result.ok, problemOf(source.latest));
      assert.deepEqual(source.latest.result.spec, S1);
      await replaceWith(padded(MAX_SPEC_FILE_BYTES + 1));
      await waitFor(() => readings.length === 1, { timeoutMs: 5000, message: "large file not reported" });
      assert.match(
        problemOf(readings[0]),
        new RegExp(
          `is ${MAX_SPEC_FILE_BYTES + 1} bytes, more than the limit of ${MAX_SPEC_FILE_BYTES} bytes \\(1 MiB\\)$`,
        ),
      );
      await replaceWith(padded(MAX_SPEC_FILE_BYTES + 4096));
      await checksPass(source, 3);
      assert.equal(readings.length, 1, "a file that stays too large is one event");
      await replaceWith(JSON.stringify(S2));
      await changedTo(readings, S2, "file back under the limit");
    });
  });
});
