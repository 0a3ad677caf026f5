/**
 * Builds the etcd3 client from the `etcd` settings: endpoints, TLS, password auth, a deadline on
 * every unary call, and gRPC keepalive. Shared by the daemon and the `spec` commands.
 */
import { readFileSync } from "node:fs";
import { type CallContext, Etcd3, type IOptions, isRecoverableError } from "etcd3";
import { MonotonicCircuitBreaker } from "../lib/monotonic-breaker.js";
import { readSecretFile } from "../lib/secret-file.js";

/** The etcd settings the client needs (the configuration's `etcd` section satisfies it). */
export interface EtcdClientSettings {
  /** `host:port` or `http(s)://host:port`. */
  readonly endpoints: readonly string[];
  /** etcd user for password auth; empty: no auth. */
  readonly username: string;
  readonly password: string;
  /** File holding the password (read when the client is made); empty: `password` is used. */
  readonly passwordFile: string;
  /** PEM files; `caFile` empty: no TLS unless the endpoints are https. */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Deadline of each unary call, ms. */
  readonly callTimeoutMs: number;
}

/**
 * gRPC keepalive (grpc-js channel options). Without pings a connection that died silently (NAT
 * timeout, peer gone) is never noticed and watches stop delivering (microsoft/etcd3 issues 13, 110,
 * 153). etcd answers pings more frequent than `--grpc-keepalive-min-time` (default 5 s) with GOAWAY
 * "too_many_pings", and so it does for pings without an active stream unless configured to permit
 * them (etcd-io/etcd server/embed/serve.go keepalive.EnforcementPolicy; jetcd issue 1075): ping
 * every 10 s, and only while a call or stream is open (the daemon always has watch and lease streams).
 */
const KEEPALIVE_OPTIONS = {
  "grpc.keepalive_time_ms": 10_000,
  "grpc.keepalive_timeout_ms": 5_000,
  "grpc.keepalive_permit_without_calls": 0,
} as const;

/**
 * The per-host breaker: 3 recoverable failures in a row shut a member out, as etcd3's default does
 * (lib/connection-pool.js `defaultCircuitBreaker`), but only for 500 ms, not 5 s. While the etcd
 * leader is being replaced every member fails calls for a moment, which opened every host's breaker
 * at once: for 5 s no keep-alive could be sent anywhere, longer than a lease TTL, and a rolling
 * restart of etcd churned the vpcrouter leader.
 */
const HOST_BREAKER = {
  isFailure: (error: unknown) => error instanceof Error && isRecoverableError(error),
  threshold: 3,
  halfOpenAfterMs: 500,
} as const;

/**
 * Creates an etcd client. Nothing is sent until the first call.
 *
 * - TLS: used when `caFile` is set (server verified against that CA; `certFile`/`keyFile` add a client
 *   certificate) or when the endpoints are `https://` (server verified against the system roots).
 * - Auth: etcd password auth when `username` is set (https://etcd.io/docs/v3.5/op-guide/authentication/).
 * - Deadlines: every unary call, including the auth token exchange, gets `callTimeoutMs`; streams
 *   (watch, lease keep-alive) get none. etcd3's own `dialTimeout` option is never used by etcd3.
 *
 * @param config - the `etcd` settings (already validated).
 * @returns a new `Etcd3`; the caller must `close()` it.
 * @throws Error when a TLS file or the password file cannot be read (the message names the setting
 *   and the path, never a secret).
 */
export function createEtcdClient(config: EtcdClientSettings): Etcd3 {
  const deadlineFor = (context: CallContext) =>
    context.isStream ? {} : { deadline: Date.now() + config.callTimeoutMs };
  const options: IOptions = {
    hosts: [...config.endpoints],
    grpcOptions: { ...KEEPALIVE_OPTIONS },
    defaultCallOptions: deadlineFor,
    // etcd3's default per-host breaker (3 failures, 5 s) on the monotonic clock: cockatiel's own
    // times its half-open wait with Date.now(), so a clock step back would keep a host shut out.
    faultHandling: { host: () => new MonotonicCircuitBreaker(HOST_BREAKER) },
  };
  if (config.caFile !== "") {
    options.credentials = {
      rootCertificate: readPem("etcd.caFile", config.caFile),
      ...(config.certFile === "" ? {} : { certChain: readPem("etcd.certFile", config.certFile) }),
      ...(config.keyFile === "" ? {} : { privateKey: readPem("etcd.keyFile", config.keyFile) }),
    };
  }
  if (config.username !== "") {
    const password =
      config.passwordFile === "" ? config.password : readSecretFile("etcd.passwordFile", config.passwordFile);
    options.auth = { username: config.username, password, callOptions: deadlineFor };
  }
  return new Etcd3(options);
}

function readPem(setting: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(
      `${setting}: cannot read ${file} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}
