/**
 * PluginProbe (plugin/plugin-probe.ts): a health check's probe run behind the daemon's Probe, and
 * FailedProbe. Fake runs; no packets.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import type { HealthVerdict, ProbeRun } from "../../src/plugin/api.js";
import { type PluginFault, PluginFaults } from "../../src/plugin/plugin-faults.js";
import { FailedProbe, PluginProbe } from "../../src/plugin/plugin-probe.js";
import { waitFor } from "../support/wait.js";

const A = "10.0.0.1";
const B = "10.0.0.2";

function recordingFaults(): { faults: PluginFaults; seen: PluginFault[] } {
  const seen: PluginFault[] = [];
  return { faults: new PluginFaults(pino({ level: "silent" }), (fault) => seen.push(fault)), seen };
}

/** A PluginProbe over the run `check` (and `stop`); records the run's calls. */
function probeOf(check: ProbeRun["check"], stop?: () => void | Promise<void>) {
  const { faults, seen } = recordingFaults();
  const calls: { ip: string; timeoutMs: number }[] = [];
  const run: ProbeRun = {
    check: (ip, timeoutMs, signal) => {
      calls.push({ ip, timeoutMs });
      return check(ip, timeoutMs, signal);
    },
    ...(stop ? { stop } : {}),
  };
  return { probe: new PluginProbe("fake-probe", run, faults), faults: seen, calls };
}

describe("PluginProbe", () => {
  it("up: true, with the ip and timeout handed to the check, and no reason", async () => {
    const { probe, calls, faults } = probeOf(async () => ({ up: true }));
    assert.equal(await probe.check(A, 80), true);
    assert.deepEqual(calls, [{ ip: A, timeoutMs: 80 }]);
    assert.equal(probe.reasonOf(A), undefined);
    assert.deepEqual(faults, []);
  });

  it("down with a reason: false, and reasonOf gives it until the router is up again", async () => {
    let verdict: HealthVerdict = { up: false, reason: "instance stopped" };
    const { probe, faults } = probeOf(async () => verdict);
    assert.equal(await probe.check(A, 50), false);
    assert.equal(probe.reasonOf(A), "instance stopped");
    assert.equal(probe.reasonOf(B), undefined);
    verdict = { up: false };
    assert.equal(await probe.check(A, 50), false);
    assert.equal(probe.reasonOf(A), "down");
    verdict = { up: true };
    assert.equal(await probe.check(A, 50), true);
    assert.equal(probe.reasonOf(A), undefined);
    assert.deepEqual(faults, [], "a router down is no fault of the plugin");
  });

  const misbehaving: [string, ProbeRun["check"], RegExp][] = [
    [
      "throws",
      () => {
        throw new TypeError("x is undefined");
      },
      /^TypeError: x is undefined$/,
    ],
    ["rejects", () => Promise.reject(new Error("refused")), /^Error: refused$/],
    [
      "answers undefined",
      async () => undefined as unknown as HealthVerdict,
      /^answered undefined, not \{ up: boolean \}$/,
    ],
    [
      "answers {up: 'yes'}",
      async () => ({ up: "yes" }) as unknown as HealthVerdict,
      /^answered \{"up":"yes"\}/,
    ],
    ["answers 42", async () => 42 as unknown as HealthVerdict, /^answered 42, not/],
    ["answers null", async () => null as unknown as HealthVerdict, /^answered null, not/],
  ];
  for (const [label, check, message] of misbehaving) {
    it(`a check that ${label}: false and a check fault`, async () => {
      const { probe, faults } = probeOf(check);
      assert.equal(await probe.check(A, 50), false);
      assert.equal(faults.length, 1);
      assert.equal(faults[0]?.plugin, "fake-probe");
      assert.equal(faults[0]?.operation, "check");
      assert.match(faults[0]?.message ?? "", message);
      assert.match(probe.reasonOf(A) ?? "", /^the check failed: /);
    });
  }

  it("a check that hangs: its signal is aborted at timeoutMs, false about 100 ms later, a check fault", async () => {
    let abortedAfter: number | undefined;
    let begun = 0;
    const { probe, faults } = probeOf(
      (_ip, _timeoutMs, signal) =>
        new Promise<HealthVerdict>(() => {
          signal.addEventListener("abort", () => (abortedAfter = performance.now() - begun), { once: true });
        }),
    );
    begun = performance.now();
    const answered = await probe.check(A, 60);
    const took = performance.now() - begun;
    assert.equal(answered, false);
    assert.ok(abortedAfter !== undefined, "the signal was aborted");
    assert.ok(abortedAfter >= 55 && abortedAfter < 300, `aborted after ${abortedAfter} ms`);
    assert.ok(took >= 150 && took < 1000, `answered after ${took} ms`);
    assert.deepEqual(
      faults.map((fault) => fault.message),
      ["no answer within 60 ms"],
    );
  });

  it("a check that rejects once its signal aborted: a plain miss, no fault", async () => {
    const { probe, faults } = probeOf(
      (_ip, _timeoutMs, signal) =>
        new Promise<HealthVerdict>((_, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
        ),
    );
    assert.equal(await probe.check(A, 30), false);
    assert.equal(probe.reasonOf(A), "no answer within 30 ms");
    assert.deepEqual(faults, []);
  });

  it("a check that answers up after its timeout (within the grace) is a miss", async () => {
    const { probe } = probeOf(
      (_ip, timeoutMs) =>
        new Promise<HealthVerdict>((resolve) => setTimeout(() => resolve({ up: true }), timeoutMs + 40)),
    );
    assert.equal(await probe.check(A, 30), false);
  });

  it("a check that answers in time: its signal is not aborted", async () => {
    let signalSeen: AbortSignal | undefined;
    const { probe } = probeOf(async (_ip, _timeoutMs, signal) => {
      signalSeen = signal;
      return { up: true };
    });
    assert.equal(await probe.check(A, 30), true);
    // Observing an absence: longer than the timeout, so that a timer left behind would abort it.
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(signalSeen?.aborted, false);
  });

  it("close() calls stop once; checks after close are false without calling the run", async () => {
    let stops = 0;
    const { probe, calls } = probeOf(
      async () => ({ up: true }),
      () => void stops++,
    );
    probe.close();
    probe.close();
    await waitFor(() => stops === 1, { timeoutMs: 1000 });
    assert.equal(await probe.check(A, 50), false);
    assert.deepEqual(calls, []);
    assert.equal(stops, 1);
  });

  it("stop() awaits the run's stop, once however often it is called", async () => {
    let finish: () => void = () => undefined;
    let stops = 0;
    const { probe } = probeOf(
      async () => ({ up: true }),
      () => {
        stops++;
        return new Promise<void>((resolve) => (finish = resolve));
      },
    );
    let stopped = false;
    const stopping = probe.stop().then(() => (stopped = true));
    assert.equal(probe.stop(), probe.stop());
    await waitFor(() => stops === 1, { timeoutMs: 1000 });
    assert.equal(stopped, false, "still waiting for the run's stop");
    finish();
    await stopping;
    assert.equal(stops, 1);
  });

  it("a stop that throws is a stop fault", async () => {
    const { probe, faults } = probeOf(
      async () => ({ up: true }),
      () => {
        throw new Error("cannot stop");
      },
    );
    probe.close();
    await waitFor(() => faults.length === 1, { timeoutMs: 1000 });
    assert.deepEqual(faults[0], { plugin: "fake-probe", operation: "stop", message: "Error: cannot stop" });
  });

  it("FailedProbe: every check is a miss", async () => {
    const failed = new FailedProbe("broken");
    assert.equal(failed.name, "broken");
    assert.equal(await failed.check(), false);
    failed.close();
  });
});
