/** Classifying EC2 call failures: error codes, transient vs. caused by the request. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Ec2CallTimeoutError,
  Ec2CircuitOpenError,
  ec2ErrorCode,
  isThrottlingError,
  isTransientEc2Error,
} from "../../src/vpc/ec2-errors.js";

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

describe("isTransientEc2Error", () => {
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
      assert.equal(isTransientEc2Error(error), true, ec2ErrorCode(error));
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
      assert.equal(isTransientEc2Error(error), false, ec2ErrorCode(error));
    }
  });
  it("recognises throttling codes even with a 400 status", () => {
    assert.equal(isThrottlingError(sdkError("ThrottlingException", 400)), true);
    assert.equal(isThrottlingError(sdkError("InternalError", 500)), false);
  });
});
