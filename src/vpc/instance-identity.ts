/**
 * Finding the region and VPC of the instance vpcrouter runs on, from the EC2 instance metadata
 * service (IMDSv2: a session token from `PUT /latest/api/token`, then GETs carrying it), with
 * `@aws-sdk/ec2-metadata-service`. vpc-router did the same when `--region`/`--vpc` were missing.
 *
 * Paths: `meta-data/placement/region` (or `placement/availability-zone` without its zone letter),
 * `meta-data/mac`, then `meta-data/network/interfaces/macs/<mac>/vpc-id`.
 * Environment (the AWS SDKs' own variables): `AWS_EC2_METADATA_DISABLED=true` skips the lookup;
 * `AWS_EC2_METADATA_SERVICE_ENDPOINT` replaces the endpoint, `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`
 * selects the IPv6 one.
 *
 * The deadline bounds the whole lookup, not only the wait for it: each HTTP call gets the time left
 * as its timeout, and no call starts once the deadline has passed. The SDK's `request` takes no
 * `AbortSignal`, so a call in flight cannot be cancelled; it ends by its own timeout, at the
 * deadline at the latest (for its token PUT; the GET after it gets the same timeout again).
 * Sources: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html,
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-categories.html,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-imds-client.html
 */
import { MetadataService } from "@aws-sdk/ec2-metadata-service";

/** What the metadata service told about this instance; absent fields were not found. */
export interface InstanceIdentity {
  readonly region?: string;
  readonly vpcId?: string;
  /** Why something is missing (disabled, unreachable, timed out, an unexpected answer). */
  readonly problem?: string;
}

/** Options of {@link detectInstanceIdentity}. */
export interface DetectInstanceIdentityOptions {
  /** IMDS base URL; default `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else AWS's link-local address. */
  readonly endpoint?: string;
  /** Deadline for the whole detection, ms (each HTTP call also times out after it). */
  readonly timeoutMs: number;
  /** Environment to read the SDK's IMDS variables from; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** AWS's IMDS addresses. Source: the SDK's `Endpoint` enum and the IMDS user guide. */
const IPV4_ENDPOINT = "http://169.254.169.254";
const IPV6_ENDPOINT = "http://[fd00:ec2::254]";

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const AVAILABILITY_ZONE = /^([a-z]{2}(?:-[a-z]+)+-\d+)[a-z]$/;
/** `vpc-` and 8 or 17 hex digits, as the configuration accepts. */
const VPC_ID = /^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/**
 * The IMDS endpoint to use: the option, the SDK's variables, or AWS's address. Not checked here:
 * see {@link imdsEndpointProblem}.
 */
export function imdsEndpoint(
  env: Readonly<Record<string, string | undefined>>,
  endpoint: string | undefined,
): string {
  if (endpoint) return endpoint;
  const fromEnv = env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
  if (fromEnv) return fromEnv;
  return env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE?.toLowerCase() === "ipv6" ? IPV6_ENDPOINT : IPV4_ENDPOINT;
}

/**
 * Why `endpoint` cannot be used as the IMDS base URL, or undefined when it can: it must be an
 * absolute `http:` or `https:` URL (the SDK's `new URL(endpoint)` would throw on anything else).
 * @returns e.g. `the instance metadata service endpoint "x" (AWS_EC2_METADATA_SERVICE_ENDPOINT) is not an http(s) URL`
 */
export function imdsEndpointProblem(endpoint: string, origin: string): string | undefined {
  const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
  if (url && (url.protocol === "http:" || url.protocol === "https:")) return undefined;
  return `the instance metadata service endpoint ${JSON.stringify(endpoint)} (${origin}) is not an http(s) URL`;
}

/**
 * Asks the metadata service for this instance's region and VPC. Never throws and never waits
 * longer than `timeoutMs`: what could not be found is absent and `problem` says why. A region or
 * VPC id of unexpected shape is treated as not found. No call starts after the deadline.
 * @returns `{ problem }` alone, with nothing sent, when `AWS_EC2_METADATA_DISABLED` is `true` or
 *   the endpoint is not an http(s) URL
 */
export async function detectInstanceIdentity(
  options: DetectInstanceIdentityOptions,
): Promise<InstanceIdentity> {
  const env = options.env ?? process.env;
  if (env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === "true") {
    return { problem: "instance metadata lookups are disabled (AWS_EC2_METADATA_DISABLED)" };
  }
  const endpoint = imdsEndpoint(env, options.endpoint);
  const origin = options.endpoint ? "endpoint option" : "AWS_EC2_METADATA_SERVICE_ENDPOINT";
  const problem = imdsEndpointProblem(endpoint, origin);
  if (problem) return { problem };
  const deadlineAt = performance.now() + options.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<InstanceIdentity>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({ problem: `no answer from the instance metadata service within ${options.timeoutMs} ms` }),
      options.timeoutMs,
    );
  });
  try {
    return await Promise.race([lookUp(endpoint, deadlineAt), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * No call starts with less time than this left, ms: it could not finish, and a timer of the SDK
 * may fire a little before the deadline (timers run on the event loop's cached clock).
 */
const MIN_CALL_MS = 10;

/** Thrown instead of starting a call after the deadline (never reported: the deadline answered). */
class DeadlinePassed extends Error {}

/**
 * The lookups, one after the other, each call limited to the time left until `deadlineAt`
 * (`performance.now()` clock, ms). `endpoint` must have passed {@link imdsEndpointProblem}.
 */
async function lookUp(endpoint: string, deadlineAt: number): Promise<InstanceIdentity> {
  // The SDK appends the path to the endpoint's own path ("/" for a bare host): no leading slash.
  const base = new URL(endpoint).pathname.endsWith("/") ? "" : "/";
  const get = async (path: string) => {
    const left = Math.ceil(deadlineAt - performance.now());
    if (left < MIN_CALL_MS) throw new DeadlinePassed();
    // A new client per call: its timeout is fixed when it is made (and 0 would mean none).
    const service = new MetadataService({
      endpoint,
      httpOptions: { timeout: left },
      // IMDSv2 only: a GET without a token is what IMDSv1 is; off-EC2 it would only cost time.
      ec2MetadataV1Disabled: true,
      retries: 0,
    });
    return (await service.request(`${base}latest/meta-data/${path}`, {})).trim();
  };
  const problems: string[] = [];
  const attempt = async (what: string, read: () => Promise<string | undefined>) => {
    try {
      const value = await read();
      if (value === undefined) problems.push(`unexpected ${what} from the instance metadata service`);
      return value;
    } catch (error) {
      problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };
  const region = await attempt("region", async () => {
    const answer = await get("placement/region").catch(() => undefined);
    if (answer !== undefined && REGION.test(answer)) return answer;
    // Older instances lack placement/region: the zone without its letter (e.g. us-east-1a).
    return AVAILABILITY_ZONE.exec(await get("placement/availability-zone"))?.[1];
  });
  const vpcId = await attempt("VPC id", async () => {
    const mac = (await get("mac")).toLowerCase();
    if (!MAC.test(mac)) return undefined;
    const answer = await get(`network/interfaces/macs/${mac}/vpc-id`);
    return VPC_ID.test(answer) ? answer : undefined;
  });
  return {
    ...(region !== undefined ? { region } : {}),
    ...(vpcId !== undefined ? { vpcId } : {}),
    ...(problems.length > 0 ? { problem: problems.join("; ") } : {}),
  };
}
