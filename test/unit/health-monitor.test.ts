import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { HealthMonitor, type HealthMonitorOptions } from "../../src/probe/health-monitor.js";
import type { Probe } from "../../src/probe/probe.js";
import { waitFor } from "../support/wait.js";

/**
 * A scripted probe: each host answers from its script in order, repeating the script's last entry
 * (or cycling, for flapping hosts). Records every call. No packets are sent.
 */
class FakeProbe implements Probe {
  readonly name = "fake";
  readonly calls: { ip: string; at: number }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly scripts = new Map<string, { answers: readonly (boolean | "throw")[]; cycle: boolean }>();
  private readonly served = new Map<string, number>();

  /** @param durationMs how long the n-th check of a host takes (n counts from 0), ms */
  constructor(private readonly durationMs: number | ((n: number) => number) = 0) {}

  script(ip: string, answers: readonly (boolean | "throw")[], cycle = false): this {
    this.scripts.set(ip, { answers, cycle });
    return this;
  }

  callsFor(ip: string): number {
    return this.calls.filter((c) => c.ip === ip).length;
  }

  async check(ip: string, _timeoutMs: number): Promise<boolean> {
    this.calls.push({ ip, at: performance.now() });
    const n = this.served.get(ip) ?? 0;
    this.served.set(ip, n + 1);
    const script = this.scripts.get(ip) ?? { answers: [true], cycle: false };
    const index = script.cycle ? n % script.answers.length : Math.min(n, script.answers.length - 1);
    const answer = script.answers[index];
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const ms = typeof this.durationMs === "number" ? this.durationMs : this.durationMs(n);
      if (ms > 0) await delay(ms);
      if (answer === "throw") throw new Error("probe exploded");
      return answer ?? true;
    } finally {
      this.inFlight--;
    }
  }

  close(): void {}
}

/** Records change events together with how many checks each host had had at that moment. */
function recordChanges(monitor: HealthMonitor, probe: FakeProbe, ips: readonly string[]) {
  const events: { failed: string[]; callsAt: Record<string, number> }[] = [];
  monitor.on("change", (failed: ReadonlySet<string>) => {
    const callsAt: Record<string, number> = {};
    for (const ip of ips) callsAt[ip] = probe.callsFor(ip);
    events.push({ failed: [...failed].sort(), callsAt });
  });
  return events;
}

const monitors: HealthMonitor[] = [];
function monitor(options: Partial<HealthMonitorOptions> & { probe: Probe }): HealthMonitor {
  const m = new HealthMonitor({ intervalMs: 20, timeoutMs: 100, fall: 3, rise: 2, ...options });
  monitors.push(m);
  return m;
}

afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.stop()));
});

const A = "10.0.0.1";
const B = "10.0.0.2";
const C = "10.0.0.3";

describe("HealthMonitor", () => {
  it("marks a host failed after exactly `fall` consecutive misses", async () => {
    const probe = new FakeProbe().script(A, [false]);
    const m = monitor({ probe, fall: 3 });
    const events = recordChanges(m, probe, [A, B]);
    m.setHosts([A, B]);
    m.start();
    await waitFor(() => events.length >= 1, { timeoutMs: 2000, message: "no change event" });
    assert.deepEqual(events[0], { failed: [A], callsAt: { [A]: 3, [B]: 3 } });
    assert.deepEqual([...m.failed()], [A]);
    const a = m.snapshot().get(A);
    assert.equal(a?.healthy, false);
    assert.ok((a?.consecutiveFailures ?? 0) >= 3);
    assert.equal(a?.consecutiveSuccesses, 0);
    assert.equal(m.snapshot().get(B)?.healthy, true);
  });

  it("marks a failed host healthy again after exactly `rise` consecutive successes", async () => {
    const probe = new FakeProbe().script(A, [false, false, true]);
    const m = monitor({ probe, fall: 2, rise: 3 });
    const events = recordChanges(m, probe, [A]);
    m.setHosts([A]);
    m.start();
    await waitFor(() => events.length >= 2, { timeoutMs: 2000, message: "no recovery" });
    assert.deepEqual(events, [
      { failed: [A], callsAt: { [A]: 2 } },
      { failed: [], callsAt: { [A]: 5 } },
    ]);
    const a = m.snapshot().get(A);
    assert.equal(a?.healthy, true);
    assert.equal(typeof a?.lastRttMs, "number");
  });

  it("never changes the state of a flapping host that reaches neither threshold", async () => {
    // A: healthy, misses at most 2 in a row (fall 3). B: fails first, then succeeds at most 2 in a
    // row (rise 3). C: a control that must fail, proving rounds run and events are recorded.
    const probe = new FakeProbe()
      .script(A, [false, false, true], true)
      .script(B, [false, false, false, true, true, false, true, true, false, true, true, false], true)
      .script(C, [false]);
    const m = monitor({ probe, fall: 3, rise: 3 });
    const events = recordChanges(m, probe, [A, B, C]);
    m.setHosts([A, B, C]);
    m.start();
    await waitFor(() => probe.callsFor(A) >= 24, { timeoutMs: 5000, message: "too few rounds" });
    await m.stop();
    assert.deepEqual(
      events.map((e) => e.failed),
      [[B, C]],
    );
    const snapshot = m.snapshot();
    assert.equal(snapshot.get(A)?.healthy, true);
    assert.equal(snapshot.get(B)?.healthy, false);
  });

  it("counts a throwing or rejecting probe as a miss and keeps running", async () => {
    const probe = new FakeProbe().script(A, ["throw"]);
    const m = monitor({ probe, fall: 2 });
    m.setHosts([A]);
    m.start();
    await waitFor(() => m.failed().has(A), { timeoutMs: 2000, message: "A not failed" });
    const calls = probe.callsFor(A);
    await waitFor(() => probe.callsFor(A) >= calls + 3, { timeoutMs: 2000, message: "monitor stopped" });
  });

  it("adds new hosts as healthy and forgets removed ones", async () => {
    const probe = new FakeProbe().script(A, [false]);
    const m = monitor({ probe, fall: 2 });
    const events = recordChanges(m, probe, [A, B]);
    m.setHosts([A]);
    m.start();
    await waitFor(() => m.failed().has(A), { timeoutMs: 2000, message: "A not failed" });

    m.setHosts([A, B]);
    assert.deepEqual(m.snapshot().get(B), { healthy: true, consecutiveFailures: 0, consecutiveSuccesses: 0 });
    await waitFor(() => (m.snapshot().get(B)?.consecutiveSuccesses ?? 0) >= 2, {
      timeoutMs: 2000,
      message: "B not probed",
    });

    const eventsBefore = events.length;
    const callsAtRemoval = probe.callsFor(A);
    m.setHosts([B]);
    // Removing a failed host changes the failed set: reported at once.
    assert.equal(events.length, eventsBefore + 1);
    assert.deepEqual(events.at(-1)?.failed, []);
    assert.deepEqual([...m.snapshot().keys()], [B]);
    const callsB = probe.callsFor(B);
    await waitFor(() => probe.callsFor(B) >= callsB + 3, { timeoutMs: 2000, message: "B not probed" });
    // At most the round already in flight at removal time may still have probed A.
    assert.ok(probe.callsFor(A) <= callsAtRemoval + 1, "removed host still probed");
    assert.equal(m.snapshot().has(A), false);
    assert.deepEqual([...m.failed()], []);

    // Re-added: starts healthy again, without its old history.
    m.setHosts([A, B]);
    assert.deepEqual(m.snapshot().get(A), { healthy: true, consecutiveFailures: 0, consecutiveSuccesses: 0 });
  });

  it("never runs two rounds at once and skips the ticks a slow round missed", async () => {
    // Three slow rounds (70 ms each, 3.5 intervals), then fast ones.
    const probe = new FakeProbe((n) => (n < 3 ? 70 : 0));
    const m = monitor({ probe, intervalMs: 20, timeoutMs: 200 });
    m.setHosts([A, B, C]);
    m.start();
    await waitFor(() => probe.callsFor(A) >= 8, { timeoutMs: 5000, message: "too few rounds" });
    await m.stop();
    // Three hosts probed concurrently within a round, never more.
    assert.equal(probe.maxInFlight, 3);
    const starts = probe.calls.filter((c) => c.ip === A).map((c) => c.at);
    const gaps = starts.slice(1).map((at, i) => at - (starts[i] ?? 0));
    // While slow: the next round starts only when the previous one ended.
    for (const gap of gaps.slice(0, 3))
      assert.ok(gap >= 65, `slow round gaps ${gaps.map((g) => g.toFixed(1))}`);
    // Then the cadence resumes; missed ticks are skipped, not caught up in a burst.
    // (Counted rather than timed gap by gap: rounds start on a 20 ms grid, so a late first timer
    // shortens the measured span by up to one interval, never adds rounds; a catch-up burst of the
    // ticks missed while slow would add several.)
    const fast = starts.slice(3);
    const span = (fast.at(-1) ?? 0) - (fast[0] ?? 0);
    assert.ok(fast.length <= Math.floor((span + 20) / 20) + 1, `round gaps ${gaps.map((g) => g.toFixed(1))}`);
  });

  it("keeps its cadence on absolute deadlines instead of drifting by the round duration", async () => {
    const probe = new FakeProbe(8);
    const m = monitor({ probe, intervalMs: 20 });
    m.setHosts([A]);
    m.start();
    await waitFor(() => probe.callsFor(A) >= 11, { timeoutMs: 5000, message: "too few rounds" });
    await m.stop();
    const starts = probe.calls.map((c) => c.at);
    const tenRounds = (starts[10] ?? 0) - (starts[0] ?? 0);
    // Drift-free: 10 × 20 = 200 ms, less up to one interval when the first timer fired late (a busy
    // machine). Rescheduling 20 ms after each 8 ms round would give ≥ 280 ms.
    assert.ok(tenRounds >= 180 && tenRounds < 250, `10 rounds took ${tenRounds.toFixed(1)} ms`);
  });

  it("stop() waits for the round in flight and nothing is probed afterwards", async () => {
    const probe = new FakeProbe(30).script(A, [false]);
    const m = monitor({ probe, fall: 1 });
    const events = recordChanges(m, probe, [A]);
    m.setHosts([A]);
    m.start();
    await waitFor(() => probe.inFlight > 0, { timeoutMs: 2000, message: "no round started" });
    await m.stop();
    assert.equal(probe.inFlight, 0);
    // The interrupted round's result was discarded.
    assert.deepEqual(events, []);
    const calls = probe.calls.length;
    await delay(60); // a negative check: nothing may happen during three intervals
    assert.equal(probe.calls.length, calls);
  });

  it("records lastCheckAt from the injected clock", async () => {
    const probe = new FakeProbe();
    const m = monitor({ probe, now: () => 1_700_000_000_000 });
    m.setHosts([A]);
    m.start();
    await waitFor(() => m.snapshot().get(A)?.lastCheckAt !== undefined, {
      timeoutMs: 2000,
      message: "no check",
    });
    assert.equal(m.snapshot().get(A)?.lastCheckAt, 1_700_000_000_000);
  });

  it("rejects invalid options", () => {
    const probe = new FakeProbe();
    const base = { intervalMs: 20, timeoutMs: 10, fall: 1, rise: 1, probe };
    assert.throws(() => new HealthMonitor({ ...base, intervalMs: 0 }), RangeError);
    assert.throws(() => new HealthMonitor({ ...base, timeoutMs: -1 }), RangeError);
    assert.throws(() => new HealthMonitor({ ...base, fall: 0 }), RangeError);
    assert.throws(() => new HealthMonitor({ ...base, rise: 1.5 }), RangeError);
  });
});

describe("HealthMonitor fast re-checks (fastinter)", () => {
  it("re-probes a host that missed at the fast interval: failed after `fall` checks within one round", async () => {
    const probe = new FakeProbe().script(A, [false]);
    const m = monitor({ probe, intervalMs: 60_000, fastIntervalMs: 10, fall: 3 });
    const events = recordChanges(m, probe, [A, B]);
    m.setHosts([A, B]);
    m.start();
    await waitFor(() => events.length >= 1, { timeoutMs: 5_000, message: "A never failed" });
    // One round only (B, healthy, was probed once): A's 2nd and 3rd checks were fast ones.
    assert.deepEqual(events[0], { failed: [A], callsAt: { [A]: 3, [B]: 1 } });
  });

  it("stops re-probing as soon as the host answers, and never probes one host twice at once", async () => {
    const probe = new FakeProbe(5).script(A, [false, true]);
    const m = monitor({ probe, intervalMs: 60_000, fastIntervalMs: 10, fall: 3 });
    m.setHosts([A]);
    m.start();
    await waitFor(() => probe.callsFor(A) >= 2, { timeoutMs: 5_000, message: "no fast re-check" });
    const health = m.snapshot().get(A);
    await waitFor(() => m.snapshot().get(A)?.consecutiveSuccesses === 1, {
      timeoutMs: 5_000,
      message: `A's answer was not recorded: ${JSON.stringify(health)}`,
    });
    assert.equal(probe.maxInFlight, 1);
    assert.equal(m.failed().size, 0);
    // Healthy with no miss: no further fast check is scheduled (the next round is a minute away).
    await m.stop();
    assert.equal(probe.callsFor(A), 2);
  });

  it("brings a failed host back after `rise` answers, the first in a round, the others at the fast interval", async () => {
    const probe = new FakeProbe().script(A, [false, true]);
    const m = monitor({ probe, intervalMs: 300, fastIntervalMs: 10, fall: 1, rise: 3 });
    const events = recordChanges(m, probe, [A]);
    m.setHosts([A]);
    m.start();
    await waitFor(() => events.length >= 2, { timeoutMs: 5_000, message: "A never came back" });
    assert.deepEqual(
      events.map((e) => [e.failed, e.callsAt[A]]),
      [
        [[A], 1],
        [[], 4],
      ],
    );
  });

  it("refuses a fast interval that is not > 0", () => {
    const probe = new FakeProbe();
    assert.throws(
      () => new HealthMonitor({ intervalMs: 20, timeoutMs: 10, fall: 1, rise: 1, fastIntervalMs: 0, probe }),
      RangeError,
    );
  });
});
