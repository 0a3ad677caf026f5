/** The EC2 policy: retry only transient errors, per-action breakers, cooperative timeouts. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SpanStatusCode } from "@opentelemetry/api";
import { Ec2CallTimeoutError, Ec2CircuitOpenError } from "../../src/vpc/ec2-errors.js";
import { createEc2Policy, type Ec2PolicyOptions, type Ec2RetryEvent } from "../../src/vpc/ec2-policy.js";
import { captureSpans } from "../support/span-capture.js";
import { waitFor } from "../support/wait.js";

const FAST: Ec2PolicyOptions = {
  callTimeoutMs: 1_000,
  maxRetries: 3,
  initialBackoffMs: 1,
  maxBackoffMs: 5,
  breakerThreshold: 100,
  breakerHalfOpenAfterMs: 60_000,
};

function sdkError(code: string, status: number): Error {
  return Object.assign(new Error(code), { name: code, $metadata: { httpStatusCode: status } });
}

/** A call that fails with `errors` in turn, then returns "ok"; counts its invocations. */
function scripted(errors: Error[]): { fn: (signal: AbortSignal) => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    fn: async () => {
      const error = errors[calls];
      calls += 1;
      if (error) throw error;
      return "ok";
    },
    calls: () => calls,
  };
}

describe("createEc2Policy", () => {
  it("retries throttling and 5xx, then succeeds", async () => {
    const policy = createEc2Policy(FAST);
    const call = scripted([sdkError("RequestLimitExceeded", 503), sdkError("InternalError", 500)]);
    const retries: Ec2RetryEvent[] = [];
    policy.onRetry((event) => retries.push(event));
    assert.equal(await policy.execute("CreateRoute", call.fn), "ok");
    assert.equal(call.calls(), 3);
    assert.deepEqual(
      retries.map((r) => [r.action, r.attempt, r.errorCode]),
      [
        ["CreateRoute", 1, "RequestLimitExceeded"],
        ["CreateRoute", 2, "InternalError"],
      ],
    );
  });

  it("traces each call as one span, retries counted, a failure's code and status recorded", async () => {
    const { exporter, telemetry } = captureSpans();
    try {
      const policy = createEc2Policy(FAST);
      const throttledOnce = scripted([sdkError("RequestLimitExceeded", 503)]);
      await policy.execute("ReplaceRoute", throttledOnce.fn);
      const refused = scripted([sdkError("InvalidRouteTableID.NotFound", 400)]);
      await assert.rejects(policy.execute("CreateRoute", refused.fn));
      const [ok, failed] = exporter.getFinishedSpans();
      assert.equal(ok?.name, "EC2/ReplaceRoute");
      assert.deepEqual(
        [
          ok?.attributes["rpc.system"],
          ok?.attributes["rpc.method"],
          ok?.attributes["vpcrouter.ec2.attempts"],
        ],
        ["aws-api", "ReplaceRoute", 2],
      );
      assert.equal(ok?.attributes["vpcrouter.ec2.throttled"], 1);
      assert.equal(ok?.status.code, SpanStatusCode.UNSET);
      assert.equal(failed?.name, "EC2/CreateRoute");
      assert.equal(failed?.status.code, SpanStatusCode.ERROR);
      assert.equal(failed?.attributes["aws.ec2.error_code"], "InvalidRouteTableID.NotFound");
    } finally {
      await telemetry.shutdown();
    }
  });

  it("gives up after maxRetries retries with the last error", async () => {
    const policy = createEc2Policy({ ...FAST, maxRetries: 2 });
    const call = scripted(Array.from({ length: 10 }, () => sdkError("RequestLimitExceeded", 503)));
    await assert.rejects(policy.execute("ReplaceRoute", call.fn), { name: "RequestLimitExceeded" });
    assert.equal(call.calls(), 3, "one call and two retries");
  });

  it("does not retry client errors", async () => {
    const policy = createEc2Policy(FAST);
    const call = scripted([sdkError("RouteAlreadyExists", 400)]);
    await assert.rejects(policy.execute("CreateRoute", call.fn), { name: "RouteAlreadyExists" });
    assert.equal(call.calls(), 1);
  });

  it("opens the action's breaker after the threshold and then fails fast without calling", async () => {
    const policy = createEc2Policy({ ...FAST, maxRetries: 0, breakerThreshold: 3 });
    const states: string[] = [];
    policy.onBreakerStateChange((action, state) => states.push(`${action}:${state}`));
    const call = scripted(Array.from({ length: 10 }, () => sdkError("InternalError", 500)));
    for (let i = 0; i < 3; i++)
      await assert.rejects(policy.execute("DeleteRoute", call.fn), { name: "InternalError" });
    assert.equal(policy.breakerStates().DeleteRoute, "open");
    await assert.rejects(policy.execute("DeleteRoute", call.fn), (error: unknown) => {
      assert.ok(error instanceof Ec2CircuitOpenError);
      assert.equal(error.action, "DeleteRoute");
      return true;
    });
    assert.equal(call.calls(), 3, "the open breaker did not call");
    assert.deepEqual(states, ["DeleteRoute:open"]);
    const other = scripted([]);
    assert.equal(await policy.execute("CreateRoute", other.fn), "ok", "other actions have their own breaker");
    assert.equal(policy.breakerStates().CreateRoute, "closed");
  });

  it("an open breaker stops retries at once", async () => {
    const policy = createEc2Policy({ ...FAST, maxRetries: 10, breakerThreshold: 2 });
    const call = scripted(Array.from({ length: 20 }, () => sdkError("Unavailable", 503)));
    await assert.rejects(policy.execute("CreateRoute", call.fn), Ec2CircuitOpenError);
    assert.equal(call.calls(), 2);
  });

  it("client errors neither open nor reset the breaker", async () => {
    const policy = createEc2Policy({ ...FAST, maxRetries: 0, breakerThreshold: 2 });
    await assert.rejects(policy.execute("CreateRoute", scripted([sdkError("InternalError", 500)]).fn));
    for (let i = 0; i < 5; i++) {
      await assert.rejects(policy.execute("CreateRoute", scripted([sdkError("RouteAlreadyExists", 400)]).fn));
    }
    assert.equal(policy.breakerStates().CreateRoute, "closed");
    await assert.rejects(policy.execute("CreateRoute", scripted([sdkError("InternalError", 500)]).fn));
    assert.equal(
      policy.breakerStates().CreateRoute,
      "open",
      "two transient failures in a row, 4xx in between",
    );
  });

  it("half-opens after breakerHalfOpenAfterMs and closes on a successful test call", async () => {
    const policy = createEc2Policy({
      ...FAST,
      maxRetries: 0,
      breakerThreshold: 1,
      breakerHalfOpenAfterMs: 30,
    });
    await assert.rejects(policy.execute("CreateRoute", scripted([sdkError("InternalError", 500)]).fn));
    const openedAt = Date.now();
    assert.equal(policy.breakerStates().CreateRoute, "open");
    await waitFor(() => Date.now() - openedAt > 40, { timeoutMs: 2_000 });
    assert.equal(await policy.execute("CreateRoute", scripted([]).fn), "ok");
    assert.equal(policy.breakerStates().CreateRoute, "closed");
  });

  it("times out a call by aborting its signal, and retries the timeout", async () => {
    const policy = createEc2Policy({ ...FAST, callTimeoutMs: 20, maxRetries: 1 });
    let calls = 0;
    const hangs = (signal: AbortSignal) =>
      new Promise<string>((_, reject) => {
        calls += 1;
        signal.addEventListener("abort", () =>
          reject(Object.assign(new Error("aborted"), { name: "AbortError" })),
        );
      });
    await assert.rejects(policy.execute("DescribeRouteTables", hangs), (error: unknown) => {
      assert.ok(error instanceof Ec2CallTimeoutError);
      assert.equal(error.timeoutMs, 20);
      return true;
    });
    assert.equal(calls, 2);
  });

  it("rejects nonsensical options", () => {
    assert.throws(() => createEc2Policy({ ...FAST, callTimeoutMs: 0 }), RangeError);
    assert.throws(() => createEc2Policy({ ...FAST, maxRetries: -1 }), RangeError);
    assert.throws(() => createEc2Policy({ ...FAST, breakerThreshold: Number.NaN }), RangeError);
  });
});
