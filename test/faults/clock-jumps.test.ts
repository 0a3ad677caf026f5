/**
 * Fault: the wall clock of one replica, the leader, jumps an hour ahead, then an hour back
 * (libfaketime, Debian's `faketime`, with the monotonic clock left alone). Nothing changes: no
 * route change, no leader change; the leader still fails over afterwards. Safety is timed on the
 * monotonic clock; the wall clock only ever shortens the leader's deadline.
 */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { holdFault } from "../support/fault-clock.js";
import { recordScenario } from "../support/fault-report.js";
import { TestWorld } from "../support/test-world.js";
import { waitFor } from "../support/wait.js";

const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";
const X = "10.63.1.0/24";

describe("wall-clock jumps on the leader", {
  skip: !existsSync(LIBFAKETIME) && "libfaketime is not installed",
}, () => {
  let world: TestWorld;
  let dir: string;
  let offsetFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "vpcrouter-faketime-"));
    offsetFile = join(dir, "offset");
    writeFileSync(offsetFile, "+0\n");
    world = await TestWorld.create({
      tag: "fclock",
      subnet: 240,
      etcdMembers: 1,
      routers: 2,
      routeTables: 2,
    });
    const [r1, r2] = world.routers.routerIps as [string, string];
    // The first replica to join leads (the oldest election key); it runs on a fake wall clock.
    await world.startReplica("rep-a", "az-a", [], {
      env: {
        LD_PRELOAD: LIBFAKETIME,
        FAKETIME_TIMESTAMP_FILE: offsetFile,
        FAKETIME_NO_CACHE: "1",
        FAKETIME_DONT_FAKE_MONOTONIC: "1",
      },
    });
    await world.startReplica("rep-b", "az-b");
    await world.startReplica("rep-c", "az-c");
    await world.putSpecAndWait({ [X]: [r1, r2] });
  });

  after(async () => {
    await world?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("changes nothing when the leader's clock jumps ±1 h, and the leader still fails over", async () => {
    const [r1, r2] = world.routers.routerIps as [string, string];
    const leader = await world.agreedLeader();
    assert.equal(leader.id, "rep-a", "the replica on the fake clock leads");
    const term = ((await leader.status())?.leader as { term?: string } | undefined)?.term;
    const cursor = world.ec2.logCursor();
    for (const offset of ["+1h", "-1h", "+0"]) {
      writeFileSync(offsetFile, `${offset}\n`);
      await holdFault(3000); // the jump holds for a lease TTL
    }
    const moves = world.mutatingCalls(cursor);
    const termNow = ((await leader.status())?.leader as { term?: string } | undefined)?.term;
    // The leader still does its job.
    writeFileSync(offsetFile, "+1h\n");
    await world.routers.linkDown(r1);
    await waitFor(() => world.allTablesRoute(X, r2), {
      timeoutMs: 20_000,
      message: () => `no failover by the leader on the fake clock\n${world.tails()}`,
    });
    const signers = new Set(world.mutatingCalls(cursor).map((call) => call.accessKeyId));
    recordScenario({
      id: "clock-jumps",
      title: "The leader's wall clock jumps an hour ahead, then back",
      injection:
        "libfaketime (monotonic clock untouched) on the leader: +1 h, −1 h, +0, each held 3 s; then +1 h and a router failure",
      trials: 1,
      checks: ["no route change and no leader change during the jumps", "the leader fails over afterwards"],
      passed: moves.length === 0 && termNow === term && signers.has("rep-a"),
      figures: [
        { name: "route changes during the jumps", value: moves.length, unit: "count" },
        { name: "leader terms", value: termNow === term ? 1 : 2, unit: "count" },
      ],
    });
    assert.deepEqual(moves, []);
    assert.equal(termNow, term, "the leader kept its term");
    assert.deepEqual([...signers], ["rep-a"]);
  });
});
