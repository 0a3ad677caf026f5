/**
 * The API's security settings made ready to serve: the bearer token and the TLS files read, the
 * write policy built, and the one start-up line that says who may write.
 */
import type { VpcrouterConfig } from "../config/schema.js";
import { readSettingFile } from "../lib/secret-file.js";
import { BearerToken } from "./bearer-token.js";
import type { ApiTls } from "./server.js";
import { standingRefusal, type WritePolicy } from "./write-guard.js";

/** What createApiServer needs besides the backend, from `api.*`. */
export interface ApiListener {
  readonly writePolicy: WritePolicy;
  readonly tls: ApiTls | undefined;
  /** For the start-up log: how writes are guarded (or why they are refused), e.g. "writes need the bearer token". */
  readonly writeMode: string;
  /** Writes are wanted (`api.writes`) but every one is refused: start-up warns. */
  readonly writesRefused: boolean;
}

/**
 * Reads `api.tokenFile` and `api.tls.*` and builds the write policy.
 * @param api - the validated `api` settings.
 * @throws SecretFileError when the token file or a TLS file cannot be read (or the token is too
 *   short); the message names the setting and the path, never the contents.
 */
export function apiListenerOf(api: VpcrouterConfig["api"]): ApiListener {
  const token = api.tokenFile === "" ? undefined : BearerToken.fromFile(api.tokenFile);
  const writePolicy: WritePolicy = {
    writes: api.writes,
    token,
    listenAddress: api.address,
    allowedOrigins: api.allowedOrigins.map(canonicalOrigin),
    allowedHosts: api.allowedHosts,
  };
  const tls =
    api.tls.cert === ""
      ? undefined
      : {
          cert: readSettingFile("api.tls.cert", api.tls.cert),
          key: readSettingFile("api.tls.key", api.tls.key),
          ...(api.tls.clientCa === ""
            ? {}
            : { clientCa: readSettingFile("api.tls.clientCa", api.tls.clientCa) }),
        };
  return { writePolicy, tls, ...writeModeOf(writePolicy, api.address) };
}

/**
 * An origin as a browser sends it: lower case, without the scheme's default port (RFC 6454
 * section 6.1 serialises `https://x:443` as `https://x`).
 */
export function canonicalOrigin(origin: string): string {
  return origin.toLowerCase().replace(/^(https:\/\/.+):443$|^(http:\/\/.+):80$/, "$1$2");
}

function writeModeOf(policy: WritePolicy, address: string): Pick<ApiListener, "writeMode" | "writesRefused"> {
  const refusal = standingRefusal(policy);
  if (refusal && policy.writes) {
    return {
      writeMode: `${refusal.error}: every write is refused; set api.tokenFile (--api-token-file) to accept writes, or api.writes false (--api-read-only)`,
      writesRefused: true,
    };
  }
  if (refusal) return { writeMode: refusal.error, writesRefused: false };
  if (policy.token)
    return { writeMode: "writes need the bearer token of api.tokenFile", writesRefused: false };
  return {
    writeMode: `writes accepted without a token, from this machine only (${address} is loopback)`,
    writesRefused: false,
  };
}
