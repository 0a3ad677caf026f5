#!/usr/bin/env node
/**
 * The `vpcrouter` command: `run` (the daemon), `spec validate|put|get`, `status`.
 *
 * Configuration flags are global: they apply to every command (`spec put` needs the etcd
 * endpoints, `status` the API address). Exit codes: see {@link EXIT}.
 *
 * Heavy modules (the daemon, etcd's gRPC client) load lazily, so `--help`, `spec validate` and
 * `status` stay fast.
 */
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import type { Logger } from "pino";
import { ConfigError, loadConfig } from "../config/load.js";
import type { VpcrouterConfig } from "../config/schema.js";
import { createLogger } from "../log/logger.js";
import { EXIT } from "./exit-codes.js";
import { CONFIG_FILE_ENV, CONFIG_FILE_FLAG, configFlagOptions, overridesFromFlags } from "./flags.js";
import { type CliIo, describeError, processIo } from "./io.js";
import { specGet, specPut, specValidate } from "./spec-commands.js";
import { showStatus } from "./status-command.js";

const HELP_FOOTER = `
Every flag also has a configuration file key and a VPCROUTER_* environment variable (config/README.md).
Precedence: defaults < --config file (or $${CONFIG_FILE_ENV}) < environment < flags.

Exit codes: 0 done (or daemon stopped), 1 runtime failure, 2 bad usage, configuration or spec.`;

/**
 * Parses `argv` and runs the command.
 *
 * @param argv - full process arguments (`[node, script, ...args]`).
 * @param io - output streams (default: the process's).
 * @param env - environment for `VPCROUTER_*` settings (default: `process.env`).
 * @returns the exit code: 0 ok, 1 runtime failure, 2 bad usage or configuration. Never throws.
 */
export async function main(
  argv: readonly string[],
  io: CliIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, env, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: "node" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the message (or the help/version text).
      return error.code === "commander.helpDisplayed" || error.code === "commander.version"
        ? EXIT.ok
        : EXIT.usage;
    }
    io.err(`vpcrouter: ${describeError(error)}`);
    return error instanceof ConfigError ? EXIT.usage : EXIT.failure;
  }
}

/**
 * Builds the commander program. Actions report their exit code through `setExit`; errors
 * (including {@link ConfigError}) propagate to {@link main}.
 */
export function buildProgram(io: CliIo, env: NodeJS.ProcessEnv, setExit: (code: number) => void): Command {
  const program = new Command("vpcrouter")
    .description("Keeps AWS VPC route tables pointing at healthy routers (etcd-coordinated replicas).")
    .version(packageVersion(), "-V, --version")
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`vpcrouter: ${text.replace(/^error: /, "")}`) })
    .showHelpAfterError("(see vpcrouter --help)")
    .configureHelp({ showGlobalOptions: true })
    .addHelpText("after", HELP_FOOTER)
    .addOption(new Option(CONFIG_FILE_FLAG.flags, CONFIG_FILE_FLAG.description));
  for (const option of configFlagOptions()) program.addOption(option);

  const config = (): VpcrouterConfig => {
    const values = program.opts<Record<string, unknown>>();
    const file = typeof values.config === "string" ? values.config : env[CONFIG_FILE_ENV];
    return loadConfig({ ...(file ? { file } : {}), env, overrides: overridesFromFlags(values) });
  };

  program
    .command("run")
    .description("run the daemon (one replica) until SIGTERM or SIGINT")
    .action(async () => setExit(await runCommand(config())));

  const spec = program.command("spec").description("validate, store or show the route spec");
  spec
    .command("validate")
    .description("check a route spec file (- for standard input) without storing it")
    .argument("<file>", "JSON route spec, or - for standard input")
    .action(async (file: string) => setExit(await specValidate(file, config(), io)));
  spec
    .command("put")
    .description("validate a route spec and store it at <prefix>/spec in etcd")
    .argument("<file>", "JSON route spec, or - for standard input")
    .action(async (file: string) => setExit(await specPut(file, config(), io)));
  spec
    .command("get")
    .description("print the route spec stored in etcd")
    .action(async () => setExit(await specGet(config(), io)));

  program
    .command("status")
    .description("print the status of the replica whose API is at --address:--port")
    .action(async () => setExit(await showStatus(config(), io)));
  return program;
}

/**
 * `run`: the daemon module (etcd, AWS SDK, fastify) loads only now. The daemon starts its own
 * telemetry; no OpenTelemetry auto-instrumentation is used, so nothing must be loaded before it.
 */
async function runCommand(config: VpcrouterConfig): Promise<number> {
  const logger: Logger = createLogger(config.log);
  try {
    const { runDaemon } = await import("./run.js");
    return await runDaemon(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, "daemon failed");
    return EXIT.failure;
  }
}

function packageVersion(): string {
  try {
    const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
    const parsed: unknown = JSON.parse(text);
    if (
      typeof parsed === "object" &&
      parsed !== null &&
      "version" in parsed &&
      typeof parsed.version === "string"
    ) {
      return parsed.version;
    }
  } catch {
    // Fall through: a missing package.json must not break the command.
  }
  return "unknown";
}

/** True when this module is the process's entry point (also through the npm bin symlink). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // Exit explicitly: after a daemon's graceful stop, library handles (gRPC channels, the raw
  // socket) may otherwise keep the process alive. Writes to stdout/stderr are synchronous on Linux.
  process.exit(await main(process.argv));
}
