/**
 * The EC2 client of vpcrouter: the real `@aws-sdk/client-ec2` with the SDK's own retries turned off,
 * because every call goes through our cockatiel policy (see `ec2-policy.ts`), which retries with
 * backoff and counts failures for the circuit breaker. Two retry layers would multiply attempts.
 */
import { EC2Client, type EC2ClientConfig } from "@aws-sdk/client-ec2";

/** Options of {@link createEc2Client}; everything absent comes from the SDK's default chain. */
export interface Ec2ClientOptions {
  /** AWS region; default from the SDK chain (`AWS_REGION`, shared config). */
  readonly region?: string;
  /** Endpoint URL; default from the SDK chain (`AWS_ENDPOINT_URL_EC2`, `AWS_ENDPOINT_URL`, then AWS's). */
  readonly endpoint?: string;
  /** Credentials; default from the SDK chain (env `AWS_ACCESS_KEY_ID`…, profile, IMDS…). */
  readonly credentials?: EC2ClientConfig["credentials"];
  /** Sockets per endpoint at most (the SDK's default is 50); match it to the calls made at once. */
  readonly maxSockets?: number;
}

/**
 * The region the SDK's default chain names without asking IMDS: `AWS_REGION`, then the shared
 * config file's profile (`AWS_PROFILE`, `~/.aws/config`). The JS SDK v3 region chain never asks
 * the instance metadata service.
 * Source: https://docs.aws.amazon.com/sdkref/latest/guide/feature-region.html
 * @returns the region, or `""` when the chain has none. Never throws.
 */
export async function sdkChainRegion(): Promise<string> {
  const client = new EC2Client({});
  try {
    return await client.config.region();
  } catch {
    return "";
  } finally {
    client.destroy();
  }
}

/**
 * Creates an EC2 client with `maxAttempts: 1` (SDK retries off; our policy retries).
 * Region, credentials and endpoint follow the SDK's default chain unless given.
 * Source: https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html (AWS_ENDPOINT_URL_EC2)
 * @returns a client; a missing region only surfaces as an error on the first call
 */
export function createEc2Client(options: Ec2ClientOptions = {}): EC2Client {
  return new EC2Client({
    maxAttempts: 1,
    ...(options.maxSockets !== undefined
      ? {
          requestHandler: {
            httpAgent: { keepAlive: true, maxSockets: options.maxSockets },
            httpsAgent: { keepAlive: true, maxSockets: options.maxSockets },
          },
        }
      : {}),
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
  });
}
