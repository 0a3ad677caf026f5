import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  givenRegion,
  needsInstanceIdentity,
  resolveAwsTarget,
  VPC_NOT_DETECTABLE,
} from "../../src/vpc/aws-target.js";
import { imdsEndpoint } from "../../src/vpc/instance-identity.js";

describe("resolveAwsTarget", () => {
  const cases = [
    {
      name: "given values win over detected ones",
      given: { region: "eu-west-1", vpcId: "vpc-0given00" },
      detected: { region: "us-east-1", vpcId: "vpc-0de7ec7e" },
      expected: { region: "eu-west-1", vpcId: "vpc-0given00", detected: { region: false, vpcId: false } },
    },
    {
      name: "a missing region is detected, the given VPC kept",
      given: { region: "", vpcId: "vpc-0given00" },
      detected: { region: "us-east-1", vpcId: "vpc-0de7ec7e" },
      expected: { region: "us-east-1", vpcId: "vpc-0given00", detected: { region: true, vpcId: false } },
    },
    {
      name: "a missing VPC is detected, the given region kept",
      given: { region: "eu-west-1", vpcId: "" },
      detected: { region: "us-east-1", vpcId: "vpc-0de7ec7e" },
      expected: { region: "eu-west-1", vpcId: "vpc-0de7ec7e", detected: { region: false, vpcId: true } },
    },
    {
      name: "a region neither given nor detected stays empty (the SDK chain decides)",
      given: { region: "", vpcId: "vpc-0given00" },
      detected: {},
      expected: { region: "", vpcId: "vpc-0given00", detected: { region: false, vpcId: false } },
    },
  ];
  for (const { name, given, detected, expected } of cases) {
    it(name, () => assert.deepEqual(resolveAwsTarget(given, detected), { ok: true, ...expected }));
  }

  it("fails with the daemon's message, and the detection's problem, when no VPC id is known", () => {
    assert.deepEqual(resolveAwsTarget({ region: "eu-west-1", vpcId: "" }, {}), {
      ok: false,
      message: VPC_NOT_DETECTABLE,
    });
    const result = resolveAwsTarget({ region: "", vpcId: "" }, { region: "us-east-1", problem: "timed out" });
    assert.deepEqual(result, { ok: false, message: `${VPC_NOT_DETECTABLE} (timed out)` });
    assert.equal(
      VPC_NOT_DETECTABLE,
      "VPC id not given (-v/--vpc) and not detectable from the instance metadata service",
    );
  });
});

describe("needsInstanceIdentity", () => {
  it("asks the metadata service only when the region or the VPC id is missing", () => {
    assert.equal(needsInstanceIdentity({ region: "eu-west-1", vpcId: "vpc-0given00" }), false);
    assert.equal(needsInstanceIdentity({ region: "", vpcId: "vpc-0given00" }), true);
    assert.equal(needsInstanceIdentity({ region: "eu-west-1", vpcId: "" }), true);
  });
});

describe("imdsEndpoint", () => {
  it("prefers the option, then AWS_EC2_METADATA_SERVICE_ENDPOINT, then AWS's address by mode", () => {
    const env = { AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9" };
    assert.equal(imdsEndpoint(env, "http://127.0.0.1:8"), "http://127.0.0.1:8");
    assert.equal(imdsEndpoint(env, undefined), "http://127.0.0.1:9");
    assert.equal(imdsEndpoint({}, undefined), "http://169.254.169.254");
    assert.equal(
      imdsEndpoint({ AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: "IPv6" }, undefined),
      "http://[fd00:ec2::254]",
    );
  });
});

describe("givenRegion", () => {
  const cases: {
    name: string;
    configured: string;
    sdkChain: string;
    env: NodeJS.ProcessEnv;
    expected: string;
  }[] = [
    {
      name: "the setting wins",
      configured: "eu-west-1",
      sdkChain: "us-east-2",
      env: {},
      expected: "eu-west-1",
    },
    {
      name: "then the SDK chain (AWS_REGION, profile)",
      configured: "",
      sdkChain: "us-east-2",
      env: { AWS_DEFAULT_REGION: "ap-south-1" },
      expected: "us-east-2",
    },
    {
      name: "then AWS_DEFAULT_REGION (boto's variable)",
      configured: "",
      sdkChain: "",
      env: { AWS_DEFAULT_REGION: "ap-south-1" },
      expected: "ap-south-1",
    },
    { name: "none: empty, IMDS may name it", configured: "", sdkChain: "", env: {}, expected: "" },
  ];
  for (const { name, configured, sdkChain, env, expected } of cases) {
    it(name, () => assert.equal(givenRegion(configured, sdkChain, env), expected));
  }
});
