import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chooseTarget } from "../../src/decide/choose-host.js";

const [a, b, c] = ["10.0.0.1", "10.0.0.2", "10.0.0.3"];

describe("chooseTarget", () => {
  const rows: {
    name: string;
    hosts: string[];
    failed?: string[];
    questionable?: string[];
    current?: string;
    expected: string | undefined;
  }[] = [
    { name: "first host in spec order when all healthy", hosts: [a, b, c], expected: a },
    { name: "a healthy current host is a fine answer", hosts: [a, b, c], current: b, expected: a },
    { name: "skips failed hosts", hosts: [a, b, c], failed: [a, b], expected: c },
    {
      name: "prefers a healthy host over an earlier questionable one",
      hosts: [a, b, c],
      questionable: [a],
      expected: b,
    },
    { name: "falls back to a questionable host", hosts: [a, b], failed: [b], questionable: [a], expected: a },
    {
      name: "first questionable in spec order",
      hosts: [a, b, c],
      failed: [a],
      questionable: [b, c],
      expected: b,
    },
    {
      name: "never a host both failed and questionable",
      hosts: [a],
      failed: [a],
      questionable: [a],
      expected: undefined,
    },
    { name: "undefined when all failed", hosts: [a, b], failed: [a, b], expected: undefined },
    {
      name: "undefined when the current host is questionable and only questionable ones are left",
      hosts: [a, b],
      questionable: [a, b],
      current: b,
      expected: undefined,
    },
    {
      name: "a questionable host when the current one failed and no healthy one is left",
      hosts: [a, b],
      failed: [b],
      questionable: [a],
      current: b,
      expected: a,
    },
    { name: "undefined for no hosts", hosts: [], expected: undefined },
    {
      name: "a questionable current host is left for a healthy one",
      hosts: [a, b, c],
      questionable: [a, b],
      current: a,
      expected: c,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const chosen = chooseTarget(row.hosts, new Set(row.failed), new Set(row.questionable), row.current);
      assert.equal(chosen, row.expected);
    });
  }
});
