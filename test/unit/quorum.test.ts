import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { majority, tallyVotes } from "../../src/decide/quorum.js";
import type { Vote } from "../../src/domain/vote.js";

const rev = "42";
/** The router IPs of the spec in force. */
const routers = ["10.0.0.1", "10.0.0.2", "10.0.0.3"];
const vote = (failed: string[], specRevision = rev): Vote => ({
  failed,
  specRevision,
  at: "2026-11-01T00:00:00Z",
});

describe("majority", () => {
  const rows: [number, number][] = [
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
    [6, 4],
  ];
  for (const [members, expected] of rows) {
    it(`${members} members → ${expected}`, () => assert.equal(majority(members), expected));
  }
  it("0 members → Infinity (nothing can be confirmed)", () => {
    assert.equal(majority(0), Number.POSITIVE_INFINITY);
    assert.equal(majority(-1), Number.POSITIVE_INFINITY);
    assert.equal(majority(Number.NaN), Number.POSITIVE_INFINITY);
  });
});

describe("tallyVotes with 1–5 members", () => {
  const ids = ["a", "b", "c", "d", "e"];
  const rows: { members: number; voters: number; confirmed: boolean }[] = [
    { members: 1, voters: 1, confirmed: true },
    { members: 2, voters: 1, confirmed: false },
    { members: 2, voters: 2, confirmed: true },
    { members: 3, voters: 1, confirmed: false },
    { members: 3, voters: 2, confirmed: true },
    { members: 4, voters: 2, confirmed: false },
    { members: 4, voters: 3, confirmed: true },
    { members: 5, voters: 2, confirmed: false },
    { members: 5, voters: 3, confirmed: true },
  ];
  for (const row of rows) {
    it(`${row.voters} of ${row.members} votes → ${row.confirmed ? "confirmed" : "questionable"}`, () => {
      const members = ids.slice(0, row.members);
      const votes = new Map(members.map((id, i) => [id, vote(i < row.voters ? ["10.0.0.1"] : [])]));
      const view = tallyVotes({ members, votes, routers });
      assert.equal(view.confirmed.has("10.0.0.1"), row.confirmed);
      assert.equal(view.questionable.has("10.0.0.1"), !row.confirmed);
      assert.deepEqual(view.votesByRouter.get("10.0.0.1"), members.slice(0, row.voters));
    });
  }

  it("a router nobody votes against is neither confirmed nor questionable", () => {
    const view = tallyVotes({ members: ["a"], votes: new Map([["a", vote([])]]), routers });
    assert.equal(view.confirmed.size + view.questionable.size + view.votesByRouter.size, 0);
  });
});

describe("tallyVotes ignores stale votes", () => {
  it("ignores votes of departed members (and counts only live ones toward the majority)", () => {
    const votes = new Map([
      ["a", vote(["10.0.0.1"])],
      ["gone-1", vote(["10.0.0.1"])],
      ["gone-2", vote(["10.0.0.1"])],
    ]);
    const view = tallyVotes({ members: ["a", "b", "c"], votes, routers });
    assert.equal(view.confirmed.has("10.0.0.1"), false);
    assert.deepEqual(view.votesByRouter.get("10.0.0.1"), ["a"]);
  });

  it("counts votes formed under an earlier spec revision: a failure stays confirmed across a spec change", () => {
    // Router 10.0.0.1 failed under spec revision 41; the operator's edit (revision 42) keeps it.
    const votes = new Map([
      ["a", vote(["10.0.0.1"], "41")],
      ["b", vote(["10.0.0.1"], "41")],
      ["c", vote(["10.0.0.2"])],
    ]);
    const view = tallyVotes({ members: ["a", "b", "c"], votes, routers });
    assert.deepEqual([...view.confirmed], ["10.0.0.1"]);
    assert.deepEqual([...view.questionable], ["10.0.0.2"]);
  });

  it("ignores votes for routers that are not in the spec in force", () => {
    const votes = new Map([
      ["a", vote(["10.9.9.9", "10.0.0.1"])],
      ["b", vote(["10.9.9.9"])],
    ]);
    const view = tallyVotes({ members: ["a", "b", "c"], votes, routers });
    assert.equal(view.votesByRouter.has("10.9.9.9"), false);
    assert.deepEqual([...view.questionable], ["10.0.0.1"]);
  });

  it("confirms nothing with no members", () => {
    const view = tallyVotes({
      members: [],
      votes: new Map([["a", vote(["10.0.0.1"])]]),
      routers,
      quorum: 1,
    });
    assert.equal(view.confirmed.size, 0);
    assert.equal(view.votesByRouter.size, 0);
  });

  it("counts a member once even if its vote repeats an IP", () => {
    const view = tallyVotes({
      members: ["a", "b", "c"],
      votes: new Map([["a", vote(["10.0.0.1", "10.0.0.1"])]]),
      routers,
    });
    assert.deepEqual(view.votesByRouter.get("10.0.0.1"), ["a"]);
    assert.equal(view.confirmed.size, 0);
  });

  it("sorts voter ids", () => {
    const votes = new Map([
      ["c", vote(["10.0.0.1"])],
      ["a", vote(["10.0.0.1"])],
    ]);
    assert.deepEqual(tallyVotes({ members: ["a", "b", "c"], votes, routers }).votesByRouter.get("10.0.0.1"), [
      "a",
      "c",
    ]);
  });
});

describe("tallyVotes quorum override", () => {
  const members = ["a", "b", "c"];
  const oneVote = new Map([["a", vote(["10.0.0.1"])]]);
  const allVotes = new Map(members.map((id) => [id, vote(["10.0.0.1"])]));
  it("quorum 1 confirms on one vote", () => {
    assert.ok(tallyVotes({ members, votes: oneVote, routers, quorum: 1 }).confirmed.has("10.0.0.1"));
  });
  it("quorum above the member count is clamped to it", () => {
    assert.ok(tallyVotes({ members, votes: allVotes, routers, quorum: 9 }).confirmed.has("10.0.0.1"));
  });
  it("quorum below 1 is clamped to 1", () => {
    const view = tallyVotes({ members, votes: new Map(), routers, quorum: 0 });
    assert.equal(view.confirmed.size, 0);
    assert.ok(tallyVotes({ members, votes: oneVote, routers, quorum: -3 }).confirmed.has("10.0.0.1"));
  });
});

describe("tallyVotes properties", () => {
  const ids = ["a", "b", "c", "d", "e", "f", "g"];
  const arbitraryVotes = fc.array(
    fc.record({
      id: fc.constantFrom(...ids),
      failed: fc.subarray([...routers, "10.9.9.9"]),
      specRevision: fc.constantFrom("41", "42"),
    }),
  );
  it("never confirms with fewer than quorum live-member votes, the quorum taken over max(live, expected)", () => {
    fc.assert(
      fc.property(
        fc.subarray(ids),
        arbitraryVotes,
        fc.option(fc.integer({ min: -2, max: 9 }), { nil: undefined }),
        fc.integer({ min: 0, max: 7 }),
        (members, voteList, quorum, expected) => {
          const votes = new Map(voteList.map((v) => [v.id, vote(v.failed, v.specRevision)]));
          const view = tallyVotes({ members, votes, routers, expectedMembers: expected, quorum });
          const base = Math.max(members.length, expected);
          const needed = quorum === undefined ? majority(base) : Math.min(base, Math.max(1, quorum));
          for (const router of routers) {
            const count = [...votes].filter(
              ([id, v]) => members.includes(id) && v.failed.includes(router),
            ).length;
            assert.equal(view.confirmed.has(router), members.length > 0 && count >= needed);
            assert.equal(view.questionable.has(router), count > 0 && !view.confirmed.has(router));
            assert.equal(view.votesByRouter.get(router)?.length ?? 0, count);
          }
        },
      ),
    );
  });
});

describe("tallyVotes with an expected replica count (quorum.expectedReplicas)", () => {
  it("a partition that leaves one of three replicas connected cannot confirm on its own view", () => {
    const votes = new Map([["a", vote(["10.0.0.1"])]]);
    const alone = tallyVotes({ members: ["a"], votes, routers, expectedMembers: 3 });
    assert.equal(alone.quorum, 2);
    assert.equal(alone.confirmed.size, 0);
    assert.deepEqual([...alone.questionable], ["10.0.0.1"]);
  });
  it("the default (1) keeps a single replica able to fail over alone, as vpc-router does", () => {
    const view = tallyVotes({ members: ["a"], votes: new Map([["a", vote(["10.0.0.1"])]]), routers });
    assert.equal(view.quorum, 1);
    assert.deepEqual([...view.confirmed], ["10.0.0.1"]);
  });
  it("more live members than expected: the majority of the live ones", () => {
    const members = ["a", "b", "c", "d", "e"];
    assert.equal(tallyVotes({ members, votes: new Map(), routers, expectedMembers: 3 }).quorum, 3);
  });
});
