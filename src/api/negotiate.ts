/**
 * Content negotiation of vpc-router's state endpoints (romana/vpc-router 1.8,
 * `vpcrouter/main/http_server.py` `handle_request`): HTML for browsers, compact JSON for
 * `application/json`, indented JSON as `text/plain` for anything else a client accepts (`*\/*`,
 * `text/*`, no `Accept` header at all, as curl and wget send), and 406 Not Acceptable when nothing
 * fits (vpc-router answered 407, which is "Proxy Authentication Required").
 *
 * Unlike vpc-router's substring tests, `Accept` is parsed (RFC 9110 §12.5.1): quality values count,
 * so `application/json;q=0.5, text/html` gets HTML and `text/html;q=0` never does. At equal quality
 * the type the client lists first wins: `application/json, text/html` gets JSON (vpc-router: HTML).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { renderStateHtml } from "./html.js";

/** The representations offered, in the order that breaks ties (`*\/*` gets the first). */
const OFFERS = ["text/plain", "application/json", "text/html"] as const;

/** How a body is sent: indented JSON as text, compact JSON, or an HTML page. */
export type Representation = "text" | "json" | "html";

const BY_TYPE: Readonly<Record<(typeof OFFERS)[number], Representation>> = {
  "text/plain": "text",
  "application/json": "json",
  "text/html": "html",
};

/** The part of `@fastify/accepts`' request decoration this module uses. */
export interface AcceptsLike {
  type(types: string[]): string[] | string | false;
}

/**
 * The representation the client prefers, from its `Accept` header.
 * @returns undefined when the client accepts none of them (answer 406).
 */
export function chooseRepresentation(accepts: AcceptsLike): Representation | undefined {
  const chosen = accepts.type([...OFFERS]);
  return typeof chosen === "string" && chosen in BY_TYPE
    ? BY_TYPE[chosen as keyof typeof BY_TYPE]
    : undefined;
}

/**
 * Sends `body` in the representation the request asks for, or a 406 with a JSON error body.
 * Responses carry `Vary: Accept`; HTML also `Content-Security-Policy: default-src 'none'`.
 * @param title the HTML page's title.
 */
export function sendNegotiated(
  request: FastifyRequest,
  reply: FastifyReply,
  body: unknown,
  title: string,
): FastifyReply {
  reply.header("vary", "Accept");
  switch (chooseRepresentation(request.accepts())) {
    case "text":
      return reply.type("text/plain; charset=utf-8").send(`${JSON.stringify(body, null, 4)}\n`);
    case "json":
      return reply.type("application/json; charset=utf-8").send(JSON.stringify(body));
    case "html":
      return sendHtml(reply, renderStateHtml(body, title));
    case undefined:
      return reply.code(406).send({
        error: `cannot render ${request.url} in an acceptable content type; available: ${OFFERS.join(", ")}`,
      });
  }
}

/**
 * Sends a page of ours: no script, no style, so it goes out under
 * `Content-Security-Policy: default-src 'none'` (and `Vary: Accept`: the same URL serves JSON).
 */
export function sendHtml(reply: FastifyReply, html: string): FastifyReply {
  return reply
    .header("vary", "Accept")
    .type("text/html; charset=utf-8")
    .header("content-security-policy", "default-src 'none'")
    .header("x-content-type-options", "nosniff")
    .send(html);
}
