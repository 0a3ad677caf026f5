/**
 * PLACEHOLDER, to be replaced by the lead: runs the daemon (one replica) until it is asked to stop.
 */
import type { Logger } from "pino";
import type { VpcrouterConfig } from "../config/schema.js";

/**
 * Runs one replica with `config`, logging through `logger`.
 * @returns the process exit code: 0 after a requested stop, 1 after a fatal runtime failure.
 */
export async function runDaemon(_config: VpcrouterConfig, _logger: Logger): Promise<number> {
  throw new Error("not implemented");
}
