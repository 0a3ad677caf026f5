/**
 * Detecting region and VPC from the instance metadata service (IMDSv2) against the local emulator.
 * Every call passes its own environment with a loopback endpoint (or IMDS disabled): nothing here
 * may reach the real link-local metadata address.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { resolveAwsTarget } from "../../src/vpc/aws-target.js";
import { detectInstanceIdentity } from "../../src/vpc/instance-identity.js";
import { freePort } from "../support/free-port.js";
import { type ImdsEmulator, type ImdsEmulatorOptions, startImdsEmulator } from "../support/imds-emulator.js";
import { waitFor } from "../support/wait.js";

describe("instance identity from IMDSv2", () => {
  const emulators: ImdsEmulator[] = [];
  const start = async (options: ImdsEmulatorOptions = {}) => {
    const emulator = await startImdsEmulator(options);
    emulators.push(emulator);
    return emulator;
  };
  /** The SDK's variable pointing at the emulator, and nothing else from the real environment. */
  const envFor = (emulator: ImdsEmulator) => ({ AWS_EC2_METADATA_SERVICE_ENDPOINT: emulator.url });
  after(async () => {
    await Promise.all(emulators.map((emulator) => emulator.close()));
  });

  it("reads region and VPC with a session token, from the endpoint in AWS_EC2_METADATA_SERVICE_ENDPOINT", async () => {
    const imds = await start({ region: "eu-central-1", vpcId: "vpc-0abc1234", mac: "0a:1b:2c:3d:4e:5f" });
    const identity = await detectInstanceIdentity({ timeoutMs: 2000, env: envFor(imds) });
    assert.deepEqual(identity, { region: "eu-central-1", vpcId: "vpc-0abc1234" });
    const gets = imds.requests.filter((r) => r.method === "GET");
    assert.deepEqual(
      gets.map((r) => [r.path, r.status, r.validToken]),
      [
        ["/latest/meta-data/placement/region", 200, true],
        ["/latest/meta-data/mac", 200, true],
        ["/latest/meta-data/network/interfaces/macs/0a:1b:2c:3d:4e:5f/vpc-id", 200, true],
      ],
    );
    assert.ok(
      imds.requests.some((r) => r.method === "PUT" && r.path === "/latest/api/token" && r.status === 200),
    );
  });

  it("takes the region from the availability zone when placement/region is missing", async () => {
    const imds = await start({ availabilityZone: "ap-southeast-2b", omit: ["placement/region"] });
    const identity = await detectInstanceIdentity({ timeoutMs: 2000, env: envFor(imds) });
    assert.equal(identity.region, "ap-southeast-2");
    assert.equal(identity.vpcId, "vpc-0123abcd");
  });

  it("treats an answer of unexpected shape as not found", async () => {
    const imds = await start({ vpcId: "vpc-../../x" });
    const identity = await detectInstanceIdentity({ timeoutMs: 2000, env: envFor(imds) });
    assert.equal(identity.region, "us-east-1");
    assert.equal(identity.vpcId, undefined);
    assert.match(identity.problem ?? "", /unexpected VPC id/);
  });

  it("an explicit endpoint wins over the environment", async () => {
    const used = await start({ vpcId: "vpc-00000001" });
    const ignored = await start({ vpcId: "vpc-00000002" });
    const identity = await detectInstanceIdentity({
      endpoint: used.url,
      timeoutMs: 2000,
      env: envFor(ignored),
    });
    assert.equal(identity.vpcId, "vpc-00000001");
    assert.equal(ignored.requests.length, 0);
  });

  it("sends nothing when AWS_EC2_METADATA_DISABLED=true", async () => {
    const imds = await start();
    const identity = await detectInstanceIdentity({
      timeoutMs: 2000,
      env: { ...envFor(imds), AWS_EC2_METADATA_DISABLED: "true" },
    });
    assert.equal(identity.vpcId, undefined);
    assert.match(identity.problem ?? "", /AWS_EC2_METADATA_DISABLED/);
    assert.equal(imds.requests.length, 0);
  });

  it("refuses a GET without a valid token (IMDSv2 required), and the detection never uses one", async () => {
    const imds = await start();
    const anonymous = await fetch(`${imds.url}/latest/meta-data/mac`);
    assert.equal(anonymous.status, 401);
    const forged = await fetch(`${imds.url}/latest/meta-data/mac`, {
      headers: { "x-aws-ec2-metadata-token": "forged" },
    });
    assert.equal(forged.status, 401);
    const noTtl = await fetch(`${imds.url}/latest/api/token`, { method: "PUT" });
    assert.equal(noTtl.status, 400);
    await detectInstanceIdentity({ timeoutMs: 2000, env: envFor(imds) });
    const detectionGets = imds.requests.slice(3).filter((r) => r.method === "GET");
    assert.ok(detectionGets.length > 0);
    assert.ok(detectionGets.every((r) => r.validToken));
  });

  it("gives up within the deadline when the service never answers, without throwing", async () => {
    const imds = await start({ hang: true });
    const started = performance.now();
    const identity = await detectInstanceIdentity({ timeoutMs: 300, env: envFor(imds) });
    const tookMs = performance.now() - started;
    assert.deepEqual([identity.region, identity.vpcId], [undefined, undefined]);
    assert.match(identity.problem ?? "", /300 ms/);
    assert.ok(tookMs < 2000, `took ${tookMs} ms`);
  });

  it("reports an unreachable service as a problem, without throwing", async () => {
    const port = await freePort(); // nothing listens there
    const identity = await detectInstanceIdentity({
      timeoutMs: 2000,
      env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${port}` },
    });
    assert.equal(identity.vpcId, undefined);
    assert.ok(identity.problem);
    const target = resolveAwsTarget({ region: "", vpcId: "" }, identity);
    assert.equal(target.ok, false);
    assert.match(
      target.ok ? "" : target.message,
      /^VPC id not given \(-v\/--vpc\) and not detectable from the instance metadata service/,
    );
  });

  it("never overwrites a configured region or VPC with detected ones", async () => {
    const imds = await start({ region: "us-west-2", vpcId: "vpc-0de7ec7e" });
    const detected = await detectInstanceIdentity({ timeoutMs: 2000, env: envFor(imds) });
    assert.deepEqual(resolveAwsTarget({ region: "eu-west-1", vpcId: "vpc-0given" }, detected), {
      ok: true,
      region: "eu-west-1",
      vpcId: "vpc-0given",
      detected: { region: false, vpcId: false },
    });
    assert.deepEqual(resolveAwsTarget({ region: "", vpcId: "vpc-0given" }, detected), {
      ok: true,
      region: "us-west-2",
      vpcId: "vpc-0given",
      detected: { region: true, vpcId: false },
    });
  });

  it("reports a malformed endpoint as a problem instead of throwing, and sends nothing", async () => {
    const imds = await start();
    for (const endpoint of ["not a url", "http://[::1", "ftp://127.0.0.1:21", "/latest"]) {
      const fromEnv = await detectInstanceIdentity({
        timeoutMs: 2000,
        env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint },
      });
      assert.deepEqual(fromEnv, {
        problem: `the instance metadata service endpoint ${JSON.stringify(endpoint)} (AWS_EC2_METADATA_SERVICE_ENDPOINT) is not an http(s) URL`,
      });
      const given = await detectInstanceIdentity({ endpoint, timeoutMs: 2000, env: envFor(imds) });
      assert.match(given.problem ?? "", /\(endpoint option\) is not an http\(s\) URL$/);
    }
    assert.equal(imds.requests.length, 0);
  });

  it("starts no call after the deadline, and the call in flight ends at it", async () => {
    // Answers the token PUT, never a GET: the region GET is in flight when the deadline passes.
    const seen: string[] = [];
    let inFlight = 0;
    const server = createServer((request, response) => {
      seen.push(`${request.method} ${request.url}`);
      inFlight++;
      response.on("close", () => inFlight--);
      request.resume();
      if (request.method === "PUT") {
        response.writeHead(200, { "content-type": "text/plain" });
        response.end("token-for-the-deadline-test");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const identity = await detectInstanceIdentity({
        timeoutMs: 300,
        env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${port}` },
      });
      assert.match(identity.problem ?? "", /within 300 ms/);
      // Without the deadline per call, the GET would run for its own full timeout and be followed
      // by the availability-zone and mac lookups (a token PUT and a GET each).
      await waitFor(() => inFlight === 0, { timeoutMs: 1000, message: "the GET in flight did not end" });
      assert.deepEqual(seen, ["PUT /latest/api/token", "GET /latest/meta-data/placement/region"]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
