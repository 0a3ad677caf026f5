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

/** The IMDS endpoint to use: the option, the SDK's variables, or AWS's address. */
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
 * Asks the metadata service for this instance's region and VPC. Never throws and never waits
 * longer than `timeoutMs`: what could not be found is absent and `problem` says why. A region or
 * VPC id of unexpected shape is treated as not found.
 * @returns `{}` with a `problem` when `AWS_EC2_METADATA_DISABLED` is `true` (nothing is sent)
 */
export async function detectInstanceIdentity(
  options: DetectInstanceIdentityOptions,
): Promise<InstanceIdentity> {
  const env = options.env ?? process.env;
  if (env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === "true") {
    return { problem: "instance metadata lookups are disabled (AWS_EC2_METADATA_DISABLED)" };
  }
  const endpoint = imdsEndpoint(env, options.endpoint);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<InstanceIdentity>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({ problem: `no answer from the instance metadata service within ${options.timeoutMs} ms` }),
      options.timeoutMs,
    );
  });
  try {
    return await Promise.race([lookUp(endpoint, options.timeoutMs), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function lookUp(endpoint: string, timeoutMs: number): Promise<InstanceIdentity> {
  const service = new MetadataService({
    endpoint,
    httpOptions: { timeout: timeoutMs },
    // IMDSv2 only: a GET without a token is what IMDSv1 is; off-EC2 it would only cost time.
    ec2MetadataV1Disabled: true,
    retries: 0,
  });
  // The SDK appends the path to the endpoint's own path ("/" for a bare host): no leading slash.
  const base = new URL(endpoint).pathname.endsWith("/") ? "" : "/";
  const get = async (path: string) => (await service.request(`${base}latest/meta-data/${path}`, {})).trim();
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
