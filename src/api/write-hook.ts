/**
 * The fastify `onRequest` hook of every write endpoint: applies the write guard (write-guard.ts)
 * before the body is read, answers a refusal as JSON and logs it (never the token).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { refuseWrite, type WritePolicy } from "./write-guard.js";

/** One header's value, or undefined when absent (or not a single value). */
function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * Builds the hook for `policy`.
 * @param logger - refusals are logged at warn with method, URL, remote address and reason.
 * @returns an async `onRequest` hook: it sends `{ error }` with 401/403/415/421 (401 with
 *   `WWW-Authenticate: Bearer`, RFC 6750 section 3) and the route handler never runs.
 */
export function writeHook(policy: WritePolicy, logger: Logger) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const refusal = refuseWrite(policy, {
      contentType: headerValue(request, "content-type"),
      origin: headerValue(request, "origin"),
      host: headerValue(request, "host"),
      authorization: headerValue(request, "authorization"),
    });
    if (refusal === undefined) return;
    logger.warn(
      { method: request.method, url: request.url, remote: request.ip, status: refusal.status },
      `write refused: ${refusal.error}`,
    );
    if (refusal.status === 401) reply.header("www-authenticate", 'Bearer realm="vpcrouter"');
    return reply.code(refusal.status).send({ error: refusal.error });
  };
}
