/**
 * A spec source that misbehaves as option `mode` says: garbage (emits things that are no spec,
 * over and over), reject (its start rejects) or hang (its start never finishes). For the isolation
 * tests.
 */

/** @type {import("../../../src/plugin/api.js").SpecSourcePlugin} */
export default {
  apiVersion: 1,
  kind: "spec-source",
  name: "misbehaving-source",
  description: "misbehaves on purpose",
  options: {
    mode: {
      type: "string",
      doc: "How to misbehave.",
      default: "garbage",
      choices: ["garbage", "reject", "hang"],
    },
  },
  start({ options, emit, signal }) {
    if (options.mode === "reject") return Promise.reject(new Error("cannot start"));
    if (options.mode === "hang") return new Promise(() => {});
    const junk = ["not a spec", ["10.0.0.0/8"], { "10.55.16.0/24": ["not-an-ip"] }, null, 42];
    let index = 0;
    const timer = setInterval(() => emit(junk[index++ % junk.length]), 100);
    signal.addEventListener("abort", () => clearInterval(timer));
    return { stop: () => clearInterval(timer) };
  },
};
