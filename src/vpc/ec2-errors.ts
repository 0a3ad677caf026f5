/**
 * Classifying errors of EC2 calls, the only place that reads EC2 error codes: the code of a failure,
 * whether the policy retries it, and what kind of failure it is for the leader ({@link toFailure}).
 * Throttling and transient errors are recognised by the AWS SDK's own classifiers (`@smithy/core/retry`).
 * Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
import {
  isThrottlingError as isSdkThrottlingError,
  isTransientError as isSdkTransientError,
  isServerError,
} from "@smithy/core/retry";
import type { Failure } from "../domain/outcome.js";

/** EC2 error codes vpcrouter acts on (errors-overview.html). */
export const EC2_ERROR = {
  /** ReplaceRoute of a route that does not exist. */
  invalidParameterValue: "InvalidParameterValue",
  /** DeleteRoute of a route that does not exist. */
  routeNotFound: "InvalidRoute.NotFound",
  /** CreateRoute of a destination the table already routes. */
  routeAlreadyExists: "RouteAlreadyExists",
  /** The ENI named in a call does not exist (any more). */
  eniNotFound: "InvalidNetworkInterfaceID.NotFound",
} as const;

/** The code of a mutation the leader's term fence refused (not an EC2 code: nothing was sent). */
export const GUARD_REFUSED = "GuardRefused";

/** A single EC2 call exceeded the policy's per-call timeout (its HTTP request was aborted). */
export class Ec2CallTimeoutError extends Error {
  readonly code = "Ec2CallTimeout";
  /**
   * @param action EC2 action name
   * @param timeoutMs the per-call timeout that expired (ms)
   */
  constructor(
    readonly action: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`${action} timed out after ${timeoutMs} ms`, options);
    this.name = "Ec2CallTimeoutError";
  }
}

/** The circuit breaker of an action is open: the call was refused without contacting EC2. */
export class Ec2CircuitOpenError extends Error {
  readonly code = "CircuitOpen";
  /** @param action EC2 action name whose breaker is open */
  constructor(
    readonly action: string,
    options?: { cause?: unknown },
  ) {
    super(`circuit breaker for ${action} is open; call not attempted`, options);
    this.name = "Ec2CircuitOpenError";
  }
}

/** Node.js socket error codes that mean the request may not have reached EC2 or its reply was lost. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "UND_ERR_SOCKET",
]);

function field(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function httpStatusOf(error: unknown): number | undefined {
  const status = field(field(error, "$metadata"), "httpStatusCode");
  return typeof status === "number" ? status : undefined;
}

function networkCodeOf(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 4; depth++) {
    const code = field(current, "code");
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    current = field(current, "cause");
  }
  return undefined;
}

/**
 * The EC2 error code of a failed call: the SDK error's `name` (e.g. `RouteAlreadyExists`) when EC2
 * answered, `Ec2CallTimeout` / `CircuitOpen` for our policy's errors, the socket code (e.g.
 * `ECONNREFUSED`) for network failures, otherwise the error's name or `Unknown`.
 */
export function ec2ErrorCode(error: unknown): string {
  const ownCode = field(error, "code");
  if (error instanceof Ec2CallTimeoutError || error instanceof Ec2CircuitOpenError) return String(ownCode);
  const sdkCode = field(error, "Code");
  if (httpStatusOf(error) !== undefined) {
    if (typeof sdkCode === "string" && sdkCode !== "") return sdkCode;
    const name = field(error, "name");
    if (typeof name === "string" && name !== "") return name;
  }
  const network = networkCodeOf(error);
  if (network !== undefined) return network;
  const name = field(error, "name");
  return typeof name === "string" && name !== "" && name !== "Error" ? name : "Unknown";
}

/** A human-readable message for a failed call. */
export function ec2ErrorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The error shape the SDK's classifiers take. */
type SdkError = Parameters<typeof isSdkThrottlingError>[0];

/** The SDK's classifiers read fields of an object; anything else is no SDK error. */
function asSdkError(error: unknown): SdkError | undefined {
  return typeof error === "object" && error !== null ? (error as SdkError) : undefined;
}

/** True for throttling (`RequestLimitExceeded` and the SDK's other throttling codes, HTTP 429). */
export function isThrottlingError(error: unknown): boolean {
  const sdkError = asSdkError(error);
  return sdkError !== undefined && isSdkThrottlingError(sdkError);
}

/**
 * True when a failure says nothing about the request itself, so the policy retries it and it counts
 * against the breaker: throttling, HTTP 5xx, a network failure (also the SDK's own `TimeoutError`),
 * or our per-call timeout. Client errors (4xx such as `RouteAlreadyExists`, `InvalidParameterValue`)
 * and an open circuit are not.
 */
export function isRetryableEc2Error(error: unknown): boolean {
  if (error instanceof Ec2CircuitOpenError) return false;
  if (error instanceof Ec2CallTimeoutError) return true;
  const sdkError = asSdkError(error);
  if (sdkError === undefined) return false;
  if (isSdkThrottlingError(sdkError) || isSdkTransientError(sdkError) || isServerError(sdkError)) return true;
  // Socket codes the SDK's list lacks (ECONNABORTED, undici's UND_ERR_SOCKET).
  return httpStatusOf(error) === undefined && networkCodeOf(error) !== undefined;
}

/**
 * Failures that retrying soon cannot cure until someone changes something: a missing IAM
 * permission, bad credentials, an ENI that is gone (errors-overview.html).
 */
const PERMANENT_CODE =
  /^(UnauthorizedOperation|AuthFailure|OperationNotPermitted|InvalidNetworkInterfaceID\.)/;

/**
 * Failures after which the request may have reached EC2 without an answer coming back: our per-call
 * timeout, an abort (the lease budget ran out), the SDK's own timeout, a connection lost or reset.
 */
const NO_ANSWER_CODES: ReadonlySet<string> = new Set([
  "Ec2CallTimeout",
  "AbortError",
  "TimeoutError",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "UND_ERR_SOCKET",
]);

/**
 * The leader's view of a failed call: its code, message and kind — `fenced` for a refusal by the
 * term fence, `permanent` for the codes of {@link PERMANENT_CODE}, `unknown` when no answer came
 * ({@link NO_ANSWER_CODES}: EC2 may have applied it), `transient` for everything else (throttling,
 * 5xx, an open breaker, a table not yet as the plan assumed).
 * @param error what the call threw
 * @param code the code to report when the caller knows better than the error (e.g. a fallback's)
 */
export function toFailure(error: unknown, code: string = ec2ErrorCode(error)): Failure {
  const message = ec2ErrorMessage(error);
  if (code === GUARD_REFUSED) return { code, message, kind: "fenced" };
  if (NO_ANSWER_CODES.has(code))
    return { code, message: `${message} (EC2 may have applied it)`, kind: "unknown" };
  return { code, message, kind: PERMANENT_CODE.test(code) ? "permanent" : "transient" };
}
