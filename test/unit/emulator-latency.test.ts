/** The EC2 emulator's latency settings: fixed, or log-normal from a median and a 99th percentile. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseFaultRequest } from "../support/ec2-emulator/control.js";
import { sampleLatency } from "../support/ec2-emulator/faults.js";

/** A seeded uniform generator (a linear congruential one), so the figures are the same each run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe("emulator latency", () => {
  it("a number is a fixed latency", () => {
    assert.equal(sampleLatency(100), 100);
  });

  it("{medianMs, p99Ms} samples a log-normal distribution with that median and 99th percentile", () => {
    const random = seeded(42);
    const samples = Array.from({ length: 20_000 }, () =>
      sampleLatency({ medianMs: 60, p99Ms: 240 }, random),
    ).sort((a, b) => a - b);
    const at = (q: number) => samples[Math.floor(q * samples.length)] as number;
    assert.ok(Math.abs(at(0.5) - 60) < 3, `median ${at(0.5)}`);
    assert.ok(Math.abs(at(0.99) - 240) < 25, `p99 ${at(0.99)}`);
    assert.ok((samples[0] as number) > 0);
  });

  it("the control endpoint accepts both forms and refuses others", () => {
    assert.deepEqual(
      parseFaultRequest({ latencyMs: { "*": 5, ReplaceRoute: { medianMs: 50, p99Ms: 200 } } }).settings,
      {
        latencyMs: { "*": 5, ReplaceRoute: { medianMs: 50, p99Ms: 200 } },
      },
    );
    assert.throws(
      () => parseFaultRequest({ latencyMs: { "*": { medianMs: 50, p99Ms: 10 } } }),
      /medianMs, p99Ms/,
    );
    assert.throws(() => parseFaultRequest({ latencyMs: { "*": -1 } }), /number ≥ 0/);
  });
});
