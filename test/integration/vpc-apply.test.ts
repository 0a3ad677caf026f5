/**
 * The route applier through the real SDK against the EC2 emulator: creates, replaces, deletes,
 * recovery from EC2's "already there / not there" errors, retries through throttling, giving up,
 * the per-action circuit breaker, per-call timeouts, and the leadership guard.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { failureOf } from "../../src/domain/outcome.js";
import type { RouteAction } from "../../src/domain/route-action.js";
import { createEc2Client } from "../../src/vpc/ec2-client.js";
import { createEc2Policy, type Ec2PolicyOptions } from "../../src/vpc/ec2-policy.js";
import { EC2_DEFAULT_RATE_LIMITS, Ec2RateLimiter } from "../../src/vpc/ec2-rate-limits.js";
import { applyActions } from "../../src/vpc/route-applier.js";
import {
  demoRouteTableId,
  demoWorld,
  type Ec2Emulator,
  startEc2Emulator,
  withForeignVpc,
} from "../support/ec2-emulator/index.js";
import { freePort } from "../support/free-port.js";

const RTB = demoRouteTableId(0);
const RTB2 = demoRouteTableId(1);
const ENI_A = "eni-00000000000000001";
const ENI_B = "eni-00000000000000002";
const IP_A = "198.18.2.10";
const IP_B = "198.18.2.20";
const MUTATIONS = new Set(["CreateRoute", "ReplaceRoute", "DeleteRoute"]);

const POLICY: Ec2PolicyOptions = {
  callTimeoutMs: 2_000,
  maxRetries: 3,
  initialBackoffMs: 1,
  maxBackoffMs: 10,
  breakerThreshold: 10,
  breakerHalfOpenAfterMs: 60_000,
};

const allow = { mayMutate: () => true };

type SetAction = Extract<RouteAction, { kind: "create" | "replace" }>;

function create(cidr: string, eni = ENI_B, table = RTB): SetAction {
  return {
    kind: "create",
    routeTableId: table,
    destinationCidrBlock: cidr,
    routerIp: eni === ENI_A ? IP_A : IP_B,
    networkInterfaceId: eni,
    failover: false,
    reason: "test",
  };
}
function replace(cidr: string, eni = ENI_B, table = RTB): SetAction {
  return { ...create(cidr, eni, table), kind: "replace", failover: true };
}
function remove(cidr: string, table = RTB): RouteAction {
  return { kind: "delete", routeTableId: table, destinationCidrBlock: cidr, failover: false, reason: "test" };
}

describe("route applier against the emulator", () => {
  let emulator: Ec2Emulator;
  const clients: EC2Client[] = [];
  let keyCounter = 0;
  /** A client with its own access key id, so its calls can be told apart in the log. */
  const newClient = (endpoint = emulator.url) => {
    const accessKeyId = `AKIDAPPLY${++keyCounter}`;
    const client = createEc2Client({
      region: "us-east-1",
      endpoint,
      credentials: { accessKeyId, secretAccessKey: "not-a-secret" },
    });
    clients.push(client);
    const calls = () =>
      emulator
        .log()
        .filter((entry) => entry.accessKeyId === accessKeyId)
        .map((entry) => [entry.action, entry.status, entry.errorCode]);
    return { client, calls };
  };
  const put = (cidr: string, eni: string, table = RTB) =>
    emulator.mutate({
      op: "put-route",
      routeTableId: table,
      route: { destinationCidrBlock: cidr, networkInterfaceId: eni },
    });
  const target = (cidr: string, table = RTB) => emulator.route(table, cidr)?.networkInterfaceId;

  before(async () => {
    const demo = demoWorld({ routeTableCount: 2, routers: [{ ip: IP_A }, { ip: IP_B }] });
    emulator = await startEc2Emulator({
      world: withForeignVpc(demo),
    });
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await emulator?.close();
  });
  beforeEach(() => emulator.clearFaults());

  it("reads the route again before retrying: one a gateway took over since the plan's read is not replaced", async () => {
    const { client, calls } = newClient();
    put("10.60.9.0/24", ENI_A);
    emulator.injectFault({ action: "ReplaceRoute", count: 1, status: 503, code: "Unavailable" });
    // Between the failed attempt and its retry, an operator points the route at an internet gateway.
    const stop = emulator.onCall((entry) => {
      if (entry.action === "ReplaceRoute" && entry.status === 503)
        emulator.mutate({
          op: "put-route",
          routeTableId: RTB,
          route: { destinationCidrBlock: "10.60.9.0/24", gatewayId: "igw-0operator" },
        });
    });
    try {
      const outcome = await applyActions(client, createEc2Policy(POLICY), [replace("10.60.9.0/24")], allow);
      assert.deepEqual(
        outcome.results.map((r) => [r.ok, failureOf(r)?.code, failureOf(r)?.kind]),
        [[false, "RouteTakenOver", "permanent"]],
      );
    } finally {
      stop();
    }
    assert.equal(emulator.route(RTB, "10.60.9.0/24")?.gatewayId, "igw-0operator", "the gateway route stays");
    assert.deepEqual(calls(), [
      ["ReplaceRoute", 503, "Unavailable"],
      ["DescribeRouteTables", 200, undefined],
    ]);
  });

  it("ends a batch between two actions when pre-empted, without refusing anything", async () => {
    const { client, calls } = newClient();
    let sent = 0;
    const outcome = await applyActions(
      client,
      createEc2Policy(POLICY),
      [create("10.58.1.0/24"), create("10.58.2.0/24"), create("10.58.3.0/24")],
      allow,
      { preempt: () => ++sent > 2 },
    );
    assert.equal(outcome.preempted, true);
    assert.equal(outcome.stoppedByFence, false);
    assert.deepEqual(
      outcome.results.map((r) => [r.action.destinationCidrBlock, r.ok]),
      [
        ["10.58.1.0/24", true],
        ["10.58.2.0/24", true],
      ],
    );
    assert.equal(calls().length, 2);
    assert.equal(target("10.58.3.0/24"), undefined);
  });

  it("checks the fence once more right before the request leaves: a stall after the guard's check sends nothing late", async () => {
    // A stall (GC pause, SIGSTOP, VM steal) after the guard admitted the attempt: here the request
    // is signed with credentials whose lookup blocks the event loop for 400 ms, past the deadline.
    const accessKeyId = "AKIDSTALL";
    const client = createEc2Client({
      region: "us-east-1",
      endpoint: emulator.url,
      credentials: () => {
        const until = performance.now() + 400;
        while (performance.now() < until); // blocks: no timer, no abort signal can fire meanwhile
        return Promise.resolve({ accessKeyId, secretAccessKey: "not-a-secret" });
      },
    });
    clients.push(client);
    put("10.57.1.0/24", ENI_A);
    const deadline = performance.now() + 300;
    const guard = {
      mayMutate: () => performance.now() < deadline,
      remainingMs: () => deadline - performance.now(),
      mayMutateNow: () => performance.now() < deadline,
    };
    const outcome = await applyActions(client, createEc2Policy(POLICY), [replace("10.57.1.0/24")], guard);
    assert.equal(outcome.stoppedByFence, true);
    assert.deepEqual(
      outcome.results.map((r) => failureOf(r)?.kind),
      ["fenced"],
    );
    assert.deepEqual(
      emulator.log().filter((entry) => entry.accessKeyId === accessKeyId),
      [],
      "EC2 never saw the request",
    );
    assert.equal(target("10.57.1.0/24"), ENI_A);
  });

  it("creates, replaces and deletes routes with the ENI as target", async () => {
    const { client, calls } = newClient();
    put("10.60.2.0/24", ENI_A);
    put("10.60.3.0/24", ENI_A, RTB2);
    const outcome = await applyActions(
      client,
      createEc2Policy(POLICY),
      [replace("10.60.2.0/24"), create("10.60.1.0/24"), remove("10.60.3.0/24", RTB2)],
      allow,
    );
    assert.equal(outcome.stoppedByFence, false);
    assert.deepEqual(
      outcome.results.map((r) => [r.action.kind, r.ok, failureOf(r)?.code]),
      [
        ["replace", true, undefined],
        ["create", true, undefined],
        ["delete", true, undefined],
      ],
    );
    assert.ok(outcome.results.every((r) => r.durationMs >= 0));
    assert.equal(target("10.60.1.0/24"), ENI_B);
    assert.equal(target("10.60.2.0/24"), ENI_B);
    assert.equal(emulator.route(RTB2, "10.60.3.0/24"), undefined);
    assert.deepEqual(calls(), [
      ["ReplaceRoute", 200, undefined],
      ["CreateRoute", 200, undefined],
      ["DeleteRoute", 200, undefined],
    ]);
  });

  it("recovers from InvalidParameterValue (missing) and InvalidRoute.NotFound, never blindly replaces on RouteAlreadyExists", async () => {
    const { client, calls } = newClient();
    put("10.61.1.0/24", ENI_A);
    const outcome = await applyActions(
      client,
      createEc2Policy(POLICY),
      [create("10.61.1.0/24"), replace("10.61.2.0/24"), remove("10.61.3.0/24")],
      allow,
    );
    assert.deepEqual(
      outcome.results.map((r) => [r.action.kind, r.ok, failureOf(r)?.code]),
      [
        ["create", false, "RouteAlreadyExists"],
        ["replace", true, undefined],
        ["delete", true, undefined],
      ],
    );
    assert.equal(
      target("10.61.1.0/24"),
      ENI_A,
      "a route that appeared after the read is left for the next reconcile",
    );
    assert.equal(target("10.61.2.0/24"), ENI_B, "the missing route was created");
    assert.deepEqual(calls(), [
      ["CreateRoute", 400, "RouteAlreadyExists"],
      ["ReplaceRoute", 400, "InvalidParameterValue"],
      ["CreateRoute", 200, undefined],
      ["DeleteRoute", 400, "InvalidRoute.NotFound"],
    ]);
  });

  it("reports the original error when the fallback only bounces back, and plain errors as they are", async () => {
    const { client, calls } = newClient();
    put("10.62.1.0/24", ENI_A);
    const outcome = await applyActions(
      client,
      createEc2Policy(POLICY),
      // An ENI of another VPC: ReplaceRoute says InvalidParameterValue, the fallback CreateRoute RouteAlreadyExists.
      [replace("10.62.1.0/24", "eni-0elsewhere"), create("10.62.2.0/24", ENI_B, "rtb-0missing")],
      allow,
    );
    assert.deepEqual(
      outcome.results.map((r) => [r.ok, failureOf(r)?.code]),
      [
        [false, "InvalidParameterValue"],
        [false, "InvalidRouteTableID.NotFound"],
      ],
    );
    assert.match(
      failureOf(outcome.results[0])?.message ?? "",
      /different networks.*RouteAlreadyExists|different networks.*already exists/,
    );
    assert.equal(target("10.62.1.0/24"), ENI_A, "nothing changed");
    assert.deepEqual(calls(), [
      ["ReplaceRoute", 400, "InvalidParameterValue"],
      ["CreateRoute", 400, "RouteAlreadyExists"],
      ["CreateRoute", 400, "InvalidRouteTableID.NotFound"],
    ]);
  });

  it("applies a batch concurrently: 30 replaces at 100 ms per EC2 call take a few round trips, not 30", async () => {
    const { client, calls } = newClient();
    const cidrs = Array.from({ length: 30 }, (_, i) => `10.70.${i}.0/24`);
    for (const cidr of cidrs) put(cidr, ENI_A);
    emulator.setFaults({ latencyMs: { ReplaceRoute: 100 } });
    const started = performance.now();
    const outcome = await applyActions(
      client,
      createEc2Policy(POLICY),
      cidrs.map((cidr) => replace(cidr)),
      allow,
      { concurrency: 100 },
    );
    const tookMs = performance.now() - started;
    assert.deepEqual(
      outcome.results.map((r) => r.action.destinationCidrBlock),
      cidrs,
      "outcomes in the plan's order",
    );
    assert.ok(outcome.results.every((r) => r.ok));
    for (const cidr of cidrs) assert.equal(target(cidr), ENI_B);
    assert.equal(calls().length, 30, "one ReplaceRoute per route, nothing else");
    assert.ok(tookMs < 1_500, `30 × 100 ms calls took ${tookMs.toFixed(0)} ms: not concurrent`);
  });

  it("sends a batch's deletes only after its creates and replaces are answered (deletes last)", async () => {
    const { client } = newClient();
    put("10.72.0.0/24", ENI_A);
    put("10.72.1.0/24", ENI_A);
    emulator.setFaults({ latencyMs: { CreateRoute: 100, ReplaceRoute: 100 } });
    const cursor = emulator.logCursor();
    const outcome = await applyActions(
      client,
      createEc2Policy(POLICY),
      [create("10.72.2.0/23"), replace("10.72.1.0/24"), remove("10.72.0.0/24")],
      allow,
      { concurrency: 100 },
    );
    assert.ok(outcome.results.every((r) => r.ok));
    const calls = emulator.log(cursor);
    const answered = Math.max(
      ...calls.filter((c) => c.action !== "DeleteRoute").map((c) => Date.parse(c.time) + c.durationMs),
    );
    const deleteAt = Date.parse(calls.find((c) => c.action === "DeleteRoute")?.time ?? "");
    assert.ok(
      deleteAt >= answered - 1,
      `the delete arrived ${answered - deleteAt} ms before the others were answered`,
    );
  });

  it("paces a batch through EC2's buckets on the client side: 60 creates, no RequestLimitExceeded", async () => {
    const { client, calls } = newClient();
    const cidrs = Array.from({ length: 60 }, (_, i) => `10.71.${i}.0/24`);
    // EC2's buckets, a little larger and faster than ours: in lock-step, a skew of a millisecond
    // between the two would decide (in EC2 the request arrives after our token, so EC2 is ahead),
    // and a machine under load delivers some requests out of order.
    emulator.setFaults({
      throttle: {
        mutating: { burst: 52, refillPerSecond: 6 },
        nonMutating: { burst: 100, refillPerSecond: 20 },
      },
    });
    const rateLimiter = new Ec2RateLimiter(EC2_DEFAULT_RATE_LIMITS);
    const started = performance.now();
    const outcome = await applyActions(
      client,
      createEc2Policy({ ...POLICY, rateLimiter }),
      cidrs.map((cidr) => create(cidr)),
      allow,
      { concurrency: 100 },
    );
    const tookMs = performance.now() - started;
    assert.ok(outcome.results.every((r) => r.ok));
    assert.deepEqual(
      calls().filter(([, status]) => status !== 200),
      [],
      "EC2 never throttled",
    );
    assert.equal(calls().length, 60);
    // The burst of 50 goes at once; the other 10 at 5 per second: about 2 s.
    assert.ok(tookMs > 1_500 && tookMs < 6_000, `took ${tookMs.toFixed(0)} ms`);
  });

  it("retries through throttling and succeeds", async () => {
    const { client, calls } = newClient();
    put("10.63.1.0/24", ENI_A);
    emulator.throttleNext(2, "ReplaceRoute");
    const outcome = await applyActions(client, createEc2Policy(POLICY), [replace("10.63.1.0/24")], allow);
    assert.deepEqual(
      outcome.results.map((r) => r.ok),
      [true],
    );
    assert.equal(target("10.63.1.0/24"), ENI_B);
    // Before each retry the route is read again (still ours: replaced).
    assert.deepEqual(calls(), [
      ["ReplaceRoute", 503, "RequestLimitExceeded"],
      ["DescribeRouteTables", 200, undefined],
      ["ReplaceRoute", 503, "RequestLimitExceeded"],
      ["DescribeRouteTables", 200, undefined],
      ["ReplaceRoute", 200, undefined],
    ]);
  });

  it("gives up after maxRetries, and carries on with the next action", async () => {
    const { client, calls } = newClient();
    emulator.throttleNext(50, "CreateRoute");
    put("10.64.2.0/24", ENI_A);
    const outcome = await applyActions(
      client,
      createEc2Policy({ ...POLICY, maxRetries: 2 }),
      [create("10.64.1.0/24"), remove("10.64.2.0/24")],
      allow,
    );
    assert.deepEqual(
      outcome.results.map((r) => [r.action.kind, r.ok, failureOf(r)?.code]),
      [
        ["create", false, "RequestLimitExceeded"],
        ["delete", true, undefined],
      ],
    );
    assert.equal(target("10.64.1.0/24"), undefined);
    assert.deepEqual(calls(), [
      ["CreateRoute", 503, "RequestLimitExceeded"],
      ["CreateRoute", 503, "RequestLimitExceeded"],
      ["CreateRoute", 503, "RequestLimitExceeded"],
      ["DeleteRoute", 200, undefined],
    ]);
  });

  it("opens the breaker after the threshold and fails fast without calling EC2", async () => {
    const { client, calls } = newClient();
    emulator.injectFault({ action: "CreateRoute", count: 100, status: 500, code: "InternalError" });
    const policy = createEc2Policy({ ...POLICY, maxRetries: 0, breakerThreshold: 3 });
    put("10.65.9.0/24", ENI_A);
    const creates = [1, 2, 3, 4, 5].map((n) => create(`10.65.${n}.0/24`));
    const outcome = await applyActions(client, policy, [...creates, replace("10.65.9.0/24")], allow);
    assert.deepEqual(
      outcome.results.map((r) => [r.action.kind, r.ok, failureOf(r)?.code]),
      [
        ["create", false, "InternalError"],
        ["create", false, "InternalError"],
        ["create", false, "InternalError"],
        ["create", false, "CircuitOpen"],
        ["create", false, "CircuitOpen"],
        ["replace", true, undefined],
      ],
    );
    assert.deepEqual(policy.breakerStates(), { CreateRoute: "open", ReplaceRoute: "closed" });
    assert.deepEqual(calls(), [
      ["CreateRoute", 500, "InternalError"],
      ["CreateRoute", 500, "InternalError"],
      ["CreateRoute", 500, "InternalError"],
      ["ReplaceRoute", 200, undefined],
    ]);
  });

  it("times out a slow call by aborting it", async () => {
    const { client } = newClient();
    put("10.66.1.0/24", ENI_A);
    emulator.setFaults({ latencyMs: { ReplaceRoute: 400 } });
    const outcome = await applyActions(
      client,
      createEc2Policy({ ...POLICY, callTimeoutMs: 50, maxRetries: 0 }),
      [replace("10.66.1.0/24")],
      allow,
    );
    assert.equal(outcome.results[0]?.ok, false);
    assert.equal(failureOf(outcome.results[0])?.code, "Ec2CallTimeout");
    assert.ok((outcome.results[0]?.durationMs ?? 1000) < 350, "did not wait for the slow reply");
  });

  it("reports network failures after retrying them", async () => {
    const closedPort = await freePort();
    const { client } = newClient(`http://127.0.0.1:${closedPort}`);
    const outcome = await applyActions(
      client,
      createEc2Policy({ ...POLICY, maxRetries: 1 }),
      [create("10.67.1.0/24")],
      allow,
    );
    assert.equal(outcome.results[0]?.ok, false);
    assert.equal(failureOf(outcome.results[0])?.code, "ECONNREFUSED");
  });

  it("stops as soon as the guard says no, and sends nothing after it", async () => {
    const { client, calls } = newClient();
    let asked = 0;
    const guard = { mayMutate: async () => ++asked <= 2 };
    const outcome = await applyActions(
      client,
      createEc2Policy(POLICY),
      [create("10.68.1.0/24"), create("10.68.2.0/24"), create("10.68.3.0/24"), create("10.68.4.0/24")],
      guard,
    );
    assert.equal(outcome.stoppedByFence, true);
    assert.equal(asked, 3);
    assert.deepEqual(
      outcome.results.map((r) => [r.action.destinationCidrBlock, r.ok]),
      [
        ["10.68.1.0/24", true],
        ["10.68.2.0/24", true],
      ],
    );
    assert.equal(target("10.68.3.0/24"), undefined);
    assert.deepEqual(
      calls().filter(([action]) => MUTATIONS.has(String(action))),
      [
        ["CreateRoute", 200, undefined],
        ["CreateRoute", 200, undefined],
      ],
    );
  });

  it("asks the guard before a fallback too, and treats a throwing guard as no", async () => {
    const { client, calls } = newClient();
    let asked = 0;
    const outcome = await applyActions(
      client,
      createEc2Policy(POLICY),
      // The route is missing: ReplaceRoute fails, and the guard refuses the fallback CreateRoute.
      [replace("10.69.1.0/24"), create("10.69.2.0/24")],
      {
        mayMutate: () => ++asked === 1,
      },
    );
    assert.equal(outcome.stoppedByFence, true);
    assert.deepEqual(
      outcome.results.map((r) => [r.action.destinationCidrBlock, r.ok, failureOf(r)?.code]),
      [["10.69.1.0/24", false, "GuardRefused"]],
    );
    assert.equal(target("10.69.1.0/24"), undefined, "the fallback CreateRoute was not sent");
    assert.deepEqual(calls(), [["ReplaceRoute", 400, "InvalidParameterValue"]]);

    const throwing = await applyActions(client, createEc2Policy(POLICY), [create("10.69.3.0/24")], {
      mayMutate: () => {
        throw new Error("etcd unreachable");
      },
    });
    assert.deepEqual(throwing, { results: [], stoppedByFence: true });
    assert.equal(calls().length, 1, "nothing sent");
  });

  it("asks the guard before every retry: no retry outlives the leader's deadline", async () => {
    const { client, calls } = newClient();
    put("10.70.1.0/24", ENI_A);
    emulator.throttleNext(10, "ReplaceRoute");
    let asked = 0;
    const outcome = await applyActions(client, createEc2Policy(POLICY), [replace("10.70.1.0/24")], {
      mayMutate: () => ++asked <= 2,
    });
    assert.equal(outcome.stoppedByFence, true);
    assert.deepEqual(calls(), [
      ["ReplaceRoute", 503, "RequestLimitExceeded"],
      ["DescribeRouteTables", 200, undefined],
      ["ReplaceRoute", 503, "RequestLimitExceeded"],
      ["DescribeRouteTables", 200, undefined],
    ]);
    assert.equal(target("10.70.1.0/24"), ENI_A);
    emulator.clearFaults();
  });

  it("gives no attempt more time than the guard's deadline, and starts none with less than 200 ms left", async () => {
    const { client, calls } = newClient();
    put("10.71.1.0/24", ENI_A);
    const policy = createEc2Policy(POLICY);
    const metered: string[] = [];
    policy.onCall((event) => metered.push(`${event.action}:${event.outcome}`));

    const tooLate = await applyActions(client, policy, [replace("10.71.1.0/24")], {
      mayMutate: () => true,
      remainingMs: () => 150,
    });
    assert.equal(tooLate.stoppedByFence, true);
    assert.deepEqual(calls(), [], "nothing sent with 150 ms left");
    assert.deepEqual(metered, [], "a refused attempt is not an EC2 call in the metrics");

    emulator.setFaults({ latencyMs: { ReplaceRoute: 2000 } });
    try {
      const started = performance.now();
      const slow = await applyActions(client, policy, [replace("10.71.1.0/24")], {
        mayMutate: () => true,
        remainingMs: () => 300,
      });
      const elapsed = performance.now() - started;
      assert.equal(slow.results[0]?.ok, false);
      assert.ok(elapsed < 1500, `the attempt was cut at the deadline, not after ${elapsed} ms`);
    } finally {
      emulator.clearFaults();
    }
    assert.deepEqual(policy.breakerStates(), { ReplaceRoute: "closed" });
  });
});
