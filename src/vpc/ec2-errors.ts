/**
 * Classifying errors of EC2 calls: the EC2 error code of a failure, and whether it is transient
 * (worth a retry and a strike against the circuit breaker) or caused by the request itself.
 * Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html (throttling codes)
 */

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

/** Error codes AWS SDKs treat as throttling. */
const THROTTLING_CODES: ReadonlySet<string> = new Set([
  "RequestLimitExceeded",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "SlowDown",
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "PriorRequestNotComplete",
]);

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

/** True for throttling (`RequestLimitExceeded` and the SDKs' other throttling codes). */
export function isThrottlingError(error: unknown): boolean {
  return THROTTLING_CODES.has(ec2ErrorCode(error));
}

/**
 * True when a failure is transient and says nothing about the request itself: throttling, HTTP 5xx,
 * a network failure, or our per-call timeout. These are retried and count against the breaker;
 * client errors (4xx such as `RouteAlreadyExists`, `InvalidParameterValue`) and an open circuit are not.
 */
export function isTransientEc2Error(error: unknown): boolean {
  if (error instanceof Ec2CircuitOpenError) return false;
  if (error instanceof Ec2CallTimeoutError) return true;
  if (isThrottlingError(error)) return true;
  const status = httpStatusOf(error);
  if (status !== undefined) return status >= 500;
  if (networkCodeOf(error) !== undefined) return true;
  const name = field(error, "name");
  // The SDK's HTTP handler reports its own socket/connection timeouts as TimeoutError.
  return name === "TimeoutError";
}
