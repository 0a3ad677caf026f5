/**
 * A local emulator of the EC2 instance metadata service in IMDSv2-required mode, on 127.0.0.1:
 *
 * - `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds` (1..21600) returns a session
 *   token; a missing or bad TTL is 400, a request with `X-Forwarded-For` is 403 (as on EC2);
 * - `GET /latest/meta-data/<path>` needs a valid, unexpired `X-aws-ec2-metadata-token` (401
 *   otherwise) and answers `placement/region`, `placement/availability-zone`, `mac`,
 *   `network/interfaces/macs/<mac>/vpc-id` as text (404 for anything else or an omitted path).
 *
 * Tests point the code under test at it with `AWS_EC2_METADATA_SERVICE_ENDPOINT` or an explicit
 * endpoint, so nothing ever reaches the real link-local address.
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Options of {@link startImdsEmulator}. */
export interface ImdsEmulatorOptions {
  /** Default `us-east-1`. */
  readonly region?: string;
  /** Default `<region>a`. */
  readonly availabilityZone?: string;
  /** MAC of the primary interface; default `0e:49:61:0f:c3:11`. */
  readonly mac?: string;
  /** Default `vpc-0123abcd`. */
  readonly vpcId?: string;
  /** Paths under `/latest/meta-data/` to answer with 404, e.g. `placement/region` (older instances). */
  readonly omit?: readonly string[];
  /** Accept connections but never answer (for timeout tests). */
  readonly hang?: boolean;
}

/** One request the emulator received. */
export interface ImdsRequest {
  readonly method: string;
  /** Path with repeated slashes collapsed. */
  readonly path: string;
  readonly status: number | "no answer";
  /** True when the request carried a token that was valid. */
  readonly validToken: boolean;
}

/** A running emulator. */
export interface ImdsEmulator {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly ImdsRequest[];
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

const MAX_TTL_SECONDS = 21_600;

function reply(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { "content-type": "text/plain" });
  response.end(body);
}

/**
 * Starts the emulator on a free port of 127.0.0.1.
 * @returns the running emulator; `close()` it in `after`
 */
export async function startImdsEmulator(options: ImdsEmulatorOptions = {}): Promise<ImdsEmulator> {
  const region = options.region ?? "us-east-1";
  const mac = options.mac ?? "0e:49:61:0f:c3:11";
  const metadata = new Map<string, string>([
    ["placement/region", region],
    ["placement/availability-zone", options.availabilityZone ?? `${region}a`],
    ["mac", mac],
    [`network/interfaces/macs/${mac}/vpc-id`, options.vpcId ?? "vpc-0123abcd"],
  ]);
  for (const path of options.omit ?? []) metadata.delete(path);
  /** token → expiry (ms since the epoch). */
  const tokens = new Map<string, number>();
  const requests: ImdsRequest[] = [];
  const sockets = new Set<Socket>();

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? "/").split("?")[0]?.replace(/\/{2,}/g, "/") ?? "/";
    const method = request.method ?? "GET";
    const token = request.headers["x-aws-ec2-metadata-token"];
    const expiry = typeof token === "string" ? tokens.get(token) : undefined;
    const validToken = expiry !== undefined && expiry > Date.now();
    const answer = (status: number, body: string) => {
      requests.push({ method, path, status, validToken });
      reply(response, status, body);
    };
    if (options.hang) {
      requests.push({ method, path, status: "no answer", validToken });
      return;
    }
    if (path === "/latest/api/token") {
      if (method !== "PUT") return answer(405, "Method Not Allowed");
      if (request.headers["x-forwarded-for"] !== undefined) return answer(403, "Forbidden");
      const ttl = Number(request.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) return answer(400, "Bad Request");
      const issued = randomBytes(24).toString("base64url");
      tokens.set(issued, Date.now() + ttl * 1000);
      return answer(200, issued);
    }
    if (method !== "GET") return answer(405, "Method Not Allowed");
    if (!validToken) return answer(401, "Unauthorized");
    const prefix = "/latest/meta-data/";
    const value = path.startsWith(prefix) ? metadata.get(path.slice(prefix.length)) : undefined;
    return value === undefined ? answer(404, "Not Found") : answer(200, value);
  };

  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => handle(request, response));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
