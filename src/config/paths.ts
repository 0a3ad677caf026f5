/**
 * The dotted paths of all settings (`"probe.intervalMs"`, …) and their environment variable names.
 */
import { configSchema } from "./schema.js";

function collectLeafPaths(node: unknown, prefix: string, into: string[]): void {
  if (typeof node !== "object" || node === null) return;
  if ("default" in node) {
    into.push(prefix);
    return;
  }
  for (const [key, child] of Object.entries(node)) {
    collectLeafPaths(child, prefix === "" ? key : `${prefix}.${key}`, into);
  }
}

/** Every setting path of the schema in declaration order, e.g. `["replica.id", "replica.zone", …]`. */
export const SETTING_PATHS: readonly string[] = (() => {
  const paths: string[] = [];
  collectLeafPaths(configSchema, "", paths);
  return paths;
})();

/**
 * The environment variable of a setting: `VPCROUTER_` + the path in upper snake case.
 * @param path - e.g. `"probe.intervalMs"`.
 * @returns e.g. `"VPCROUTER_PROBE_INTERVAL_MS"`.
 */
export function envNameOf(path: string): string {
  return `VPCROUTER_${path
    .split(".")
    .map((segment) => segment.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase())
    .join("_")}`;
}
