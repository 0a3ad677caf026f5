/**
 * Which region and VPC the daemon works on: the configured ones, completed from the instance
 * metadata service when missing. A configured value always wins (vpc-router overwrote a given
 * region/VPC with the detected ones). Pure.
 */
import type { InstanceIdentity } from "./instance-identity.js";

/** The message the daemon prints (exit code 2) when no VPC id is known. */
export const VPC_NOT_DETECTABLE =
  "VPC id not given (-v/--vpc) and not detectable from the instance metadata service";

/** Outcome of {@link resolveAwsTarget}. */
export type AwsTargetResult =
  | {
      readonly ok: true;
      /** Empty when neither given (see {@link givenRegion}) nor detected. */
      readonly region: string;
      readonly vpcId: string;
      /** Which values came from the metadata service. */
      readonly detected: { readonly region: boolean; readonly vpcId: boolean };
    }
  | { readonly ok: false; readonly message: string };

/**
 * The region that counts as given before the metadata service is asked, in this order: the
 * setting (`-r/--region`), the SDK chain's (`AWS_REGION`, the shared config profile), then
 * `AWS_DEFAULT_REGION` (which boto, and so vpc-router, honoured; the JS SDK does not). The
 * instance's own region must never replace one the operator chose for a VPC elsewhere.
 * @param configured `aws.region` (empty = not set)
 * @param sdkChain what {@link sdkChainRegion} found (empty = none)
 * @param env the process environment (only `AWS_DEFAULT_REGION` is read)
 * @returns the region, or `""` when none is given anywhere (then IMDS may name it)
 */
export function givenRegion(configured: string, sdkChain: string, env: NodeJS.ProcessEnv): string {
  return configured || sdkChain || env.AWS_DEFAULT_REGION || "";
}

/** True when the metadata service is worth asking: the region or the VPC id is not configured. */
export function needsInstanceIdentity(given: { readonly region: string; readonly vpcId: string }): boolean {
  return given.region === "" || given.vpcId === "";
}

/**
 * Completes the configured region and VPC id with the detected ones.
 * @param given `aws.region` and `aws.vpcId` from the configuration (empty = not given)
 * @param detected what {@link detectInstanceIdentity} found (`{}` when it was not asked)
 * @returns the region and VPC to use, or `{ok: false, message}` ({@link VPC_NOT_DETECTABLE}, plus
 *   the detection's problem when there is one) when no VPC id is known
 */
export function resolveAwsTarget(
  given: { readonly region: string; readonly vpcId: string },
  detected: InstanceIdentity,
): AwsTargetResult {
  const vpcFromImds = given.vpcId === "" && detected.vpcId !== undefined;
  const vpcId = given.vpcId !== "" ? given.vpcId : (detected.vpcId ?? "");
  if (vpcId === "") {
    const why = detected.problem ? ` (${detected.problem})` : "";
    return { ok: false, message: `${VPC_NOT_DETECTABLE}${why}` };
  }
  const regionFromImds = given.region === "" && detected.region !== undefined;
  const region = given.region !== "" ? given.region : (detected.region ?? "");
  return { ok: true, region, vpcId, detected: { region: regionFromImds, vpcId: vpcFromImds } };
}
