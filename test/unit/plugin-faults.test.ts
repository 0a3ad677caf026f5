/**
 * PluginFaults (plugin/plugin-faults.ts): every fault counted, the same one logged at most once
 * per FAULT_LOG_INTERVAL_MS (an injected monotonic clock), and the loggers handed to plugins.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { pino } from "pino";
import {
  FAULT_LOG_INTERVAL_MS,
  type PluginFault,
  PluginFaults,
  type PluginOperation,
} from "../../src/plugin/plugin-faults.js";

interface LogLine {
  level: number;
  msg: string;
  plugin?: string;
  operation?: string;
  repeatedSinceLastLog?: number;
  [field: string]: unknown;
}

const ERROR = 50;
const WARN = 40;

/** PluginFaults over a pino logger writing to memory, with a clock the test moves. */
function faultsUnderTest(count?: (fault: PluginFault) => void) {
  const lines: LogLine[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const counted: PluginFault[] = [];
  const clock = { now: 1_000 };
  const faults = new PluginFaults(logger, count ?? ((fault) => counted.push(fault)), () => clock.now);
  return { faults, lines, counted, clock };
}

describe("PluginFaults.report", () => {
  it("counts a fault and logs it as an error with the plugin and the operation", () => {
    const { faults, lines, counted } = faultsUnderTest();
    faults.report("http-json", "check", new TypeError("x is undefined\n    at somewhere"));
    assert.deepEqual(counted, [
      { plugin: "http-json", operation: "check", message: "TypeError: x is undefined" },
    ]);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.level, ERROR);
    assert.equal(lines[0]?.plugin, "http-json");
    assert.equal(lines[0]?.operation, "check");
    assert.equal(lines[0]?.msg, "plugin http-json: check: TypeError: x is undefined");
    assert.equal(lines[0]?.repeatedSinceLastLog, undefined);
  });

  it("describes what is no Error by its text, at most 500 characters", () => {
    const { faults, counted } = faultsUnderTest();
    faults.report("p", "emit", "route spec has 3 problems");
    faults.report("p", "report", 42);
    faults.report("p", "start", undefined);
    faults.report("p", "emit", "x".repeat(2000));
    assert.deepEqual(
      counted.map((fault) => (fault.message.length > 100 ? fault.message.length : fault.message)),
      ["route spec has 3 problems", "42", "undefined", 500],
    );
  });

  it("the same fault within the interval: counted every time, logged once", () => {
    const { faults, lines, counted, clock } = faultsUnderTest();
    for (let i = 0; i < 5; i++) {
      faults.report("p", "check", new Error("timeout"));
      clock.now += 1000;
    }
    assert.equal(counted.length, 5);
    assert.equal(lines.length, 1);
  });

  it("after the interval: logged again, with how often it came since", () => {
    const { faults, lines, clock } = faultsUnderTest();
    faults.report("p", "check", new Error("timeout"));
    clock.now += 10;
    faults.report("p", "check", new Error("timeout"));
    faults.report("p", "check", new Error("timeout"));
    clock.now += FAULT_LOG_INTERVAL_MS - 11;
    faults.report("p", "check", new Error("timeout"));
    assert.equal(lines.length, 1, "just inside the interval");
    clock.now += 1;
    faults.report("p", "check", new Error("timeout"));
    assert.equal(lines.length, 2);
    assert.equal(lines[1]?.repeatedSinceLastLog, 3);
    assert.equal(lines[1]?.msg, "plugin p: check: Error: timeout");
    clock.now += FAULT_LOG_INTERVAL_MS;
    faults.report("p", "check", new Error("timeout"));
    assert.equal(lines.length, 3);
    assert.equal(lines[2]?.repeatedSinceLastLog, undefined, "none came since the last line");
  });

  it("another plugin, operation or message is another fault, logged at once", () => {
    const { faults, lines } = faultsUnderTest();
    faults.report("p", "check", "a");
    faults.report("q", "check", "a");
    faults.report("p", "start", "a");
    faults.report("p", "check", "b");
    faults.report("p", "check", "a");
    assert.deepEqual(
      lines.map((line) => line.msg),
      ["plugin p: check: a", "plugin q: check: a", "plugin p: start: a", "plugin p: check: b"],
    );
  });

  it("a count that throws: the fault is still logged, and report does not throw", () => {
    const { faults, lines } = faultsUnderTest(() => {
      throw new Error("metrics down");
    });
    faults.report("p", "stop", "stuck");
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.msg, "plugin p: stop: stuck");
  });

  it("property: every report is counted; a line is logged exactly when the last line of that fault is an interval old", () => {
    const operations: PluginOperation[] = ["start", "check", "emit"];
    const event = fc.record({
      plugin: fc.constantFrom("a", "b"),
      operation: fc.constantFrom(...operations),
      message: fc.constantFrom("x", "y"),
      advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 * FAULT_LOG_INTERVAL_MS })),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        const { faults, lines, counted, clock } = faultsUnderTest();
        const model = new Map<string, { at: number; since: number }>();
        const expected: { msg: string; repeated: number | undefined }[] = [];
        for (const { plugin, operation, message, advanceMs } of events) {
          clock.now += advanceMs;
          faults.report(plugin, operation, message);
          const key = `${plugin}/${operation}/${message}`;
          const last = model.get(key);
          if (last !== undefined && clock.now - last.at < FAULT_LOG_INTERVAL_MS) last.since++;
          else {
            expected.push({
              msg: `plugin ${plugin}: ${operation}: ${message}`,
              repeated: last !== undefined && last.since > 0 ? last.since : undefined,
            });
            model.set(key, { at: clock.now, since: 0 });
          }
        }
        assert.equal(counted.length, events.length);
        assert.deepEqual(
          lines.map((line) => ({ msg: line.msg, repeated: line.repeatedSinceLastLog })),
          expected,
        );
      }),
    );
  });
});

describe("PluginFaults.loggerFor", () => {
  it("every line carries plugin: <name>, with the plugin's fields, at its level", () => {
    const { faults, lines, counted } = faultsUnderTest();
    const logger = faults.loggerFor("http-json");
    logger.debug("polling", { url: "http://x/" });
    logger.info("spec changed");
    logger.warn("slow answer", { ms: 900 });
    assert.deepEqual(
      lines.map((line) => [line.level, line.plugin, line.msg]),
      [
        [20, "http-json", "polling"],
        [30, "http-json", "spec changed"],
        [WARN, "http-json", "slow answer"],
      ],
    );
    assert.equal(lines[0]?.url, "http://x/");
    assert.equal(lines[2]?.ms, 900);
    assert.deepEqual(counted, [], "only errors are faults");
  });

  it("an error line is logged and counted as a logged fault of the plugin", () => {
    const { faults, lines, counted } = faultsUnderTest();
    const logger = faults.loggerFor("http-json");
    logger.error("GET failed", { status: 503 });
    logger.error("GET failed", { status: 503 });
    assert.deepEqual(counted, [
      { plugin: "http-json", operation: "logged", message: "GET failed" },
      { plugin: "http-json", operation: "logged", message: "GET failed" },
    ]);
    assert.equal(lines.length, 2);
    assert.ok(
      lines.every((line) => line.level === ERROR && line.plugin === "http-json" && line.status === 503),
    );
  });

  it("a field named plugin cannot hide whose line it is", () => {
    const { faults, lines } = faultsUnderTest();
    faults.loggerFor("real").info("hello", { plugin: "impostor" });
    const raw = JSON.stringify(lines[0]);
    assert.ok(raw.includes('"plugin":"real"'), raw);
  });

  it("a message that is no string is logged as text; a count that throws does not reach the plugin", () => {
    const { faults, lines } = faultsUnderTest(() => {
      throw new Error("metrics down");
    });
    const logger = faults.loggerFor("p");
    logger.error(404 as unknown as string);
    assert.equal(lines[0]?.msg, "404");
  });
});
