/**
 * Limits of the HTTP API's server, so that no client can hold a connection or memory for long:
 * fastify sets no request timeout and Node keeps idle keep-alive sockets 72 s (LIBRARY-NOTES).
 */

/** Sizes (bytes), timeouts (ms) and the connection cap of the API's HTTP(S) server. */
export interface ApiLimits {
  /** Largest request body; a spec of 1,000 routes × 32 routers fits in about 600 KB. */
  readonly bodyLimitBytes: number;
  /** Whole request, headers and body, must arrive within this (Node `server.requestTimeout`). */
  readonly requestTimeoutMs: number;
  /** Headers must arrive within this (Node `server.headersTimeout`, at most `requestTimeoutMs`). */
  readonly headersTimeoutMs: number;
  /** How often Node checks the two timeouts above (`connectionsCheckingInterval`). */
  readonly timeoutCheckIntervalMs: number;
  /** An idle keep-alive connection is closed after this (`server.keepAliveTimeout`). */
  readonly keepAliveTimeoutMs: number;
  /** A socket without any traffic for this long is closed (fastify `connectionTimeout`). */
  readonly idleSocketTimeoutMs: number;
  /** Open connections at most; more are closed at once (`server.maxConnections`). */
  readonly maxConnections: number;
}

/**
 * The limits in force. The API serves operators and scrapers, a few requests a second, so the caps
 * are far above its use and far below what would starve the replica (requests of Node's default
 * 300 s `requestTimeout` would let one client hold sockets for minutes).
 */
export const DEFAULT_API_LIMITS: ApiLimits = {
  bodyLimitBytes: 1024 * 1024,
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  timeoutCheckIntervalMs: 1_000,
  keepAliveTimeoutMs: 5_000,
  idleSocketTimeoutMs: 15_000,
  maxConnections: 128,
};
