import type { IncomingMessage, ServerResponse } from "node:http";
import Fastify from "fastify";
import type { Logger } from "pino";
import { formatSpecProblems, parseSpec } from "../spec/parse.js";

/** What the HTTP API reads and does; the daemon provides it. */
export interface ApiBackend {
  /** Body of `GET /status`. */
  status(): Record<string, unknown>;
  /** The spec in force and its revision, if any. */
  specInForce(): { readonly spec: unknown; readonly revision: string } | undefined;
  /** Writes a validated spec (canonical JSON) to etcd. @returns the etcd revision. */
  putSpec(json: string): Promise<string>;
  ready(): boolean;
  maxRoutes(): number;
  /** Serves Prometheus text for `GET /metrics`. */
  metrics(request: IncomingMessage, response: ServerResponse): void;
}

/**
 * The HTTP API (default 127.0.0.1:33289, vpc-router's port): `GET /status`, `GET /route_spec`,
 * `POST /route_spec`, `GET /healthz`, `GET /readyz`, `GET /metrics`. Error bodies are JSON
 * `{ error, problems? }`.
 */
export function createApiServer(backend: ApiBackend, logger: Logger) {
  // Per-request logs (info) are noise for a status API: only warnings and errors get through.
  const app = Fastify({ loggerInstance: logger.child({ component: "api" }, { level: "warn" }) });

  // Specs arrive as text so that a JSON syntax error is reported like any other spec problem.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(
    ["application/json", "text/plain"],
    { parseAs: "string" },
    (_request, body, done) => done(null, body),
  );

  app.get("/status", async () => backend.status());

  app.get("/route_spec", async (_request, reply) => {
    const inForce = backend.specInForce();
    if (!inForce) return reply.code(404).send({ error: "no route spec in force" });
    return reply.header("x-spec-revision", inForce.revision).send(inForce.spec);
  });

  app.post("/route_spec", async (request, reply) => {
    const text = typeof request.body === "string" ? request.body : "";
    const parsed = parseSpec(text, { maxRoutes: backend.maxRoutes() });
    if (!parsed.ok) {
      return reply.code(400).send({
        error: `invalid route spec: ${formatSpecProblems(parsed.problems)}`,
        problems: parsed.problems,
      });
    }
    try {
      const revision = await backend.putSpec(JSON.stringify(parsed.spec));
      return reply.send({ ok: true, revision, routes: Object.keys(parsed.spec).length });
    } catch (error) {
      return reply.code(503).send({ error: `could not store the spec in etcd: ${(error as Error).message}` });
    }
  });

  app.get("/healthz", async () => ({ ok: true }));

  app.get("/readyz", async (_request, reply) =>
    backend.ready() ? reply.send({ ready: true }) : reply.code(503).send({ ready: false }),
  );

  app.get("/metrics", (request, reply) => {
    reply.hijack();
    backend.metrics(request.raw, reply.raw);
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `no such endpoint: ${request.method} ${request.url}` });
  });
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const code =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    reply.code(code).send({ error: error.message });
  });
  return app;
}
