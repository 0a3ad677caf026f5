import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideSpec } from "../../src/decide/spec-in-force.js";

const options = { maxRoutes: 10 };
const good = { spec: { "10.0.0.0/24": ["198.18.0.10"] }, revision: "5" };

describe("decideSpec", () => {
  it("puts a valid stored spec in force with its revision", () => {
    const decision = decideSpec({ raw: '{"10.1.0.0/16": ["198.18.0.11"]}', revision: "9" }, [good], options);
    assert.deepEqual(decision.inForce, { spec: { "10.1.0.0/16": ["198.18.0.11"] }, revision: "9" });
    assert.equal(decision.error, undefined);
  });

  it("keeps the last good spec and reports the error when the stored spec is invalid", () => {
    const decision = decideSpec({ raw: '{"10.1.0.1/16": ["198.18.0.11"]}', revision: "9" }, [good], options);
    assert.deepEqual(decision.inForce, good);
    assert.equal(decision.error?.revision, "9");
    assert.match(decision.error?.message ?? "", /10\.1\.0\.1\/16/);
  });

  it("uses the newest of the remembered and recorded good specs", () => {
    const older = { spec: { "10.9.0.0/16": ["198.18.0.12"] }, revision: "3" };
    const decision = decideSpec({ raw: "not json", revision: "9" }, [older, good, undefined], options);
    assert.deepEqual(decision.inForce, good);
  });

  it("has nothing in force when the first spec ever seen is invalid", () => {
    const decision = decideSpec({ raw: "[]", revision: "2" }, [undefined], options);
    assert.equal(decision.inForce, undefined);
    assert.equal(decision.error?.revision, "2");
  });

  it("keeps the last good spec when the key is deleted", () => {
    const decision = decideSpec(undefined, [good], options);
    assert.deepEqual(decision.inForce, good);
    assert.match(decision.error?.message ?? "", /missing/);
    assert.deepEqual(decideSpec(undefined, [], options), {});
  });
});
