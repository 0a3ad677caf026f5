/**
 * An external health check for the test world (loaded by path): a router is down when the JSON
 * file `file` maps its IP to a reason, e.g. {"198.18.222.11": "maintenance"}. A test drives
 * failovers by writing that file; every replica reads the same one.
 */
import { readFile } from "node:fs/promises";

/** @type {import("../../../src/plugin/api.js").HealthCheckPlugin} */
export default {
  apiVersion: 1,
  kind: "health-check",
  name: "verdict-file",
  description: "routers named in a JSON file are down",
  options: { file: { type: "string", doc: "JSON file: router IP → reason it is down.", default: "" } },
  checkOptions: (options) => (options.file === "" ? ["file must be set"] : []),
  start({ options }) {
    return {
      async check(ip) {
        let verdicts = {};
        try {
          verdicts = JSON.parse(await readFile(String(options.file), "utf8"));
        } catch {
          // No file yet: nobody is down.
        }
        const reason = verdicts[ip];
        return typeof reason === "string" ? { up: false, reason } : { up: true };
      },
    };
  },
};
