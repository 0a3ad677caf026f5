/**
 * The `vpcrouter` command line: the daemon (`run`, also what a bare `vpcrouter [options]` does, as
 * with vpc-router), `spec validate|put|get`, `plan`, `switchover`, `pause`, `resume`, `status`.
 *
 * Configuration flags are global: they are accepted by every command (`spec put` needs the etcd
 * endpoints, `status` the API address), but each command's `--help` lists only those it uses
 * ({@link helpFlagsOf}). Exit codes: see {@link EXIT}.
 *
 * Heavy modules (the daemon, etcd's gRPC client) load lazily, so `--help`, `spec validate` and
 * `status` stay fast.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import type { Logger } from "pino";
import { ConfigError, loadConfig } from "../config/load.js";
import type { VpcrouterConfig } from "../config/schema.js";
import { createLogger, LogFileError } from "../log/logger.js";
import { PluginLoadError } from "../plugin/load-plugin.js";
import { type CliPlugins, loadCliPlugins } from "./cli-plugins.js";
import { pauseCluster, resumeCluster, switchover } from "./cluster-commands.js";
import { EXIT } from "./exit-codes.js";
import { CONFIG_FILE_ENV, CONFIG_FILE_FLAG, CONFIG_FLAGS } from "./flag-table.js";
import { configFlagOptions, flagSources } from "./flags.js";
import { type CliIo, describeError } from "./io.js";
import { showPlan } from "./plan-command.js";
import { pluginFlags, pluginOverrides } from "./plugin-flags.js";
import { pluginNamesOf } from "./plugin-names.js";
import { specGet, specPut, specValidate } from "./spec-commands.js";
import { showStatus } from "./status-command.js";

const HELP_FOOTER = `
Without a command, vpcrouter runs the daemon: an existing vpc-router command line such as
  vpcrouter -m configfile -f route-spec.conf -r us-east-1 -v vpc-350d6a51 --health tcp
runs unchanged. vpc-router's spellings are accepted too: --fixed_cidr, --fixed_hosts,
--tcp_check_port, --multi_plugins, --ignore_routes, --route_recheck_interval, --logfile,
--icmp_check_interval, --tcp_check_interval (config/README.md).

-m and --health also take a plugin's npm package name or module path; the flags of its options
(--<plugin>-<option>) are listed here once it is named (docs/PLUGINS.md).

Every flag also has a configuration file key and a VPCROUTER_* environment variable (config/README.md).
Precedence: defaults < --config file (or $${CONFIG_FILE_ENV}) < environment < flags.

Exit codes: 0 done (or daemon stopped), 1 runtime failure, 2 bad usage, configuration or spec.`;

/** The long flag names of the settings under `prefixes`, e.g. `["etcd."]` → `--etcd-endpoints`, … */
function longFlagsOf(prefixes: readonly string[]): Set<string> {
  return new Set(
    CONFIG_FLAGS.filter((flag) => prefixes.some((prefix) => flag.path.startsWith(prefix))).map(
      (flag) => new Option(flag.flags).long ?? flag.flags,
    ),
  );
}

/**
 * The global flags a command's `--help` lists: `run` (and the bare program) all of them, `spec
 * put|get` the etcd ones, `status` the API ones, every command `--config`. Others are accepted
 * but not listed where they change nothing.
 * @returns undefined for "all of them".
 */
function helpFlagsOf(command: Command): Set<string> | undefined {
  const path = [command.parent?.name(), command.name()].filter((name) => name !== "vpcrouter").join(" ");
  const own = (() => {
    switch (path) {
      case "":
      case "run":
        return undefined;
      case "spec put":
      case "spec get":
      case "pause":
      case "resume":
      case "switchover":
        return longFlagsOf(["etcd."]);
      case "plan":
        return longFlagsOf(["etcd.", "aws.", "reconcile.", "quorum."]);
      case "status":
        return longFlagsOf(["api.address", "api.port", "api.tls.cert", "api.client."]);
      default:
        return new Set<string>();
    }
  })();
  own?.add(new Option(CONFIG_FILE_FLAG.flags).long ?? CONFIG_FILE_FLAG.flags);
  return own;
}

/** What the program does once the daemon's configuration is loaded; replaceable for tests. */
export type DaemonRunner = (config: VpcrouterConfig, io: CliIo) => Promise<number>;

/** Options of {@link runProgram}. */
export interface RunProgramOptions {
  readonly io: CliIo;
  /** Environment for `VPCROUTER_*` settings and `VPCROUTER_CONFIG`. */
  readonly env: NodeJS.ProcessEnv;
  /** `"node"`: `args` starts with the node binary and the script; `"user"`: only the arguments. */
  readonly from: "node" | "user";
  /** Runs the daemon; default: the real one ({@link runDaemonCommand}). */
  readonly runDaemon?: DaemonRunner;
  /** Called on the program before parsing (e.g. to replace the other commands' actions). */
  readonly adjust?: (program: Command) => void;
}

/**
 * Parses `args` and runs the command.
 * @returns the exit code: 0 ok, 1 runtime failure, 2 bad usage or configuration. Never throws:
 *   commander's errors and {@link ConfigError}s are reported on `io.err`.
 */
export async function runProgram(args: readonly string[], options: RunProgramOptions): Promise<number> {
  const { io } = options;
  let exitCode: number = EXIT.ok;
  const userArgs = options.from === "node" ? args.slice(2) : args;
  let plugins: CliPlugins = { plugins: [] };
  try {
    plugins = await loadCliPlugins(pluginNamesOf(userArgs, options.env));
    const program = buildProgram(
      io,
      options.env,
      (code) => {
        exitCode = code;
      },
      options.runDaemon,
      plugins,
    );
    options.adjust?.(program);
    await program.parseAsync([...args], { from: options.from });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the message (or the help/version text, with exit code 0). A
      // plugin's flag is unknown when the plugin did not load: say why it did not.
      if (error.exitCode !== 0 && plugins.error) io.err(`vpcrouter: ${plugins.error.message}`);
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    io.err(`vpcrouter: ${describeError(error)}`);
    return error instanceof ConfigError || error instanceof PluginLoadError ? EXIT.usage : EXIT.failure;
  }
}

/**
 * Builds the commander program. Actions report their exit code through `setExit`; errors
 * (including {@link ConfigError}) propagate to the caller.
 *
 * @param runDaemon - what `run` does with the loaded configuration (default {@link runDaemonCommand}).
 */
export function buildProgram(
  io: CliIo,
  env: NodeJS.ProcessEnv,
  setExit: (code: number) => void,
  runDaemon: DaemonRunner = runDaemonCommand,
  plugins: CliPlugins = { plugins: [] },
): Command {
  const program = new Command("vpcrouter")
    .description("Keeps AWS VPC route tables pointing at healthy routers (etcd-coordinated replicas).")
    .version(packageVersion(), "-V, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, "")),
      writeErr: (text) => io.err(text.replace(/\n$/, "")),
      outputError: (text, write) => write(`vpcrouter: ${text.replace(/^error: /, "")}`),
    })
    .showHelpAfterError("(see vpcrouter --help)")
    .configureHelp({
      showGlobalOptions: true,
      // Subcommands inherit this help configuration; each lists only the global flags it uses.
      visibleGlobalOptions: (command) => {
        const shown = helpFlagsOf(command);
        const globals = command.parent?.options ?? [];
        const root = command.parent?.parent?.options ?? [];
        return [...globals, ...root].filter(
          (option) => !option.hidden && (shown === undefined || shown.has(option.long ?? "")),
        );
      },
    })
    .addHelpText("after", HELP_FOOTER)
    .addOption(new Option(CONFIG_FILE_FLAG.flags, CONFIG_FILE_FLAG.description));
  for (const option of configFlagOptions()) program.addOption(option);
  const taken = new Set(program.options.map((option) => option.long ?? ""));
  const optionFlags = pluginFlags(plugins.plugins, taken);
  for (const { option } of optionFlags) program.addOption(option);

  const config = (): VpcrouterConfig => {
    // A plugin that cannot be used stops every command that needs the configuration (exit 2).
    if (plugins.error) throw plugins.error;
    const values = program.opts<Record<string, unknown>>();
    const file = typeof values.config === "string" ? values.config : env[CONFIG_FILE_ENV];
    const sources = flagSources(values);
    const overrides = { ...sources.overrides, ...pluginOverrides(optionFlags, values) };
    return loadConfig({ ...(file ? { file } : {}), env, ...sources, overrides, plugins: plugins.plugins });
  };

  program
    .command("run", { isDefault: true })
    .description("run the daemon (one replica) until SIGTERM or SIGINT; the default command")
    // Operands reach the default command when the first one names no command: report it as one.
    .allowExcessArguments()
    .action(async (_options: unknown, command: Command) => {
      const [operand] = command.args;
      if (operand !== undefined) {
        program.error(`unknown command '${operand}'`, {
          code: "commander.unknownCommand",
          exitCode: EXIT.usage,
        });
      }
      setExit(await runDaemon(config(), io));
    });

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
    .command("plan")
    .description("show what the leader would change now and why (reads etcd and EC2, writes nothing)")
    .option("--json", "print the plan as JSON")
    .action(async (options: { json?: boolean }) =>
      setExit(await showPlan(config(), io, { json: options.json === true })),
    );
  program
    .command("switchover")
    .description(
      "make the leader hand over at once, to --to or to the next candidate; waits for the new leader",
    )
    .option("--to <replica>", "the replica id that should lead next")
    .action(async (options: { to?: string }) => setExit(await switchover(config(), io, options.to)));
  program
    .command("pause")
    .description("maintenance: no replica writes to EC2 until resume (probes and votes go on)")
    .option("--reason <text>", "why, shown in /status and the logs")
    .action(async (options: { reason?: string }) =>
      setExit(await pauseCluster(config(), io, options.reason)),
    );
  program
    .command("resume")
    .description("end a maintenance pause: the leader reconciles at once")
    .action(async () => setExit(await resumeCluster(config(), io)));

  program
    .command("status")
    .description("print the status of the replica whose API is at --address:--port (exit 1 when not ready)")
    .option("--json", "print the whole status document as JSON")
    .action(async (options: { json?: boolean }) =>
      setExit(await showStatus(config(), io, { json: options.json === true })),
    );
  return program;
}

/**
 * `run`: opens the log destination (`log.file`), then loads the daemon module (etcd, AWS SDK,
 * fastify) and runs it. The daemon starts its own telemetry; no OpenTelemetry
 * auto-instrumentation is used, so nothing must be loaded before it.
 * @returns the daemon's exit code; 2 when the log file cannot be opened; 1 when the daemon fails.
 */
export async function runDaemonCommand(config: VpcrouterConfig, io: CliIo): Promise<number> {
  let logger: Logger;
  try {
    logger = createLogger(config.log);
  } catch (error) {
    if (!(error instanceof LogFileError)) throw error;
    io.err(`vpcrouter: invalid configuration: log.file: ${error.message}`);
    return EXIT.usage;
  }
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
