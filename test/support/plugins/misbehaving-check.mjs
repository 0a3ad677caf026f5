/**
 * A health check that misbehaves on every check, as option `mode` says: throw, reject, hang (never
 * answers) or garbage (answers something that is not a verdict). For the isolation tests.
 */

/** @type {import("../../../src/plugin/api.js").HealthCheckPlugin} */
export default {
  apiVersion: 1,
  kind: "health-check",
  name: "misbehaving-check",
  description: "misbehaves on purpose",
  options: {
    mode: {
      type: "string",
      doc: "How to misbehave.",
      default: "throw",
      choices: ["throw", "reject", "hang", "garbage"],
    },
  },
  start({ options }) {
    return {
      check(ip) {
        switch (options.mode) {
          case "throw":
            throw new TypeError(`cannot check ${ip}`);
          case "reject":
            return Promise.reject(new Error(`rejected ${ip}`));
          case "hang":
            return new Promise(() => {});
          default:
            return Promise.resolve({ healthy: "very" });
        }
      },
    };
  },
};
