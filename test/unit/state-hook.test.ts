/**
 * The state-change hook (src/hooks/): a real program run with the facts in its environment, one at
 * a time, killed at its timeout, its failure logged; and when the events fire.
 */
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { failoverHook, leadershipHook } from "../../src/hooks/hook-events.js";
import { StateHook } from "../../src/hooks/state-hook.js";
import type { ReplicaState } from "../../src/replica/replica-state.js";

function capturingLogger() {
  const lines: { msg: string; level: number }[] = [];
  return {
    lines,
    logger: pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) }),
  };
}

describe("StateHook", () => {
  let dir: string;
  let script: string;
  let out: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "vpcrouter-hook-"));
    out = join(dir, "events.log");
    script = join(dir, "hook.sh");
    await writeFile(
      script,
      `#!/bin/sh\necho "$VPCROUTER_EVENT $VPCROUTER_TERM $VPCROUTER_FAILED_ROUTERS $VPCROUTER_ROUTE_CHANGES" >> ${out}\n[ "$VPCROUTER_EVENT" = failover ] && exec sleep 30\nexit 0\n`,
    );
    await chmod(script, 0o755);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs the program per event, in order, with the facts; kills one past its timeout and logs it", async () => {
    const { lines, logger } = capturingLogger();
    const hook = new StateHook(script, 1000, logger);
    const member = { id: "r1", zone: "az-a", version: "0", startedAt: "", apiAddr: "" };
    const onState = leadershipHook(hook);
    const base = { member, role: "follower", ready: true, spec: {}, failures: {} } as unknown as ReplicaState;
    onState(base);
    onState({ ...base, role: "leader", leading: { term: "41" } } as ReplicaState);
    failoverHook(
      hook,
      "r1",
    )({
      reason: "failures changed",
      at: "",
      durationMs: 1,
      stoppedByFence: false,
      results: [
        {
          ok: true,
          durationMs: 1,
          action: {
            kind: "replace",
            routeTableId: "rtb-1",
            destinationCidrBlock: "10.55.16.0/24",
            routerIp: "10.0.0.2",
            networkInterfaceId: "eni-2",
            failover: true,
            failedRouterIp: "10.0.0.1",
            reason: "router 10.0.0.1 failed",
          },
        },
      ],
    });
    onState(base);
    const started = performance.now();
    await hook.idle();
    assert.ok(performance.now() - started < 10_000, "the hook's timeout did not hold");
    const events = (await readFile(out, "utf8")).replace(/\n$/, "").split("\n");
    assert.deepEqual(events, [
      "became-leader 41  ",
      'failover  10.0.0.1 [{"routeTableId":"rtb-1","destinationCidrBlock":"10.55.16.0/24","routerIp":"10.0.0.2"}]',
      "lost-leadership 41  ",
    ]);
    assert.ok(
      lines.some((line) => line.msg === "state hook killed after 1000 ms"),
      JSON.stringify(lines),
    );
  });

  it("logs a program that cannot run, and never throws", async () => {
    const { lines, logger } = capturingLogger();
    const hook = new StateHook(join(dir, "missing"), 1000, logger);
    hook.notify("became-leader", {});
    await hook.idle();
    assert.ok(
      lines.some((line) => line.msg.startsWith("state hook failed")),
      JSON.stringify(lines),
    );
  });

  it("does nothing without a command", async () => {
    const hook = new StateHook("", 1000, pino({ level: "silent" }));
    hook.notify("failover", {});
    await hook.idle();
  });
});
