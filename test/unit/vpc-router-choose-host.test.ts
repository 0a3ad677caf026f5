/**
 * Every row of vpc-router 1.8's `test_host_choices` (vpcrouter/tests/test_vpc.py, TestVpcUtil), which
 * tests `_choose_different_host(old_ip, ip_list, failed_ips, questionable_ips)`, against our
 * {@link chooseTarget}.
 *
 * vpc-router picks at random among its candidates (the test seeds the generator, so its expected
 * value is one seeded draw); we pick deterministically, the first candidate in spec order. So each
 * row asserts: the candidate set vpc-router's rules allow (worked out by hand from its code) contains
 * vpc-router's own expected answer and our pick, and our exact pick.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chooseTarget } from "../../src/decide/choose-host.js";

interface Row {
  /** vpc-router's arguments: old_ip, ip_list, failed_ips, questionable_ips. */
  readonly args: readonly [string | null, string[], string[], string[]];
  /** vpc-router's expected result (one seeded random draw), `null` for None. */
  readonly vpcRouter: string | null;
  /** Every answer vpc-router's rules allow for these arguments. */
  readonly allowed: readonly string[];
  /** Our deterministic answer. */
  readonly ours: string | undefined;
  readonly note?: string;
}

// The rows of test_host_choices, in its order (row 8 repeats row 5 there too).
const ROWS: readonly Row[] = [
  { args: [null, [], [], []], vpcRouter: null, allowed: [], ours: undefined },
  { args: [null, ["A"], [], []], vpcRouter: "A", allowed: ["A"], ours: "A" },
  { args: ["A", ["A", "B"], ["A"], []], vpcRouter: "B", allowed: ["B"], ours: "B" },
  {
    args: ["A", ["A", "B"], ["C"], []],
    vpcRouter: "A",
    allowed: ["A", "B"],
    ours: "A",
    note: "a healthy old IP may be chosen again",
  },
  { args: [null, ["A", "B"], ["A", "B"], []], vpcRouter: null, allowed: [], ours: undefined },
  { args: [null, ["A", "B"], ["B"], []], vpcRouter: "A", allowed: ["A"], ours: "A" },
  { args: [null, ["A", "B"], ["A"], []], vpcRouter: "B", allowed: ["B"], ours: "B" },
  { args: [null, ["A", "B"], ["A", "B"], []], vpcRouter: null, allowed: [], ours: undefined },
  {
    args: [null, ["A", "B"], ["A"], ["B"]],
    vpcRouter: "B",
    allowed: ["B"],
    ours: "B",
    note: "questionable when no healthy host is left",
  },
  {
    args: [null, ["A", "B"], ["A", "B"], ["B"]],
    vpcRouter: null,
    allowed: [],
    ours: undefined,
    note: "failed wins over questionable",
  },
  {
    args: [null, ["A", "B", "C"], ["A"], ["B"]],
    vpcRouter: "C",
    allowed: ["C"],
    ours: "C",
    note: "healthy over questionable",
  },
  { args: [null, ["A", "B", "C"], [], ["A", "B", "C"]], vpcRouter: "A", allowed: ["A", "B", "C"], ours: "A" },
  {
    args: ["A", ["A", "B", "C"], [], ["A", "B", "C"]],
    vpcRouter: null,
    allowed: [],
    ours: undefined,
    note: "None is returned, since we won't choose a different host",
  },
  { args: ["B", ["A", "B", "C"], [], ["A", "B", "C"]], vpcRouter: null, allowed: [], ours: undefined },
  { args: ["C", ["A", "B", "C"], [], ["A", "B", "C"]], vpcRouter: null, allowed: [], ours: undefined },
  { args: ["C", ["B", "C"], [], ["A", "B", "C"]], vpcRouter: null, allowed: [], ours: undefined },
  {
    args: ["C", ["A", "B"], [], ["A", "B", "C"]],
    vpcRouter: "B",
    allowed: ["A", "B"],
    ours: "A",
    note: "New host forced, since \"C\" isn't in ip list (vpc-router's seeded draw is B; we take A, first in spec order)",
  },
  {
    args: ["C", [], [], ["A", "B", "C"]],
    vpcRouter: null,
    allowed: [],
    ours: undefined,
    note: "No available choice, so nothing to change to",
  },
];

describe("_choose_different_host (test_vpc.py test_host_choices) → chooseTarget", () => {
  for (const [index, row] of ROWS.entries()) {
    const [old, hosts, failed, questionable] = row.args;
    const title = `row ${index + 1}: old ${old ?? "None"}, hosts [${hosts}], failed [${failed}], questionable [${questionable}] → ${row.ours ?? "none"}${row.note ? ` (${row.note})` : ""}`;
    it(title, () => {
      if (row.vpcRouter !== null)
        assert.ok(row.allowed.includes(row.vpcRouter), "vpc-router's answer is allowed");
      else assert.deepEqual(row.allowed, [], "vpc-router answers None only when nothing is allowed");
      const ours = chooseTarget(hosts, new Set(failed), new Set(questionable), old ?? undefined);
      assert.equal(ours, row.ours);
      if (ours === undefined) assert.deepEqual(row.allowed, []);
      else assert.ok(row.allowed.includes(ours), `${ours} is among ${row.allowed}`);
    });
  }
});
