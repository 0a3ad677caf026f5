/**
 * The daemon's command line turned into its configuration, without starting anything: the same
 * program, flags and checks as `vpcrouter [run] [options]`, with the daemon replaced by a probe
 * that keeps the configuration. For tests and tools (e.g. checking a vpc-router command line).
 */
import { type Command, CommanderError } from "commander";
import type { VpcrouterConfig } from "../config/schema.js";
import { EXIT } from "./exit-codes.js";
import type { CliIo } from "./io.js";
import { runProgram } from "./program.js";

/** Outcome of {@link parseRunConfig}. */
export interface RunConfigParse {
  /** The exit code the command line would have had up to the daemon's start: 0, or 2 (1 never). */
  readonly code: number;
  /** The configuration the daemon would run with; undefined when `code` is not 0 or for help. */
  readonly config: VpcrouterConfig | undefined;
  /** What the command printed on standard output (help, version), lines joined by `\n`. */
  readonly out: string;
  /** What it printed on standard error (`vpcrouter: …` messages), lines joined by `\n`. */
  readonly err: string;
}

/**
 * Parses a daemon command line as `vpcrouter` would and returns the configuration it loads.
 * Nothing is started: no daemon, no log file opened, no network. Commands other than `run`
 * (`spec …`, `status`) are refused with exit code 2 instead of being executed.
 *
 * @param args - the arguments after the program name, e.g. `["-m", "configfile", "-f", "x.conf"]`.
 * @param env - environment for `VPCROUTER_*` and `VPCROUTER_CONFIG`; default none (hermetic).
 * @returns the exit code, the configuration when it is valid, and the output. Never throws.
 */
export async function parseRunConfig(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<RunConfigParse> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    readStdin: async () => "",
  };
  let config: VpcrouterConfig | undefined;
  const code = await runProgram(args, {
    io,
    env,
    from: "user",
    runDaemon: async (loaded) => {
      config = loaded;
      return EXIT.ok;
    },
    adjust: (program) => refuseOtherCommands(program, io),
  });
  return { code, config: code === EXIT.ok ? config : undefined, out: out.join("\n"), err: err.join("\n") };
}

/** Replaces the action of every leaf command except `run` by a refusal (exit 2). */
function refuseOtherCommands(command: Command, io: CliIo): void {
  for (const sub of command.commands) {
    if (sub.name() === "run") continue;
    if (sub.commands.length > 0) {
      refuseOtherCommands(sub, io);
      continue;
    }
    sub.action(() => {
      io.err(`vpcrouter: '${sub.name()}' is not the daemon's command line`);
      throw new CommanderError(EXIT.usage, "vpcrouter.notRunCommand", "not the run command");
    });
  }
}
