/**
 * Bad input includes an unreachable etcd: the replica stays up, says so clearly, is not ready,
 * and stops cleanly.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { freePort } from "../support/free-port.js";
import { ReplicaProcess } from "../support/replica-process.js";
import { waitFor } from "../support/wait.js";

describe("etcd unreachable at start-up", () => {
  let replica: ReplicaProcess;

  before(async () => {
    replica = await ReplicaProcess.start({
      id: "lonely",
      zone: "az-a",
      etcdEndpoints: [`127.0.0.1:${await freePort()}`],
      prefix: "/vpcrouter-lonely",
      vpcId: "vpc-0123456789abcdef0",
      ec2Endpoint: "http://127.0.0.1:9", // never called: nobody leads without etcd
    });
  });

  after(async () => {
    await replica?.kill("SIGKILL");
  });

  it("keeps running, reports itself not ready, and logs why", async () => {
    await waitFor(() => replica.logged("cannot reach etcd").length > 0, {
      timeoutMs: 20_000,
      message: () => `no clear log line\n${replica.tail()}`,
    });
    assert.ok(replica.running);
    const ready = await fetch(`${replica.apiUrl}/readyz`);
    assert.equal(ready.status, 503);
    const status = await replica.status();
    assert.equal(status?.role, "connecting");
    assert.equal(status?.leader, null);
  });

  it("stops cleanly on SIGTERM with exit code 0", async () => {
    await replica.kill("SIGTERM");
    assert.equal(replica.code, 0);
  });
});
