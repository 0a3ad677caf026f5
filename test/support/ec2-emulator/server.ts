/**
 * The EC2 emulator's HTTP server: EC2 Query API (form-encoded POST, XML replies, API version
 * 2016-11-15) on 127.0.0.1, plus the JSON control endpoint under `/_control/`. The real
 * `@aws-sdk/client-ec2` talks to it through its `endpoint` option or `AWS_ENDPOINT_URL_EC2`.
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { ACTIONS } from "./actions.js";
import { accessKeyIdFromAuthorization, CallLog, type CallLogEntry } from "./call-log.js";
import { handleControl } from "./control.js";
import { Ec2Error } from "./ec2-error.js";
import {
  type FaultReport,
  type FaultSettings,
  Faults,
  type InjectedFault,
  type ThrottleConfig,
} from "./faults.js";
import { parseForm } from "./query-params.js";
import { createWorld, World } from "./world.js";
import { applyWorldMutation, type WorldMutation } from "./world-mutation.js";
import type { RouteTableView, RouteView, WorldSpec } from "./world-spec.js";
import { renderError, renderResponse } from "./xml.js";

/** Options of {@link startEc2Emulator}. */
export interface Ec2EmulatorOptions {
  /** The world to serve: a JSON spec, or a `World` built with `createWorld`. */
  readonly world: WorldSpec | World;
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Address to listen on (default `127.0.0.1`): loopback, or a test bridge address in 198.18.0.0/15. */
  readonly host?: string;
  /** Token-bucket throttling: `true` = EC2's default buckets; off by default. */
  readonly throttle?: ThrottleConfig | boolean;
  /** Extra latency (ms) per action; key `*` for every action. */
  readonly latencyMs?: Readonly<Record<string, number>>;
  /** Delay (ms) before route table writes show in DescribeRouteTables (ignored when `world` is a `World`). */
  readonly consistencyDelayMs?: number;
  /** Reject calls without a SigV4 `Authorization` header with `AuthFailure` (401). Default true. */
  readonly requireAuth?: boolean;
}

/** A running emulator. */
export interface Ec2Emulator {
  /** Base URL, e.g. `http://127.0.0.1:40123` (use as the SDK's endpoint / `AWS_ENDPOINT_URL_EC2`). */
  readonly url: string;
  readonly port: number;
  /** The live world (for direct inspection in tests). */
  readonly world: World;
  /** Current route tables, as EC2 would describe them (no consistency delay). */
  routeTables(): RouteTableView[];
  /** The route for `destinationCidrBlock` in `routeTableId`, or `undefined`. */
  route(routeTableId: string, destinationCidrBlock: string): RouteView | undefined;
  /** Call log entries with `index >= since` (all when absent). */
  log(since?: number): CallLogEntry[];
  /** The index the next logged call will get (a cursor for {@link log}). */
  logCursor(): number;
  /** Forgets the call log (indexes keep counting). */
  resetLog(): void;
  /** Changes fault settings (fields present replace current ones). */
  setFaults(settings: FaultSettings): void;
  /** Queues one injected fault. */
  injectFault(fault: InjectedFault): void;
  /** Answers the next `count` calls of `action` (every action when absent) with `RequestLimitExceeded` (503). */
  throttleNext(count: number, action?: string): void;
  /** Removes every fault (injections, latency, throttling). */
  clearFaults(): void;
  /** Current fault settings. */
  faults(): FaultReport;
  /**
   * Calls `listener` with every API call right after it was answered and logged, before the reply
   * leaves (e.g. for a test to change the world between a call and its retry).
   * @returns a function that removes the listener
   */
  onCall(listener: (entry: CallLogEntry) => void): () => void;
  /** Applies operator edits (delete an ENI, put a route by hand, …). @throws Error when an edit is invalid */
  mutate(mutation: WorldMutation | readonly WorldMutation[]): void;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Ec2Error(413, "RequestEntityTooLarge", "Request body too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  extraHeaders: Readonly<Record<string, string>> = {},
): void {
  response.writeHead(status, {
    ...extraHeaders,
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

/**
 * Starts an emulator on 127.0.0.1.
 * @returns the running emulator once it listens
 * @throws Error for a host outside loopback and 198.18.0.0/15, or an inconsistent world spec
 */
export async function startEc2Emulator(options: Ec2EmulatorOptions): Promise<Ec2Emulator> {
  const host = options.host ?? "127.0.0.1";
  // Loopback, or the project's own test bridges in 198.18.0.0/15 (network safety rule).
  if (!/^(127\.\d+|198\.1[89])\.\d+\.\d+$/.test(host))
    throw new Error(`ec2 emulator: refusing host ${host} (loopback or 198.18.0.0/15 only)`);
  const world =
    options.world instanceof World
      ? options.world
      : createWorld(options.world, { consistencyDelayMs: options.consistencyDelayMs ?? 0 });
  const log = new CallLog();
  const faults = new Faults();
  faults.set({
    ...(options.throttle !== undefined ? { throttle: options.throttle } : {}),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
  });
  const requireAuth = options.requireAuth ?? true;

  async function handleEc2(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const started = performance.now();
    const time = new Date().toISOString();
    const requestId = randomUUID();
    const body = request.method === "POST" ? await readBody(request) : url.search.slice(1);
    const params = parseForm(body);
    const action = params.get("Action") ?? "";
    const accessKeyId = accessKeyIdFromAuthorization(request.headers.authorization);

    let status = 200;
    let errorCode: string | undefined;
    let reply: string;
    try {
      if (requireAuth && accessKeyId === undefined) {
        throw new Ec2Error(
          401,
          "AuthFailure",
          "AWS was not able to validate the provided access credentials",
        );
      }
      if (action === "")
        throw new Ec2Error(400, "MissingAction", "The request must contain the parameter Action");
      const handler = ACTIONS[action];
      if (!handler)
        throw new Ec2Error(400, "InvalidAction", `The action ${action} is not valid for this web service.`);
      const latency = faults.latencyFor(action);
      if (latency > 0) await delay(latency);
      const fault = faults.check(action);
      if (fault) throw fault;
      reply = renderResponse(action, requestId, handler(world, params));
      const replyDelay = faults.replyDelayFor(action);
      if (replyDelay > 0) await delay(replyDelay);
    } catch (error) {
      const ec2Error =
        error instanceof Ec2Error
          ? error
          : new Ec2Error(500, "InternalError", `An internal error has occurred: ${String(error)}`);
      status = ec2Error.status;
      errorCode = ec2Error.code;
      reply = renderError(ec2Error.code, ec2Error.message, requestId);
    }
    const entry = log.append({
      time,
      action,
      ...(accessKeyId !== undefined ? { accessKeyId } : {}),
      params: Object.fromEntries(params),
      status,
      ...(errorCode !== undefined ? { errorCode } : {}),
      durationMs: performance.now() - started,
    });
    for (const listener of callListeners) listener(entry);
    // EC2 also returns the request id in this header; the SDK reads it into `$metadata.requestId`.
    if (!response.destroyed)
      send(response, status, "text/xml;charset=UTF-8", reply, { "x-amzn-requestid": requestId });
  }

  async function handleControlRequest(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
  ): Promise<void> {
    const text = await readBody(request);
    let body: unknown;
    try {
      body = text.trim() === "" ? undefined : JSON.parse(text);
    } catch {
      send(response, 400, "application/json", JSON.stringify({ error: "body is not JSON" }));
      return;
    }
    const reply = handleControl({ world, log, faults }, request.method ?? "GET", url, body);
    send(response, reply.status, "application/json", JSON.stringify(reply.body));
  }

  const callListeners = new Set<(entry: CallLogEntry) => void>();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://emulator.invalid");
    const handler = url.pathname.startsWith("/_control/") ? handleControlRequest : handleEc2;
    handler(request, response, url).catch((error: unknown) => {
      const status = error instanceof Ec2Error ? error.status : 500;
      if (!response.headersSent && !response.destroyed) {
        send(response, status, "text/plain", String(error));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${port}`,
    port,
    world,
    routeTables: () => world.currentRouteTables(),
    route: (routeTableId, destinationCidrBlock) =>
      world
        .currentRouteTables()
        .find((table) => table.routeTableId === routeTableId)
        ?.routes.find((route) => route.destinationCidrBlock === destinationCidrBlock),
    log: (since) => log.since(since),
    logCursor: () => log.cursor(),
    resetLog: () => log.reset(),
    setFaults: (settings) => faults.set(settings),
    injectFault: (fault) => faults.inject(fault),
    throttleNext: (count, action) =>
      faults.inject({
        ...(action !== undefined ? { action } : {}),
        count,
        status: 503,
        code: "RequestLimitExceeded",
        message: "Request limit exceeded.",
      }),
    clearFaults: () => faults.clear(),
    faults: () => faults.report(),
    onCall: (listener) => {
      callListeners.add(listener);
      return () => callListeners.delete(listener);
    },
    mutate: (mutation) => {
      const list: readonly WorldMutation[] = Array.isArray(mutation) ? mutation : [mutation as WorldMutation];
      for (const one of list) applyWorldMutation(world, one);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
