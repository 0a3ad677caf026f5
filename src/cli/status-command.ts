/**
 * `vpcrouter status`: asks a running replica's HTTP API for its status (GET /status).
 */
import type { VpcrouterConfig } from "../config/schema.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { type CliIo, describeError } from "./io.js";

/** Longest wait for the status API, ms: it answers from memory, so anything slower is a failure. */
const STATUS_TIMEOUT_MS = 5000;

/**
 * The URL of a replica's status API. A wildcard listen address is reached through loopback; an
 * API with `api.tls.cert` is asked over HTTPS (trust its CA through `NODE_EXTRA_CA_CERTS`).
 * @returns e.g. `"http://127.0.0.1:33289/status"`, `"https://[::1]:33289/status"`.
 */
export function statusUrl(api: VpcrouterConfig["api"]): string {
  let host = api.address;
  if (host === "0.0.0.0") host = "127.0.0.1";
  if (host === "::") host = "::1";
  if (host.includes(":")) host = `[${host}]`;
  const scheme = api.tls.cert === "" ? "http" : "https";
  return `${scheme}://${host}:${api.port}/status`;
}

/**
 * Prints the status document (pretty-printed when JSON). Exit 0, or 1 when the API is
 * unreachable, too slow, or answers with an HTTP error.
 */
export async function showStatus(config: VpcrouterConfig, io: CliIo): Promise<ExitCode> {
  const url = statusUrl(config.api);
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(STATUS_TIMEOUT_MS) });
    body = await response.text();
  } catch (error) {
    io.err(
      `vpcrouter: cannot reach the status API at ${url} (${describeError(error)}); is the daemon running?`,
    );
    return EXIT.failure;
  }
  io.out(prettyJson(body));
  if (!response.ok) {
    io.err(`vpcrouter: the status API at ${url} answered HTTP ${response.status}`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
