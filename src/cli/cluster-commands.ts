/**
 * The operator's cluster commands: `pause` and `resume` (a cluster-wide maintenance flag under
 * which no replica writes to EC2) and `switchover [--to ID]` (the leader hands over at once), all
 * through etcd keys the replicas follow (docs/DESIGN.md section 3).
 */
import { hostname, userInfo } from "node:os";
import type { VpcrouterConfig } from "../config/schema.js";
import type { PauseRecord, SwitchoverRequest } from "../domain/operator-records.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import type { CliIo } from "./io.js";
import { withEtcd } from "./with-etcd.js";

/** How long a switchover request lives in etcd (its lease TTL), s: long enough for any hand-over. */
const SWITCHOVER_REQUEST_TTL_SECONDS = 30;
/** How long `switchover` waits for the new leader, ms. */
const SWITCHOVER_WAIT_MS = 20_000;

function operatorName(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `?@${hostname()}`;
  }
}

/** `pause [--reason TEXT]`: writes `<prefix>/pause`. Exit 0, or 1 when etcd fails. */
export function pauseCluster(config: VpcrouterConfig, io: CliIo, reason?: string): Promise<ExitCode> {
  return withEtcd(config, io, "pause the cluster through etcd", async ({ client, keys }) => {
    const record: PauseRecord = {
      by: operatorName(),
      at: new Date().toISOString(),
      ...(reason ? { reason } : {}),
    };
    await client.put(keys.pause).value(JSON.stringify(record)).exec();
    io.out(`paused: no replica writes to EC2 until \`vpcrouter resume\` (${keys.pause})`);
    return EXIT.ok;
  });
}

/** `resume`: deletes `<prefix>/pause`. Exit 0 (also when it was not paused), or 1 when etcd fails. */
export function resumeCluster(config: VpcrouterConfig, io: CliIo): Promise<ExitCode> {
  return withEtcd(config, io, "resume the cluster through etcd", async ({ client, keys }) => {
    const deleted = await client.delete().key(keys.pause).exec();
    io.out(Number(deleted.deleted) > 0 ? "resumed: the leader writes to EC2 again" : "was not paused");
    return EXIT.ok;
  });
}

/**
 * `switchover [--to ID]`: asks the leader to hand over (to `to`, or to the next candidate) and
 * waits until another replica leads.
 * @returns 0 when the new leader is in place; 2 when there is no leader, `to` is not a candidate or
 *   already leads; 1 when etcd fails or no new leader appears within 20 s.
 */
export function switchover(config: VpcrouterConfig, io: CliIo, to?: string): Promise<ExitCode> {
  return withEtcd(config, io, "request a switchover through etcd", async ({ client, store, keys }) => {
    const before = await store.readSnapshot();
    const leader = before.leader;
    if (!leader) {
      io.err("vpcrouter: no replica leads: nothing to switch over");
      return EXIT.usage;
    }
    if (to !== undefined && !before.candidates.some((candidate) => candidate.replicaId === to)) {
      const names = before.candidates.map((candidate) => candidate.replicaId).join(", ");
      io.err(`vpcrouter: ${to} is not a candidate (candidates: ${names || "none"})`);
      return EXIT.usage;
    }
    if (to === leader.replicaId) {
      io.err(`vpcrouter: ${to} already leads`);
      return EXIT.usage;
    }
    if (before.candidates.length < 2) {
      io.err(`vpcrouter: ${leader.replicaId} is the only candidate: nobody could take over`);
      return EXIT.usage;
    }
    const request: SwitchoverRequest = {
      from: leader.replicaId,
      ...(to ? { to } : {}),
      at: new Date().toISOString(),
    };
    // On a lease of its own, not kept alive: a request nobody acted on vanishes by itself.
    const lease = client.lease(SWITCHOVER_REQUEST_TTL_SECONDS, { autoKeepAlive: false });
    await lease.put(keys.switchover).value(JSON.stringify(request)).exec();
    lease.release();
    const deadline = performance.now() + SWITCHOVER_WAIT_MS;
    while (performance.now() < deadline) {
      const now = await store.readSnapshot();
      const next = now.leader;
      if (next && next.replicaId !== leader.replicaId && (to === undefined || next.replicaId === to)) {
        io.out(`switchover: ${leader.replicaId} → ${next.replicaId} (term ${next.createRevision})`);
        return EXIT.ok;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    io.err(`vpcrouter: no new leader within ${SWITCHOVER_WAIT_MS / 1000} s; see vpcrouter status`);
    return EXIT.failure;
  });
}
