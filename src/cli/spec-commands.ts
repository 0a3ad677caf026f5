/**
 * `vpcrouter spec validate|put|get`: check a route spec file, store it in etcd, show the stored one.
 * A spec is validated before it is written, so this command never stores an invalid spec (the
 * daemon would reject it anyway and keep the last good one: docs/DESIGN.md section 2 "Route spec").
 */
import { readFile } from "node:fs/promises";
import { clusterKeys } from "../cluster/keys.js";
import type { VpcrouterConfig } from "../config/schema.js";
import { parseSpec } from "../route-spec/parse.js";
import type { RouteSpec } from "../route-spec/route-spec.js";
import { specWriteRefusal } from "../spec-source/spec-write-refusal.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { type CliIo, describeError } from "./io.js";
import { withEtcd } from "./with-etcd.js";

/** A spec read and validated, or the exit code already reported. */
type Checked = { ok: true; text: string; spec: RouteSpec } | { ok: false; code: ExitCode };

/**
 * `spec validate FILE`: prints `OK: <file> holds a valid route spec with N routes` (exit 0), or
 * every problem on its own line on stderr (exit 2).
 * @param file - path, or `-` for standard input.
 */
export async function specValidate(file: string, config: VpcrouterConfig, io: CliIo): Promise<ExitCode> {
  const checked = await readAndCheck(file, config, io);
  if (!checked.ok) return checked.code;
  io.out(`OK: ${displayName(file)} holds a valid route spec with ${routeCount(checked.spec)}`);
  return EXIT.ok;
}

/**
 * `spec put FILE|-`: validates, then writes the text unchanged to `<prefix>/spec` and prints the
 * etcd revision of the write. Exit 0 written, 2 invalid spec or a spec mode whose spec does not come
 * from etcd (`specWriteRefusal`; nothing written), 1 etcd failure.
 */
export async function specPut(file: string, config: VpcrouterConfig, io: CliIo): Promise<ExitCode> {
  const refusal = specWriteRefusal(config.spec);
  if (refusal !== undefined) {
    io.err(`vpcrouter: not written: ${refusal}`);
    return EXIT.usage;
  }
  const checked = await readAndCheck(file, config, io);
  if (!checked.ok) return checked.code;
  const key = clusterKeys(config.etcd.prefix).spec;
  return withEtcd(config, io, `write ${key} to etcd`, async ({ client }) => {
    const result = await client.put(key).value(checked.text).exec();
    io.out(`spec written to ${key} (${routeCount(checked.spec)}) at revision ${result.header.revision}`);
    return EXIT.ok;
  });
}

/**
 * `spec get`: prints the value of `<prefix>/spec` exactly as stored. Exit 0, or 1 when no spec is
 * stored or etcd cannot be reached.
 */
export async function specGet(config: VpcrouterConfig, io: CliIo): Promise<ExitCode> {
  const key = clusterKeys(config.etcd.prefix).spec;
  return withEtcd(config, io, `read ${key} from etcd`, async ({ client }) => {
    const text = await client.get(key).string();
    if (text === null) {
      io.err(`vpcrouter: no spec stored at ${key}`);
      return EXIT.failure;
    }
    io.out(text);
    return EXIT.ok;
  });
}

async function readAndCheck(file: string, config: VpcrouterConfig, io: CliIo): Promise<Checked> {
  let text: string;
  try {
    text = file === "-" ? await io.readStdin() : await readFile(file, "utf8");
  } catch (error) {
    io.err(`vpcrouter: cannot read ${displayName(file)}: ${describeError(error)}`);
    return { ok: false, code: EXIT.usage };
  }
  const result = parseSpec(text, { maxRoutes: config.spec.maxRoutes });
  if (!result.ok) {
    io.err(`vpcrouter: ${displayName(file)} is not a valid route spec:`);
    for (const problem of result.problems) io.err(`  - ${problem.message}`);
    return { ok: false, code: EXIT.usage };
  }
  return { ok: true, text, spec: result.spec };
}

function displayName(file: string): string {
  return file === "-" ? "standard input" : file;
}

function routeCount(spec: RouteSpec): string {
  const count = Object.keys(spec).length;
  return count === 1 ? "1 route" : `${count} routes`;
}
