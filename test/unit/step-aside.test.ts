/** Who steps aside for a switchover request (decide/step-aside.ts): table tests. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mustStepAside } from "../../src/decide/step-aside.js";

const CANDIDATES = [
  { key: "/p/election/a", replicaId: "a" },
  { key: "/p/election/b", replicaId: "b" },
  { key: "/p/election/c", replicaId: "c" },
];
const AT = "2026-12-02T01:00:00.000Z";

describe("mustStepAside", () => {
  const cases: { name: string; request: { from: string; to?: string }; steps: string[] }[] = [
    { name: "no target: only the leader", request: { from: "a" }, steps: ["a"] },
    { name: "to the next candidate: only the leader", request: { from: "a", to: "b" }, steps: ["a"] },
    { name: "to the last: everyone before it", request: { from: "a", to: "c" }, steps: ["a", "b"] },
    { name: "a stale request (another term leads)", request: { from: "x" }, steps: [] },
    { name: "to a replica that is no candidate", request: { from: "a", to: "z" }, steps: [] },
    { name: "to the leader itself", request: { from: "a", to: "a" }, steps: [] },
  ];
  for (const { name, request, steps } of cases) {
    it(`${name} → ${steps.join(", ") || "nobody"}`, () => {
      const stepping = CANDIDATES.filter((c) => mustStepAside({ ...request, at: AT }, CANDIDATES, c.key));
      assert.deepEqual(
        stepping.map((c) => c.replicaId),
        steps,
      );
    });
  }

  it("nobody moves without candidates, or for a key that is not a candidate", () => {
    assert.equal(mustStepAside({ from: "a", at: AT }, [], "/p/election/a"), false);
    assert.equal(mustStepAside({ from: "a", to: "c", at: AT }, CANDIDATES, "/p/election/q"), false);
  });
});
