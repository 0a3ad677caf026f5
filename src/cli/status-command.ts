/**
 * `vpcrouter status`: asks a running replica's HTTP API for its status (GET /status), over HTTPS
 * with a client certificate when the API asks for one.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { VpcrouterConfig } from "../config/schema.js";
import { readSettingFile } from "../lib/secret-file.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { type CliIo, describeError } from "./io.js";
import { formatStatusSummary } from "./status-summary.js";

/** Longest wait for the status API, ms: it answers from memory, so anything slower is a failure. */
const STATUS_TIMEOUT_MS = 5000;

/**
 * The URL of a replica's status API. A wildcard listen address is reached through loopback; an
 * API with `api.tls.cert`, or asked with any `api.client.*` setting, over HTTPS (its CA from
 * `api.client.ca`, else the system's and `NODE_EXTRA_CA_CERTS`).
 * @returns e.g. `"http://127.0.0.1:33289/status"`, `"https://[::1]:33289/status"`.
 */
export function statusUrl(api: VpcrouterConfig["api"]): string {
  let host = api.address;
  if (host === "0.0.0.0") host = "127.0.0.1";
  if (host === "::") host = "::1";
  if (host.includes(":")) host = `[${host}]`;
  const tls = api.tls.cert !== "" || api.client.cert !== "" || api.client.ca !== "";
  const scheme = tls ? "https" : "http";
  return `${scheme}://${host}:${api.port}/status`;
}

/**
 * Prints a replica's status: a readable summary (status-summary.ts), or with `json` the whole
 * document pretty-printed.
 * @returns 0 when the replica is ready; 1 when it is not ready, the API is unreachable or too slow,
 *   or it answers with an HTTP error.
 */
export async function showStatus(
  config: VpcrouterConfig,
  io: CliIo,
  options: { readonly json?: boolean } = {},
): Promise<ExitCode> {
  const url = statusUrl(config.api);
  let response: { ok: boolean; status: number };
  let body: string;
  try {
    ({ response, body } = await get(url, config.api.client));
  } catch (error) {
    io.err(
      `vpcrouter: cannot reach the status API at ${url} (${describeError(error)}); is the daemon running?`,
    );
    return EXIT.failure;
  }
  const document = parseJson(body);
  if (options.json === true || document === undefined)
    io.out(document === undefined ? body : JSON.stringify(document, null, 2));
  else io.out(formatStatusSummary(document));
  if (!response.ok) {
    io.err(`vpcrouter: the status API at ${url} answered HTTP ${response.status}`);
    return EXIT.failure;
  }
  if (typeof document !== "object" || document === null || (document as { ready?: unknown }).ready !== true) {
    io.err(`vpcrouter: the replica at ${url} is not ready (it has not joined the cluster or read its state)`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

/**
 * GET `url` within {@link STATUS_TIMEOUT_MS}, presenting `client.cert` when set.
 * @throws the socket's or TLS's error, a SecretFileError for an unreadable file, or a timeout
 */
function get(
  url: string,
  client: VpcrouterConfig["api"]["client"],
): Promise<{ response: { ok: boolean; status: number }; body: string }> {
  const https = url.startsWith("https:");
  const tls = https
    ? {
        ...(client.cert === "" ? {} : { cert: readSettingFile("api.client.cert", client.cert) }),
        ...(client.key === "" ? {} : { key: readSettingFile("api.client.key", client.key) }),
        ...(client.ca === "" ? {} : { ca: readSettingFile("api.client.ca", client.ca) }),
      }
    : {};
  const signal = AbortSignal.timeout(STATUS_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(url, { ...tls, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        resolve({
          response: { ok: status >= 200 && status < 300, status },
          body: Buffer.concat(chunks).toString("utf8"),
        });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
