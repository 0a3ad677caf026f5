/**
 * Who may write through the HTTP API: the pure decision on one write request (its method, headers
 * and the write policy), made before its body is read. The fastify hook is in write-hook.ts.
 */
import ipaddr from "ipaddr.js";
import type { BearerToken } from "./bearer-token.js";

/** What the configuration says about writes (`api.*`), with the token already read from its file. */
export interface WritePolicy {
  /** `api.writes`: false makes the API read-only. */
  readonly writes: boolean;
  /** The token writes must carry (`api.tokenFile`); undefined: none configured. */
  readonly token: BearerToken | undefined;
  /** `api.address`, e.g. `"127.0.0.1"`, `"0.0.0.0"`, `"localhost"`. */
  readonly listenAddress: string;
  /** `api.allowedOrigins`, e.g. `["https://ops.example.com"]`. */
  readonly allowedOrigins: readonly string[];
  /** `api.allowedHosts`, e.g. `["vpcrouter.ops.internal"]`. */
  readonly allowedHosts: readonly string[];
}

/** The parts of a write request the decision reads (header values as received, lower-case names). */
export interface WriteRequest {
  readonly contentType: string | undefined;
  readonly origin: string | undefined;
  readonly host: string | undefined;
  readonly authorization: string | undefined;
}

/** Why a write is refused: the HTTP status and the sentence of the JSON body's `error`. */
export interface WriteRefusal {
  /** 401 no or wrong token, 403 writes off, unsafe exposure or foreign Origin, 415 not JSON, 421 foreign Host. */
  readonly status: 401 | 403 | 415 | 421;
  readonly error: string;
}

/** Whether `address` (`api.address`) only admits clients of this machine. */
export function isLoopbackAddress(address: string): boolean {
  if (address === "localhost") return true;
  return ipaddr.isValid(address) && ipaddr.process(address).range() === "loopback";
}

/**
 * Why writes are refused whatever the request, if they are: writes are switched off, or the API
 * listens beyond loopback without a token (anyone on the network could move the VPC's routes).
 * @returns the refusal, or undefined when writes can be accepted.
 */
export function standingRefusal(policy: WritePolicy): WriteRefusal | undefined {
  if (!policy.writes) return { status: 403, error: "writes are switched off (api.writes false)" };
  if (policy.token === undefined && !isLoopbackAddress(policy.listenAddress)) {
    return {
      status: 403,
      error: `writes are refused: the API listens on ${policy.listenAddress}, beyond loopback, and no api.tokenFile is configured`,
    };
  }
  return undefined;
}

/**
 * Decides one write. Checks, in order: standing refusal, `Host` (421; against DNS rebinding),
 * `Origin` (403; against cross-site requests, which a browser sends without a preflight for
 * `text/plain`), the bearer token (401), then `Content-Type: application/json` (415).
 * A request without `Origin` (curl, scripts) passes the Origin check; one without `Host` (HTTP/1.0)
 * passes the Host check: browsers always send both.
 *
 * @returns the refusal, or undefined when the write may go on to be parsed and validated.
 */
export function refuseWrite(policy: WritePolicy, request: WriteRequest): WriteRefusal | undefined {
  const standing = standingRefusal(policy);
  if (standing) return standing;
  if (request.host !== undefined && !isAcceptedHost(policy, request.host)) {
    return {
      status: 421,
      error: `Host ${JSON.stringify(request.host)} is not this API's address, a loopback name or one of api.allowedHosts`,
    };
  }
  if (request.origin !== undefined && !policy.allowedOrigins.includes(request.origin.toLowerCase())) {
    return {
      status: 403,
      error: `Origin ${JSON.stringify(request.origin)} may not write: it is not one of api.allowedOrigins`,
    };
  }
  if (policy.token && !policy.token.matchesAuthorization(request.authorization)) {
    return {
      status: 401,
      error:
        request.authorization === undefined
          ? "writes need a bearer token: send Authorization: Bearer <token>"
          : "the bearer token is wrong",
    };
  }
  if (!isJson(request.contentType)) {
    return {
      status: 415,
      error:
        "writes must be sent as Content-Type: application/json (curl: -H 'Content-Type: application/json')",
    };
  }
  return undefined;
}

function isJson(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  return mediaType === "application/json";
}

/** The host part of a Host header: `name:port` → `name`, `[::1]:80` → `::1`, lower case. */
export function hostOfHeader(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(1, value.indexOf("]") > 0 ? value.indexOf("]") : undefined);
  const colon = value.indexOf(":");
  return colon >= 0 ? value.slice(0, colon) : value;
}

function isAcceptedHost(policy: WritePolicy, header: string): boolean {
  const host = hostOfHeader(header);
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (policy.allowedHosts.some((allowed) => allowed.toLowerCase() === host)) return true;
  if (!ipaddr.isValid(host)) return false;
  // An address is never a rebinding: a page can only reach one by its own origin. Off a wildcard
  // listen address any address of this machine is the API's; otherwise only the one it listens on.
  const address = ipaddr.process(host);
  if (address.range() === "loopback") return true;
  const listen = policy.listenAddress;
  if (!ipaddr.isValid(listen)) return false;
  const listening = ipaddr.process(listen);
  return listening.range() === "unspecified" || listening.toString() === address.toString();
}
