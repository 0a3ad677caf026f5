import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyValue } from "../../src/cluster/json-values.js";
import { clusterKeys } from "../../src/cluster/keys.js";
import { buildSnapshot, compareRevisions } from "../../src/cluster/snapshot.js";

const keys = clusterKeys("/t");

function kv(key: string, value: unknown, createRevision = "1", lease = "0"): KeyValue {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return { key, value: text, createRevision, modRevision: createRevision, lease };
}

describe("buildSnapshot", () => {
  it("reads spec, members, votes, status and orders candidates by create revision", () => {
    const snapshot = buildSnapshot(keys, "40", [
      kv("/t/spec", '{"10.0.0.0/24":["198.18.0.10"]}', "5"),
      kv("/t/members/a", { id: "a", zone: "az-a", version: "1", startedAt: "x", apiAddr: "h:1" }, "6", "11"),
      kv("/t/members/b", { id: "b", zone: "az-b", version: "1", startedAt: "x", apiAddr: "h:2" }, "7", "12"),
      kv("/t/votes/a", { failed: ["198.18.0.10"], specRevision: "5" }, "8", "11"),
      kv("/t/election/c", "b", "100", "12"),
      kv("/t/election/b", "a", "99", "11"),
      kv("/t/election/a", "c", "1000", "13"),
      kv("/t/status", { leaderId: "a", term: "99", managedCidrs: ["10.0.0.0/24"] }, "9"),
    ]);
    assert.equal(snapshot.revision, "40");
    assert.deepEqual(snapshot.spec, { raw: '{"10.0.0.0/24":["198.18.0.10"]}', revision: "5" });
    assert.deepEqual([...snapshot.members.keys()], ["a", "b"]);
    assert.equal(snapshot.members.get("b")?.lease, "12");
    assert.deepEqual(snapshot.votes.get("a")?.failed, ["198.18.0.10"]);
    // Numeric, not lexicographic: "99" < "100" < "1000".
    assert.deepEqual(
      snapshot.candidates.map((c) => c.replicaId),
      ["a", "b", "c"],
    );
    assert.equal(snapshot.leader?.replicaId, "a");
    assert.equal(snapshot.leader?.createRevision, "99");
    // A status record of an earlier version still carries the managed CIDRs: read from it.
    assert.deepEqual(snapshot.managedCidrs, ["10.0.0.0/24"]);
    assert.equal("managedCidrs" in (snapshot.status ?? {}), false);
    assert.deepEqual(snapshot.problems, []);
  });

  it("reports malformed values and leaves them out instead of throwing", () => {
    const snapshot = buildSnapshot(keys, "3", [
      kv("/t/members/a", "{not json"),
      kv("/t/votes/a", { failed: "198.18.0.10", specRevision: "5" }),
      kv("/t/status", { hello: 1 }),
    ]);
    assert.equal(snapshot.members.size, 0);
    assert.equal(snapshot.votes.size, 0);
    assert.equal(snapshot.status, undefined);
    assert.equal(snapshot.leader, undefined);
    assert.equal(snapshot.problems.length, 3);
    assert.match(snapshot.problems[0] ?? "", /\/t\/members\/a/);
  });

  it("counts a vote only while it shares its member's live lease", () => {
    const member = (id: string) => ({ id, zone: "z", version: "1", startedAt: "x", apiAddr: "h:1" });
    const failed = { failed: ["198.18.0.10"], specRevision: "5" };
    const snapshot = buildSnapshot(keys, "9", [
      kv("/t/members/a", member("a"), "2", "11"),
      kv("/t/members/b", member("b"), "3", "12"),
      kv("/t/votes/a", failed, "4", "11"), // same lease: counts
      kv("/t/votes/b", failed, "5", "99"), // left by an older lease of b
      kv("/t/votes/c", failed, "6", "13"), // no member c
      kv("/t/votes/d", failed, "7", "0"), // written by hand, no lease
    ]);
    assert.deepEqual([...snapshot.votes.keys()], ["a"]);
    assert.equal("lease" in (snapshot.votes.get("a") ?? {}), false);
  });

  it("ignores a member key without a lease", () => {
    const snapshot = buildSnapshot(keys, "9", [
      kv(
        "/t/members/ghost",
        { id: "ghost", zone: "z", version: "1", startedAt: "x", apiAddr: "h:1" },
        "2",
        "0",
      ),
    ]);
    assert.equal(snapshot.members.size, 0);
    assert.match(snapshot.problems.join(), /without a lease/);
  });

  it("ignores an election key without a lease: it would be the oldest candidate for ever", () => {
    const snapshot = buildSnapshot(keys, "9", [
      kv("/t/election/hand", "nobody", "2", "0"),
      kv("/t/election/1b", "a", "5", "27"),
    ]);
    assert.equal(snapshot.leader?.replicaId, "a");
    assert.match(snapshot.problems.join(), /election key without a lease/);
  });

  it("reads the managed CIDRs and the last good spec from their own keys, which win over a legacy status", () => {
    const lastGood = { spec: { "10.1.0.0/16": ["198.18.0.10"] }, revision: "7" };
    const snapshot = buildSnapshot(keys, "9", [
      kv("/t/status", {
        leaderId: "a",
        term: "9",
        managedCidrs: ["10.9.0.0/16"],
        lastGoodSpec: { ...lastGood, revision: "3" },
      }),
      kv("/t/managed", { cidrs: ["10.1.0.0/16"] }),
      kv("/t/last-good-spec", lastGood),
    ]);
    assert.deepEqual(snapshot.managedCidrs, ["10.1.0.0/16"]);
    assert.deepEqual(snapshot.lastGoodSpec, lastGood);
    const damaged = buildSnapshot(keys, "9", [
      kv("/t/managed", { cidrs: "x" }),
      kv("/t/last-good-spec", { spec: 1 }),
    ]);
    assert.equal(damaged.managedCidrs, undefined);
    assert.equal(damaged.lastGoodSpec, undefined);
    assert.equal(damaged.problems.length, 2);
  });

  it("drops a damaged last good spec from the status record instead of trusting it", () => {
    const base = { leaderId: "a", term: "9", managedCidrs: [] };
    for (const lastGoodSpec of [
      { spec: { "10.0.0.0/24": ["198.18.0.10"] }, revision: "abc" },
      { spec: null, revision: "4" },
      { spec: { "10.0.0.0/24": "198.18.0.10" }, revision: "4" },
      null,
      "x",
      { spec: { "10.0.0.0/24": ["198.18.0.10"] }, revision: 4 },
    ]) {
      const snapshot = buildSnapshot(keys, "9", [kv("/t/status", { ...base, lastGoodSpec })]);
      assert.equal(snapshot.lastGoodSpec, undefined, JSON.stringify(lastGoodSpec));
      assert.equal(snapshot.status?.leaderId, "a");
      assert.match(snapshot.problems.join(), /lastGoodSpec/);
    }
    const good = buildSnapshot(keys, "9", [
      kv("/t/status", { ...base, lastGoodSpec: { spec: { "10.0.0.0/24": ["198.18.0.10"] }, revision: "4" } }),
    ]);
    assert.equal(good.lastGoodSpec?.revision, "4");
  });

  it("ignores keys of another prefix that share the text", () => {
    const snapshot = buildSnapshot(keys, "3", [kv("/t/specx", "x"), kv("/t/membersx/a", "{}")]);
    assert.equal(snapshot.spec, undefined);
    assert.equal(snapshot.members.size, 0);
  });
});

describe("compareRevisions", () => {
  it("compares int64 revisions numerically beyond 2^53", () => {
    assert.equal(compareRevisions("9007199254740993", "9007199254740992"), 1);
    assert.equal(compareRevisions("2", "10"), -1);
    assert.equal(compareRevisions("7", "7"), 0);
  });
});
