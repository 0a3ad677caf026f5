import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runDaemonCommand } from "../../src/cli/program.js";
import { loadConfig } from "../../src/config/load.js";
import { createLogger, LogFileError } from "../../src/log/logger.js";
import { captureSpans } from "../support/span-capture.js";
import { type CliResult, runTsx } from "./cli-process.js";

const LOGGER_MODULE = fileURLToPath(new URL("../../src/log/logger.ts", import.meta.url));

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "vpcrouter-logger-test-"));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs an ES module snippet with tsx; `LOGGER` in it is the logger module's path. */
function runSnippet(code: string): Promise<CliResult> {
  return runTsx(["--input-type=module", "-e", code.replaceAll("LOGGER", JSON.stringify(LOGGER_MODULE))]);
}

/** A pino destination that keeps the lines it receives. */
function capture(): { lines: () => Record<string, unknown>[]; write(line: string): void } {
  const written: string[] = [];
  return {
    write: (line) => {
      written.push(line);
    },
    lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe("createLogger", () => {
  it("writes one JSON object per line with a level label, ISO time and child fields", () => {
    const out = capture();
    const logger = createLogger({ level: "info" }, out).child({ replica: "r1", zone: "us-east-1a" });
    logger.info({ cidr: "10.0.0.0/8" }, "route replaced");
    const [line] = out.lines();
    assert.equal(line?.level, "info");
    assert.equal(line?.msg, "route replaced");
    assert.equal(line?.replica, "r1");
    assert.equal(line?.zone, "us-east-1a");
    assert.equal(line?.cidr, "10.0.0.0/8");
    assert.match(String(line?.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(line?.pid, undefined);
  });

  it("carries the active span's trace_id and span_id, and none outside spans", async () => {
    const { telemetry } = captureSpans();
    try {
      const out = capture();
      const logger = createLogger({ level: "info" }, out);
      let ids: { traceId: string; spanId: string } | undefined;
      telemetry.tracer.startActiveSpan("reconcile", (span) => {
        ids = span.spanContext();
        logger.info("inside");
        span.end();
      });
      logger.info("outside");
      const [inside, outside] = out.lines();
      assert.equal(inside?.trace_id, ids?.traceId);
      assert.equal(inside?.span_id, ids?.spanId);
      assert.equal(inside?.trace_flags, "01");
      assert.equal(outside?.trace_id, undefined);
    } finally {
      await telemetry.shutdown();
    }
  });

  it("drops lines below the configured level", () => {
    const out = capture();
    const logger = createLogger({ level: "warn" }, out);
    logger.info("hidden");
    logger.warn("shown");
    assert.deepEqual(
      out.lines().map((line) => line.msg),
      ["shown"],
    );
  });

  it("redacts passwords wherever a config or options object is logged", () => {
    const out = capture();
    const logger = createLogger({ level: "info" }, out);
    logger.info({ config: { etcd: { password: "hunter2", username: "root" } } }, "config");
    logger.info({ auth: { password: "hunter3" } }, "auth");
    const text = JSON.stringify(out.lines());
    assert.doesNotMatch(text, /hunter2|hunter3/);
    assert.match(text, /"username":"root"/);
  });
});

describe("log destinations (log.file, vpc-router's -l/--logfile)", () => {
  it("appends to a file, each line written before the call returns", async () => {
    const file = join(dir, "append.log");
    await writeFile(file, "earlier line\n");
    const logger = createLogger({ level: "info", file });
    logger.info({ n: 1 }, "first");
    logger.info({ n: 2 }, "second");
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    assert.equal(lines[0], "earlier line");
    assert.deepEqual(
      lines.slice(1).map((line) => (JSON.parse(line) as { msg: string }).msg),
      ["first", "second"],
    );
  });

  it("refuses a file it cannot open, naming it", () => {
    const file = join(dir, "missing-dir", "x.log");
    assert.throws(
      () => createLogger({ level: "info", file }),
      (error: unknown) =>
        error instanceof LogFileError && error.message.startsWith(`Cannot open log file '${file}': ENOENT`),
    );
  });

  it("- writes to standard error, empty to standard output", async () => {
    const toStderr = await runSnippet(
      'const { createLogger } = await import(LOGGER); createLogger({ level: "info", file: "-" }).info("to stderr");',
    );
    assert.equal(toStderr.code, 0, toStderr.stderr);
    assert.equal(toStderr.stdout, "");
    assert.equal((JSON.parse(toStderr.stderr.trim()) as { msg: string }).msg, "to stderr");
    const toStdout = await runSnippet(
      'const { createLogger } = await import(LOGGER); createLogger({ level: "info", file: "" }).info("to stdout");',
    );
    assert.equal(toStdout.code, 0, toStdout.stderr);
    assert.equal((JSON.parse(toStdout.stdout.trim()) as { msg: string }).msg, "to stdout");
  });

  it("loses no line when the process exits with process.exit right after logging", async () => {
    const file = join(dir, "exit.log");
    const count = 5000;
    const result = await runSnippet(
      `const { createLogger } = await import(LOGGER);
       const logger = createLogger({ level: "info", file: ${JSON.stringify(file)} });
       for (let i = 0; i < ${count}; i++) logger.info({ i }, "line");
       logger.info("stopped");
       process.exit(0);`,
    );
    assert.equal(result.code, 0, result.stderr);
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    assert.equal(lines.length, count + 1);
    assert.equal((JSON.parse(lines.at(-1) ?? "{}") as { msg: string }).msg, "stopped");
  });

  it("run exits 2 before starting anything when the log file cannot be opened", async () => {
    const errors: string[] = [];
    const io = { out: () => {}, err: (line: string) => errors.push(line), readStdin: async () => "" };
    const config = loadConfig({ overrides: { "log.file": join(dir, "no-such-dir", "vpcrouter.log") } });
    assert.equal(await runDaemonCommand(config, io), 2);
    assert.match(
      errors.join("\n"),
      /^vpcrouter: invalid configuration: log\.file: Cannot open log file '.*vpcrouter\.log': ENOENT/,
    );
  });
});
