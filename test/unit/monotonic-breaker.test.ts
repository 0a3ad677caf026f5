/**
 * Circuit breakers on the monotonic clock: ours per EC2 action and the one per etcd host handed to
 * etcd3. cockatiel 3.2's breaker times its half-open wait with Date.now(), so a wall-clock step back
 * kept an open breaker open for the length of the step.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BrokenCircuitError, CircuitState } from "cockatiel";
import { createEtcdClient } from "../../src/cluster/etcd-client.js";
import { MonotonicCircuitBreaker } from "../../src/lib/monotonic-breaker.js";
import { createEc2Policy } from "../../src/vpc/ec2-policy.js";
import { waitFor } from "../support/wait.js";

class Outage extends Error {}
const fail = () => Promise.reject(new Outage("down"));

function breaker(now: () => number) {
  return new MonotonicCircuitBreaker({
    isFailure: (e) => e instanceof Outage,
    threshold: 2,
    halfOpenAfterMs: 1000,
    now,
  });
}

describe("MonotonicCircuitBreaker", () => {
  it("opens after `threshold` failures in a row, refuses until the wait has passed, then lets one trial through", async () => {
    let now = 0;
    const b = breaker(() => now);
    await assert.rejects(b.execute(fail), Outage);
    await assert.rejects(b.execute(fail), Outage);
    assert.equal(b.state, CircuitState.Open);
    now = 999;
    await assert.rejects(
      b.execute(async () => "x"),
      BrokenCircuitError,
    );
    now = 1000;
    assert.equal(await b.execute(async () => "x"), "x");
    assert.equal(b.state, CircuitState.Closed);
  });

  it("a success resets the count; errors that are no failure neither count nor reset", async () => {
    const b = breaker(() => 0);
    await assert.rejects(b.execute(fail), Outage);
    await b.execute(async () => undefined);
    await assert.rejects(b.execute(fail), Outage);
    await assert.rejects(
      b.execute(() => Promise.reject(new TypeError("bug"))),
      TypeError,
    );
    assert.equal(b.state, CircuitState.Closed, "one failure since the success");
    await assert.rejects(b.execute(fail), Outage);
    assert.equal(b.state, CircuitState.Open);
  });

  it("a failed trial opens it again for a new wait; calls during the trial wait for it", async () => {
    let now = 0;
    const b = breaker(() => now);
    await assert.rejects(b.execute(fail), Outage);
    await assert.rejects(b.execute(fail), Outage);
    now = 1000;
    let release: () => void = () => undefined;
    const trial = b.execute(
      () => new Promise<never>((_, reject) => (release = () => reject(new Outage("still")))),
    );
    assert.equal(b.state, CircuitState.HalfOpen);
    const waiting = b.execute(async () => "after");
    release();
    await assert.rejects(trial, Outage);
    await assert.rejects(
      waiting,
      BrokenCircuitError,
      "the trial failed: open again, the waiting call refused",
    );
    now = 1999;
    await assert.rejects(
      b.execute(async () => "x"),
      BrokenCircuitError,
    );
  });

  it("ignores the wall clock: an EC2 breaker opened before a clock step back of an hour still half-opens on time", async (t) => {
    t.mock.timers.enable({ apis: ["Date"], now: Date.UTC(2026, 11, 1) });
    const policy = createEc2Policy({
      callTimeoutMs: 1000,
      maxRetries: 0,
      initialBackoffMs: 1,
      maxBackoffMs: 1,
      breakerThreshold: 1,
      breakerHalfOpenAfterMs: 100,
    });
    const unavailable = () =>
      Promise.reject(
        Object.assign(new Error("Unavailable"), { name: "Unavailable", $metadata: { httpStatusCode: 503 } }),
      );
    await assert.rejects(policy.execute("ReplaceRoute", unavailable));
    assert.equal(policy.breakerStates().ReplaceRoute, "open");
    t.mock.timers.setTime(Date.now() - 3_600_000); // NTP steps the clock back an hour
    await waitFor(
      async () => (await policy.execute("ReplaceRoute", async () => "ok").catch(() => "refused")) === "ok",
      { timeoutMs: 2000, message: "the breaker stayed open after the clock stepped back" },
    );
    assert.equal(policy.breakerStates().ReplaceRoute, "closed");
  });

  it("is the per-host breaker the etcd client hands to etcd3", () => {
    const client = createEtcdClient({
      endpoints: ["127.0.0.1:1", "127.0.0.1:2"],
      username: "",
      password: "",
      passwordFile: "",
      caFile: "",
      certFile: "",
      keyFile: "",
      callTimeoutMs: 1000,
    });
    try {
      // etcd3 keeps each host's policy on its connection pool (lib/connection-pool.js `Host`).
      const hosts = (client as unknown as { pool: { hosts: { faultHandling: unknown }[] } }).pool.hosts;
      assert.equal(hosts.length, 2);
      for (const host of hosts) assert.ok(host.faultHandling instanceof MonotonicCircuitBreaker);
    } finally {
      client.close();
    }
  });
});
