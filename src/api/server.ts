/**
 * The HTTP API (fastify): `/status`, `/route_spec`, `/healthz`, `/readyz`, `/metrics` and vpc-router's
 * endpoints, answered from in-memory state so it works while etcd or EC2 do not.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import fastifyAccepts from "@fastify/accepts";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { VpcrouterConfig } from "../config/schema.js";
import { formatSpecProblems, parseSpec } from "../route-spec/parse.js";
import { specWriteRefusal } from "../spec-source/spec-write-refusal.js";
import { VERSION } from "../version.js";
import { type ApiLimits, DEFAULT_API_LIMITS } from "./limits.js";
import { chooseRepresentation, sendHtml, sendNegotiated } from "./negotiate.js";
import { buildPluginsView } from "./plugins-view.js";
import { type RoleView, roleCheckHandlers } from "./role-checks.js";
import { renderStatusPage } from "./status-page.js";
import type { VpcRouterState } from "./vpc-router-state.js";
import {
  buildIpsView,
  buildRootView,
  buildRouteInfoView,
  buildVpcView,
  serverVersionLine,
} from "./vpc-router-views.js";
import type { WritePolicy } from "./write-guard.js";
import { writeHook } from "./write-hook.js";

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
  /**
   * The configuration in force with secrets redacted (`redactedConfig` of src/config/load.ts):
   * `GET /` shows it as `params`; the spec mode, health check and ignored routes come from it.
   */
  config(): VpcrouterConfig;
  /** When this process started, ISO 8601 (`GET /` `SERVER.start_time`). */
  readonly startedAt: string;
  /** This replica's role, for `GET /leader` and `GET /replica`. */
  roleView(): RoleView;
  /** Live state of vpc-router's views (`vpcRouterStateOf(replica)`); undefined while starting. */
  vpcRouterState(): VpcRouterState | undefined;
  /** The plugins in use by the name the settings give (`GET /plugins`); none: built-ins only. */
  plugins?(): Readonly<Record<string, { readonly name: string; readonly location: string }>>;
}

/** PEM material of an HTTPS API (`api.tls.*`, read by api-listener.ts). */
export interface ApiTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Clients must present a certificate signed by this CA bundle (mutual TLS). */
  readonly clientCa?: Buffer;
}

/** How the server guards writes and itself; every field has a default. */
export interface ApiServerOptions {
  /** Default: writes on, no token, listening on 127.0.0.1, no origin or host allowed beyond loopback. */
  readonly writePolicy?: WritePolicy;
  readonly limits?: ApiLimits;
  /** Serve HTTPS with this certificate; default plain HTTP. */
  readonly tls?: ApiTls;
}

const LOOPBACK_WRITE_POLICY: WritePolicy = {
  writes: true,
  token: undefined,
  listenAddress: "127.0.0.1",
  allowedOrigins: [],
  allowedHosts: [],
};

/**
 * The HTTP API (default 127.0.0.1:33289, vpc-router's port):
 * - vpc-router's state endpoints, content-negotiated (see negotiate.ts): `GET /` (with `_href`
 *   links), `/ips`, `/plugins`, `/route_info`, `/vpc` (shapes in vpc-router-views.ts, plugins-view.ts);
 * - `GET /status` (JSON), `GET /route_spec`, `POST /route_spec` (modes etcd and http; 409 in
 *   configfile and fixedconf), `GET /healthz`, `GET /readyz`, `GET /leader`, `GET /replica`
 *   (role-checks.ts), `GET /metrics`.
 * Error bodies are JSON `{ error, problems? }` (vpc-router sent text).
 * Writes pass the write guard first (write-guard.ts: Host, Origin, token, JSON only); every
 * connection is bounded by `options.limits` (limits.ts).
 */
export function createApiServer(backend: ApiBackend, logger: Logger, options: ApiServerOptions = {}) {
  const limits = options.limits ?? DEFAULT_API_LIMITS;
  // Per-request logs (info) are noise for a status API: warnings and errors only, or fewer if the
  // configured level says so.
  const apiLogger = logger.child(
    { component: "api" },
    { level: logger.levelVal > logger.levels.values.warn ? logger.level : "warn" },
  );
  // Node's own server options: fastify has none for these two.
  const nodeServerOptions = {
    headersTimeout: limits.headersTimeoutMs,
    connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
  };
  const tls = options.tls;
  const app = Fastify({
    loggerInstance: apiLogger,
    bodyLimit: limits.bodyLimitBytes,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.idleSocketTimeoutMs,
    ...(tls
      ? {
          https: {
            ...nodeServerOptions,
            // Headers and request timeouts start after the TLS handshake: a socket that never
            // begins one would otherwise hold a connection slot for Node's default 120 s.
            handshakeTimeout: limits.headersTimeoutMs,
            cert: tls.cert,
            key: tls.key,
            ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
          },
        }
      : { http: nodeServerOptions }),
  });
  app.server.maxConnections = limits.maxConnections;

  // Specs arrive as text so that a JSON syntax error is reported like any other spec problem. Only
  // JSON is parsed: a text/plain POST is a "simple" cross-site request (no CORS preflight).
  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) =>
    done(null, body),
  );
  const guardWrite = writeHook(options.writePolicy ?? LOOPBACK_WRITE_POLICY, apiLogger);

  app.register(fastifyAccepts);

  app.get("/", async (request, reply) => {
    const config = backend.config();
    const body = buildRootView({
      version: serverVersionLine(VERSION, config.spec.mode, config.probe.health),
      startedAt: backend.startedAt,
      now: new Date(),
      params: config,
    });
    // Browsers get the readable status page, with vpc-router's state below it.
    if (chooseRepresentation(request.accepts()) === "html") {
      return sendHtml(reply, renderStatusPage(backend.status(), body));
    }
    return sendNegotiated(request, reply, body, "vpcrouter state");
  });
  app.get("/ips", async (request, reply) =>
    sendNegotiated(request, reply, buildIpsView(backend.vpcRouterState()), "vpcrouter state: ips"),
  );
  app.get("/plugins", async (request, reply) => {
    const state = backend.vpcRouterState();
    const body = buildPluginsView(backend.config(), {
      probes: state?.probes ?? new Map(),
      ...(backend.plugins ? { plugins: backend.plugins() } : {}),
      ...(state?.specSourceUpdatedAt !== undefined ? { specSourceUpdatedAt: state.specSourceUpdatedAt } : {}),
    });
    return sendNegotiated(request, reply, body, "vpcrouter state: plugins");
  });
  app.get("/route_info", async (request, reply) => {
    const body = buildRouteInfoView(backend.vpcRouterState(), backend.config().reconcile.ignoreRoutes);
    return sendNegotiated(request, reply, body, "vpcrouter state: route_info");
  });
  app.get("/vpc", async (request, reply) => {
    const body = buildVpcView(backend.vpcRouterState(), backend.config().reconcile.ignoreRoutes);
    return sendNegotiated(request, reply, body, "vpcrouter state: vpc");
  });

  app.get("/status", async () => backend.status());

  app.get("/route_spec", async (_request, reply) => {
    const inForce = backend.specInForce();
    if (!inForce) return reply.code(404).send({ error: "no route spec in force" });
    return reply.header("x-spec-revision", inForce.revision).send(inForce.spec);
  });

  // vpc-router accepted POSTs only in its http mode; here the spec lives in etcd in modes etcd and
  // http, while in configfile and fixedconf the leader would overwrite a POSTed spec at once. The
  // refusal comes first (onRequest), before the body is even parsed.
  const refuseInSourceModes = async (_request: FastifyRequest, reply: FastifyReply) => {
    const { spec } = backend.config();
    const refusal = specWriteRefusal(spec);
    if (refusal) return reply.code(409).send({ error: refusal, mode: spec.mode });
  };

  app.post("/route_spec", { onRequest: [guardWrite, refuseInSourceModes] }, async (request, reply) => {
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
  const roleChecks = roleCheckHandlers(() => backend.roleView());
  app.get("/leader", roleChecks.leader);
  app.get("/replica", roleChecks.replica);

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
