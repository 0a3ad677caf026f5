/** Classifying EC2 call failures: error codes, transient vs. caused by the request. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Ec2CallTimeoutError,
  Ec2CircuitOpenError,
  ec2ErrorCode,
  isRetryableEc2Error,
  isThrottlingError,
  toFailure,
} from "../../src/vpc/ec2-errors.js";
import { GuardRefused } from "../../src/vpc/guarded-call.js";

/** The shape of an SDK service exception (name = EC2 error code, HTTP status in $metadata). */
function sdkError(code: string, status: number): Error {
  return Object.assign(new Error(`${code} message`), {
    name: code,
    Code: code,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}

describe("ec2ErrorCode", () => {
  it("returns EC2's code for service errors", () => {
    assert.equal(ec2ErrorCode(sdkError("RouteAlreadyExists", 400)), "RouteAlreadyExists");
    assert.equal(ec2ErrorCode(sdkError("InvalidRoute.NotFound", 400)), "InvalidRoute.NotFound");
  });
  it("returns our codes for timeouts and open circuits", () => {
    assert.equal(ec2ErrorCode(new Ec2CallTimeoutError("CreateRoute", 100)), "Ec2CallTimeout");
    assert.equal(ec2ErrorCode(new Ec2CircuitOpenError("CreateRoute")), "CircuitOpen");
  });
  it("returns the socket code for network errors, also when wrapped as a cause", () => {
    assert.equal(ec2ErrorCode(socketError("ECONNREFUSED")), "ECONNREFUSED");
    assert.equal(ec2ErrorCode(new Error("wrapped", { cause: socketError("ECONNRESET") })), "ECONNRESET");
  });
  it("falls back to the error name or Unknown", () => {
    assert.equal(ec2ErrorCode(new TypeError("x")), "TypeError");
    assert.equal(ec2ErrorCode(new Error("x")), "Unknown");
    assert.equal(ec2ErrorCode("a string"), "Unknown");
  });
});

describe("isRetryableEc2Error", () => {
  it("is true for throttling, 5xx, network errors and our call timeout", () => {
    for (const error of [
      sdkError("RequestLimitExceeded", 503),
      sdkError("Throttling", 400),
      sdkError("InternalError", 500),
      sdkError("Unavailable", 503),
      socketError("ECONNREFUSED"),
      socketError("ETIMEDOUT"),
      new Ec2CallTimeoutError("DescribeRouteTables", 50),
      Object.assign(new Error("socket timeout"), { name: "TimeoutError" }),
    ]) {
      assert.equal(isRetryableEc2Error(error), true, ec2ErrorCode(error));
    }
  });
  it("is false for client errors, an open circuit and programming errors", () => {
    for (const error of [
      sdkError("RouteAlreadyExists", 400),
      sdkError("InvalidParameterValue", 400),
      sdkError("UnauthorizedOperation", 403),
      new Ec2CircuitOpenError("CreateRoute"),
      new TypeError("undefined is not a function"),
    ]) {
      assert.equal(isRetryableEc2Error(error), false, ec2ErrorCode(error));
    }
  });
  it("follows the AWS SDK's classifiers: HTTP 429 and every SDK throttling code throttle, a modelled retryable error retries", () => {
    assert.equal(isThrottlingError(sdkError("SomethingNew", 429)), true);
    assert.equal(isThrottlingError(sdkError("LimitExceededException", 400)), true);
    assert.equal(isRetryableEc2Error(sdkError("SomethingNew", 429)), true);
    assert.equal(isRetryableEc2Error(Object.assign(sdkError("Modelled", 400), { $retryable: {} })), true);
    assert.equal(
      isRetryableEc2Error(sdkError("InternalError", 501)),
      true,
      "every 5xx, not only 500/502/503/504",
    );
  });
  it("recognises throttling codes even with a 400 status", () => {
    assert.equal(isThrottlingError(sdkError("ThrottlingException", 400)), true);
    assert.equal(isThrottlingError(sdkError("InternalError", 500)), false);
  });
});

describe("toFailure", () => {
  // Refusals that retrying soon cannot cure: the leader asks again only after a pause (e.g. a missing IAM permission).
  for (const code of ["UnauthorizedOperation", "AuthFailure", "InvalidNetworkInterfaceID.NotFound"]) {
    it(`${code} is permanent`, () => assert.equal(toFailure(sdkError(code, 400)).kind, "permanent"));
  }
  for (const error of [
    sdkError("RequestLimitExceeded", 503),
    sdkError("InternalError", 500),
    new Ec2CircuitOpenError("ModifyNetworkInterfaceAttribute"),
    socketError("ECONNREFUSED"),
  ]) {
    it(`${ec2ErrorCode(error)} is transient (retried)`, () =>
      assert.equal(toFailure(error).kind, "transient"));
  }
  // No answer came: EC2 may have made the change, so the leader reads it back.
  for (const error of [
    new Ec2CallTimeoutError("ReplaceRoute", 100),
    socketError("ECONNRESET"),
    Object.assign(new Error("aborted"), { name: "AbortError" }),
  ]) {
    it(`${ec2ErrorCode(error)} is unknown (may have been applied)`, () => {
      const failure = toFailure(error);
      assert.equal(failure.kind, "unknown");
      assert.match(failure.message, /may have applied it/);
    });
  }
  it("a fence refusal is fenced, with its own code and message", () => {
    assert.deepEqual(toFailure(new GuardRefused()), {
      code: "GuardRefused",
      message: "the leadership check refused the mutation",
      kind: "fenced",
    });
  });
  it("reports the code the caller knows better (a fallback's), with the error's message", () => {
    assert.deepEqual(toFailure(new Error("ReplaceRoute: x; then CreateRoute: y"), "InvalidParameterValue"), {
      code: "InvalidParameterValue",
      message: "ReplaceRoute: x; then CreateRoute: y",
      kind: "transient",
    });
  });
});
