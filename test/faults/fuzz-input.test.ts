/**
 * Fault: garbage in, end to end. Random invalid route specs through etcd (etcdctl) and through
 * `POST /route_spec`, random HTTP bodies and content types, random configuration values: no crash,
 * no EC2 write, a clear error each time (docs/DESIGN.md, safety rule 6).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { ConfigError, loadConfig } from "../../src/config/load.js";
import { SETTING_PATHS } from "../../src/config/paths.js";
import { parseSpec } from "../../src/route-spec/parse.js";
import { recordScenario, trialsOf } from "../support/fault-report.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const X = "10.62.1.0/24";
const RUNS = trialsOf(30, 200);

/** Spec-like JSON text that the parser refuses: wrong shapes, bad CIDRs, bad IPs, repeats. */
const badSpecText = fc
  .oneof(
    fc.json(),
    fc
      .dictionary(
        fc.oneof(fc.constantFrom("10.0.0.1/24", "300.1.1.0/24", "10.0.0.0/33", "x", ""), fc.string()),
        fc.oneof(fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null))), fc.string(), fc.integer()),
      )
      .map((value) => JSON.stringify(value)),
    fc.string(),
  )
  .filter((text) => !parseSpec(text, { maxRoutes: 200 }).ok);

describe("garbage in", () => {
  let world: TestWorld;

  before(async () => {
    world = await TestWorld.create({ tag: "ffuzz", subnet: 239, etcdMembers: 1, routers: 2, routeTables: 2 });
    const [r1, r2] = world.routers.routerIps as [string, string];
    await world.startReplica("rep-a", "az-a");
    await world.putSpecAndWait({ [X]: [r1, r2] });
  });

  after(async () => {
    await world?.destroy();
  });

  it(`refuses ${RUNS} random bad specs through etcd and HTTP, and random bodies: no crash, no EC2 write`, async () => {
    const replica = world.replicas[0];
    assert.ok(replica);
    const cursor = world.ec2.logCursor();
    // Values an operator's shell turns into etcdctl flags come first (found by this test: a
    // spec of "-9.1e+250" was taken for a flag and the put failed).
    const samples = ["-1", "-1", "--endpoints=nowhere", ...fc.sample(badSpecText, RUNS - 3)];
    let httpRefused = 0;
    for (const [i, text] of samples.entries()) {
      if (i % 2 === 0) await world.putSpecWithEtcdctl(text);
      else {
        const answer = await fetch(`${replica.apiUrl}/route_spec`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: text,
        });
        if (answer.status >= 400 && answer.status < 500) httpRefused++;
      }
    }
    // Random bodies and content types at every endpoint that takes one.
    for (const body of fc.sample(fc.uint8Array({ maxLength: 2048 }), RUNS)) {
      const contentType = fc.sample(
        fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "x/y"),
        1,
      )[0];
      await fetch(`${replica.apiUrl}/route_spec`, {
        method: "POST",
        headers: { "content-type": contentType ?? "x/y" },
        body,
      }).catch(() => undefined);
    }
    // The last bad spec put is reported, the good one stays in force (read from a status that
    // answered: a status call that timed out says nothing either way).
    let inForce: Record<string, unknown> = {};
    await waitFor(
      async () => {
        const spec = (await replica.status())?.spec as
          | { error?: { message?: string } | null; routes?: Record<string, unknown> | null }
          | undefined;
        if (!spec?.error?.message) return false;
        inForce = spec.routes ?? {};
        return true;
      },
      { timeoutMs: 10_000, message: "no spec error reported" },
    );
    const writes = world.mutatingCalls(cursor);
    recordScenario({
      id: "fuzz-input",
      title: "Garbage in: random bad specs, HTTP bodies and configuration values",
      injection: `${RUNS} random invalid specs (etcdctl and POST /route_spec), ${RUNS} random bodies and content types, ${RUNS * 10} random configuration values`,
      trials: RUNS,
      checks: [
        "the replica keeps running",
        "no EC2 write",
        "the last good spec stays in force",
        "each refusal names its problem",
      ],
      passed: replica.running && writes.length === 0 && X in inForce,
      figures: [
        { name: "EC2 writes", value: writes.length, unit: "count" },
        { name: "HTTP refusals (4xx) of bad specs", value: httpRefused, unit: "count" },
      ],
    });
    assert.ok(replica.running, "the replica crashed");
    assert.deepEqual(writes, []);
    assert.ok(X in inForce, "the last good spec left force");
    assert.equal(
      httpRefused,
      samples.filter((_, i) => i % 2 === 1).length,
      "every bad spec POSTed was refused",
    );
  });

  it("refuses random configuration values with a ConfigError naming the setting, never another error", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SETTING_PATHS),
        fc.oneof(
          fc.string(),
          fc.integer(),
          fc.double(),
          fc.boolean(),
          fc.constant(null),
          fc.array(fc.string()),
        ),
        (path, value) => {
          try {
            loadConfig({ overrides: { [path]: value } });
          } catch (error) {
            assert.ok(error instanceof ConfigError, `${path}=${JSON.stringify(value)}: ${String(error)}`);
            assert.ok(error.problems.some((problem) => problem.startsWith(path.split(".")[0] ?? path)));
          }
        },
      ),
      { numRuns: RUNS * 10 },
    );
  });
});
