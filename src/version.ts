/**
 * The version of vpcrouter (from package.json), shown in member records, `/status` and `--version`.
 */
import { readFileSync } from "node:fs";

/**
 * vpcrouter's version, from package.json (one directory above both `src/` and `dist/`).
 */
export const VERSION: string = readVersion();

function readVersion(): string {
  try {
    const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
    const parsed = JSON.parse(text) as { version?: unknown };
    return typeof parsed.version === "string" ? parsed.version : "unknown";
  } catch {
    return "unknown";
  }
}
