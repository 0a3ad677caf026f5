/**
 * PluginSpecSource (plugin/plugin-spec-source.ts): a spec-source plugin behind the daemon's
 * SpecSource. Fake plugins, no files, no network.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import type { PluginRun, SpecSourceContext, SpecSourcePlugin } from "../../src/plugin/api.js";
import { type PluginFault, PluginFaults } from "../../src/plugin/plugin-faults.js";
import { PluginSpecSource } from "../../src/plugin/plugin-spec-source.js";
import { PLUGIN_STOP_TIMEOUT_MS } from "../../src/plugin/stop-run.js";
import type { SpecReading } from "../../src/spec-source/spec-source.js";
import { waitFor } from "../support/wait.js";

const SPEC = { "10.1.0.0/16": ["10.0.0.1", "10.0.0.2"] };
const OTHER = { "10.2.0.0/16": ["10.0.0.3"] };

/** A started source over a fake plugin whose start is `start`, with what it got and what it did. */
function started(
  start: (context: SpecSourceContext) => ReturnType<SpecSourcePlugin["start"]> = () => undefined,
  maxRoutes = 10,
) {
  const faults: PluginFault[] = [];
  const readings: SpecReading[] = [];
  let context: SpecSourceContext | undefined;
  const plugin: SpecSourcePlugin = {
    apiVersion: 1,
    kind: "spec-source",
    name: "fake-source",
    description: "a fake",
    start: (given) => {
      context = given;
      return start(given);
    },
  };
  const source = PluginSpecSource.start(plugin, {
    options: { url: "http://example.test/" },
    maxRoutes,
    faults: new PluginFaults(pino({ level: "silent" }), (fault) => faults.push(fault)),
  });
  source.onChange((reading) => readings.push(reading));
  if (context === undefined) assert.fail("start was not called synchronously");
  return { source, context, faults, readings };
}

function problemsOf(reading: SpecReading): string[] {
  return reading.result.ok ? [] : reading.result.problems.map((problem) => problem.message);
}

describe("PluginSpecSource: readings", () => {
  it("starts the plugin with its options, a logger and a live signal; no spec yet is pending", () => {
    const { source, context } = started();
    assert.deepEqual(context.options, { url: "http://example.test/" });
    assert.equal(context.signal.aborted, false);
    assert.equal(source.latest.pending, true);
    assert.equal(source.latest.result.ok, false);
    assert.equal(source.latest.origin, "spec source fake-source");
  });

  it("a spec emitted within start is the first reading", () => {
    const { source } = started(({ emit }) => {
      emit(SPEC);
      return undefined;
    });
    assert.equal(source.latest.pending, undefined);
    assert.ok(source.latest.result.ok);
    assert.deepEqual(source.latest.result.spec, SPEC);
  });

  it("a valid spec emitted later is an ok reading and one change event", () => {
    const { source, context, readings, faults } = started();
    context.emit(SPEC);
    assert.equal(readings.length, 1);
    assert.equal(readings[0], source.latest);
    assert.ok(source.latest.result.ok);
    assert.deepEqual(source.latest.result.spec, SPEC);
    assert.deepEqual(faults, []);
  });

  for (const [label, garbage, problem] of [
    ["a string", "10.1.0.0/16 -> 10.0.0.1", /must be a JSON object/],
    ["an array", [SPEC], /must be a JSON object/],
    ["null", null, /must be a JSON object/],
    ["a spec with a bad CIDR", { "10.1.0.0/33": ["10.0.0.1"] }, /./],
    ["a spec with a bad router IP", { "10.1.0.0/16": ["router-1"] }, /./],
    [
      "a spec with too many routes",
      { "10.1.0.0/16": ["10.0.0.1"], "10.2.0.0/16": ["10.0.0.1"] },
      /more than the limit of 1/,
    ],
  ] as const) {
    it(`emitting ${label} is a failed reading and an emit fault`, () => {
      const { source, context, readings, faults } = started(() => undefined, 1);
      context.emit(garbage);
      assert.equal(readings.length, 1);
      assert.equal(source.latest.result.ok, false);
      assert.match(problemsOf(source.latest).join("; "), problem);
      assert.equal(faults.length, 1);
      assert.equal(faults[0]?.plugin, "fake-source");
      assert.equal(faults[0]?.operation, "emit");
      assert.match(faults[0]?.message ?? "", problem);
    });
  }

  it("garbage after a good spec: a failed reading (the publisher keeps the last good spec)", () => {
    const { source, context, readings } = started();
    context.emit(SPEC);
    context.emit(42);
    assert.equal(readings.length, 2);
    assert.equal(source.latest.result.ok, false);
  });

  it("the same spec twice is one change event, in whatever member order", () => {
    const { context, readings } = started();
    context.emit(SPEC);
    context.emit(structuredClone(SPEC));
    context.emit({ "10.9.0.0/16": ["10.0.0.9"], ...SPEC });
    context.emit({ ...SPEC, "10.9.0.0/16": ["10.0.0.9"] });
    assert.equal(readings.length, 2);
  });

  it("another spec is another event; the routers' order counts", () => {
    const { context, readings } = started();
    context.emit(SPEC);
    context.emit(OTHER);
    context.emit({ "10.1.0.0/16": ["10.0.0.2", "10.0.0.1"] });
    assert.equal(readings.length, 3);
  });

  it('fail("x") is a failed reading saying x; the same fail twice is one event', () => {
    const { source, context, readings, faults } = started();
    context.emit(SPEC);
    context.fail("GET http://example.test/: 503");
    context.fail("GET http://example.test/: 503");
    assert.equal(readings.length, 2);
    assert.deepEqual(problemsOf(source.latest), ["GET http://example.test/: 503"]);
    context.fail("GET http://example.test/: 504");
    assert.equal(readings.length, 3);
    assert.deepEqual(faults, [], "a failure the plugin reports is no fault of it");
  });

  it("fail with no string: its text", () => {
    const { source, context } = started();
    (context.fail as (why: unknown) => void)(404);
    assert.deepEqual(problemsOf(source.latest), ["404"]);
  });

  it("a spec emitted after a fail clears it, even the spec from before", () => {
    const { source, context, readings } = started();
    context.emit(SPEC);
    context.fail("down");
    context.emit(SPEC);
    assert.equal(readings.length, 3);
    assert.ok(source.latest.result.ok);
  });

  it("fail before any spec replaces the pending reading", () => {
    const { source, context, readings } = started();
    context.fail("not yet");
    assert.equal(readings.length, 1);
    assert.equal(source.latest.pending, undefined);
    assert.deepEqual(problemsOf(source.latest), ["not yet"]);
  });

  it("a listener removed hears nothing; a listener that throws does not stop the others", async () => {
    const { source, context, readings } = started();
    const removed: SpecReading[] = [];
    source.onChange((reading) => removed.push(reading))();
    source.onChange(() => {
      throw new Error("listener exploded");
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      context.emit(SPEC);
      const after: SpecReading[] = [];
      source.onChange((reading) => after.push(reading));
      context.emit(OTHER);
      assert.equal(readings.length, 2);
      assert.equal(after.length, 1);
      assert.deepEqual(removed, []);
      await waitFor(() => warnings.some((w) => w.message === "listener exploded"), { timeoutMs: 2000 });
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("the plugin's logger counts an error line as a logged fault", () => {
    const { context, faults } = started();
    context.logger.info("fine");
    context.logger.error("upstream refused", { status: 500 });
    assert.deepEqual(faults, [{ plugin: "fake-source", operation: "logged", message: "upstream refused" }]);
  });
});

describe("PluginSpecSource: start failures", () => {
  for (const [label, start] of [
    [
      "throws synchronously",
      () => {
        throw new Error("cannot connect");
      },
    ],
    ["rejects", () => Promise.reject(new Error("cannot connect"))],
  ] as const) {
    it(`a start that ${label}: a failed reading and a start fault`, async () => {
      const { source, faults, readings } = started(start);
      await waitFor(() => readings.length === 1, { timeoutMs: 2000 });
      assert.deepEqual(problemsOf(source.latest), ["the plugin failed to start: cannot connect"]);
      assert.equal(source.latest.pending, undefined);
      assert.deepEqual(faults, [
        { plugin: "fake-source", operation: "start", message: "Error: cannot connect" },
      ]);
      await source.close();
    });
  }

  it("a start that rejects with no Error: its text", async () => {
    const { source, faults } = started(() => Promise.reject("nope"));
    await waitFor(() => faults.length === 1, { timeoutMs: 2000 });
    assert.deepEqual(problemsOf(source.latest), ["the plugin failed to start: nope"]);
  });

  it("a spec emitted within a start that then throws: the failure is the last word", async () => {
    const { source, readings } = started(({ emit }) => {
      emit(SPEC);
      throw new Error("half started");
    });
    await waitFor(() => readings.length === 1, { timeoutMs: 2000 });
    assert.deepEqual(problemsOf(source.latest), ["the plugin failed to start: half started"]);
  });
});

describe("PluginSpecSource: close", () => {
  it("aborts the signal, calls stop once, and ignores later emits and fails", async () => {
    let stops = 0;
    const { source, context, readings } = started(async () => ({ stop: () => void stops++ }));
    context.emit(SPEC);
    const closing = source.close();
    assert.equal(context.signal.aborted, true, "aborted at once");
    assert.equal(source.close(), closing, "idempotent");
    await closing;
    assert.equal(stops, 1);
    context.emit(OTHER);
    context.fail("after close");
    assert.equal(readings.length, 1);
    assert.ok(source.latest.result.ok);
    assert.deepEqual(source.latest.result.spec, SPEC);
  });

  it("a start that finishes while close waits for it: its run is stopped", async () => {
    let finish: (run: PluginRun) => void = () => undefined;
    const { source, context } = started(() => new Promise<PluginRun>((resolve) => (finish = resolve)));
    let stops = 0;
    const closing = source.close();
    assert.equal(context.signal.aborted, true);
    finish({ stop: () => void stops++ });
    await closing;
    assert.equal(stops, 1);
  });

  it("a start that returns no run, or a run without stop: close just finishes", async () => {
    for (const run of [undefined, {}, Promise.resolve(undefined)]) {
      const { source } = started(() => run as PluginRun | undefined);
      await source.close();
    }
  });

  it("a stop that throws: a stop fault, close still finishes", async () => {
    const { source, faults } = started(() => ({
      stop: () => {
        throw new Error("stuck");
      },
    }));
    await source.close();
    assert.deepEqual(faults, [{ plugin: "fake-source", operation: "stop", message: "Error: stuck" }]);
  });

  it("a start that failed: close finishes without stop", async () => {
    const { source, faults } = started(() => Promise.reject(new Error("no")));
    await source.close();
    await waitFor(() => faults.length === 1, { timeoutMs: 2000 });
    assert.equal(faults[0]?.operation, "start");
  });

  // Both wait for the stop timeout: run side by side.
  describe("bounded by the stop timeout", { concurrency: true }, () => {
    it("a stop that hangs: close finishes after the stop timeout, with a stop fault", async () => {
      const { source, faults } = started(() => ({ stop: () => new Promise<void>(() => undefined) }));
      const begun = performance.now();
      await source.close();
      const took = performance.now() - begun;
      assert.ok(took >= PLUGIN_STOP_TIMEOUT_MS - 50, `took ${took} ms`);
      assert.ok(took < PLUGIN_STOP_TIMEOUT_MS + 2000, `took ${took} ms`);
      assert.deepEqual(faults, [
        {
          plugin: "fake-source",
          operation: "stop",
          message: `Error: stop did not finish within ${PLUGIN_STOP_TIMEOUT_MS} ms`,
        },
      ]);
    });

    it("a start that never settles: close still finishes within the stop timeout", async () => {
      const { source } = started(() => new Promise<PluginRun>(() => undefined));
      const outcome = await Promise.race([
        source.close().then(() => "closed"),
        new Promise((resolve) => setTimeout(resolve, PLUGIN_STOP_TIMEOUT_MS + 1000, "hung")),
      ]);
      assert.equal(outcome, "closed");
    });

    it("a start that finishes after close gave up on it: its run is stopped then", async () => {
      let finish: (run: PluginRun) => void = () => undefined;
      const { source } = started(() => new Promise<PluginRun>((resolve) => (finish = resolve)));
      await source.close();
      let stops = 0;
      finish({ stop: () => void stops++ });
      await waitFor(() => stops === 1, { timeoutMs: 2000, message: "the late run was never stopped" });
    });
  });
});
