/**
 * `vpcrouter run`: runs one replica until SIGTERM or SIGINT, then stops gracefully (resigning
 * leadership at once so another replica takes over without waiting for the lease TTL).
 */
import type { Logger } from "pino";
import type { VpcrouterConfig } from "../config/schema.js";
import { StartupConfigError, startDaemon } from "../daemon.js";
import { SecretFileError } from "../lib/secret-file.js";
import { PluginStartupError } from "../plugin/daemon-plugins.js";
import { EXIT } from "./exit-codes.js";

/**
 * Runs one replica with `config`, logging through `logger`.
 * @returns the process exit code: 0 after a requested stop, 2 when the configuration cannot run
 *   (no VPC id given or detectable, a secret or TLS file unreadable), 1 when the daemon cannot start otherwise (e.g. the API port is
 *   in use).
 */
export async function runDaemon(config: VpcrouterConfig, logger: Logger): Promise<number> {
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  try {
    daemon = await startDaemon(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, `cannot start: ${(error as Error).message}`);
    const isConfigError =
      error instanceof StartupConfigError ||
      error instanceof SecretFileError ||
      error instanceof PluginStartupError;
    return isConfigError ? EXIT.usage : EXIT.failure;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  logger.info({ signal }, "signal received");
  await daemon.stop();
  return EXIT.ok;
}
