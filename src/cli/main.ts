#!/usr/bin/env node
/**
 * Entry point of the `vpcrouter` command (the program itself: program.ts). A bare
 * `vpcrouter [options]` runs the daemon, as vpc-router does.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type CliIo, processIo } from "./io.js";
import { runProgram } from "./program.js";

export { buildProgram } from "./program.js";

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
  return runProgram(argv, { io, env, from: "node" });
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
  // socket) may otherwise keep the process alive. Log files and standard error are written
  // synchronously (src/log/logger.ts) and pino flushes standard output on exit, so no line is lost.
  process.exit(await main(process.argv));
}
