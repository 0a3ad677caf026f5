/**
 * Scale, part 1: the pure planner (`planReconcile`, src/decide/plan.ts) in-process, on a large VPC
 * as the leader sees it: 1,000 spec CIDRs routed in 20 route tables (test/support/big-vpc.ts).
 * Three situations, because they exercise different paths of the planner:
 *
 * - `steady`: every route already points at its first router, nothing to do (every recheck pass);
 * - `failover`: that router is confirmed failed, every route is replaced (the hot path);
 * - `create`: the tables are empty, every route is created (a new spec on an empty VPC).
 */
import { type PlanInput, planReconcile } from "../../src/decide/plan.js";
import type { RouterEni } from "../../src/domain/route-table.js";
import { bigVpc } from "../../test/support/big-vpc.js";
import { type Summary, summarize } from "./report.js";

/** The target for one plan of 1,000 CIDRs × 20 tables, ms. */
export const PLANNER_TARGET_MS = 20;

/** The routers of every spec CIDR, first preferred; big-vpc.ts routes everything to eni-…01. */
const ACTIVE: RouterEni = {
  ip: "198.18.0.10",
  networkInterfaceId: "eni-00000000000000001",
  instanceId: "i-00000000000000001",
};
const STANDBY: RouterEni = {
  ip: "198.18.0.11",
  networkInterfaceId: "eni-00000000000000002",
  instanceId: "i-00000000000000002",
};

export type PlannerSituation = "steady" | "failover" | "create";

/** What one situation measured. */
export interface PlannerResult {
  readonly situation: PlannerSituation;
  /** Actions in the plan (a check that the situation is what it claims). */
  readonly actions: number;
  readonly samplesMs: readonly number[];
  readonly ms: Summary;
  readonly meetsTarget: boolean;
}

/** The input of one situation: `cidrs` CIDRs × `tables` tables. */
export function plannerInput(situation: PlannerSituation, cidrs: number, tables: number): PlanInput {
  const vpc = bigVpc(cidrs, tables);
  const emptyTables = vpc.tables.map((table) => ({ ...table, routes: [] }));
  return {
    spec: Object.fromEntries(vpc.cidrs.map((cidr) => [cidr, [ACTIVE.ip, STANDBY.ip]])),
    failed: new Set(situation === "failover" ? [ACTIVE.ip] : []),
    questionable: new Set(),
    tables: situation === "create" ? emptyTables : vpc.tables,
    routers: new Map([
      [ACTIVE.ip, ACTIVE],
      [STANDBY.ip, STANDBY],
    ]),
    managedCidrs: new Set(vpc.cidrs),
    options: { prune: "managed", ignoreRoutes: [] },
  };
}

/** The number of actions each situation must plan, so that a wrong input cannot pass as fast. */
function expectedActions(situation: PlannerSituation, cidrs: number, tables: number): number {
  return situation === "steady" ? 0 : cidrs * tables;
}

/**
 * Times `trials` plans of each situation after `warmup` untimed ones (the JIT must have compiled
 * the planner, as it has in a leader that has been running for a while).
 * @throws Error when a plan does not have the expected number of actions
 */
export function runPlanner(options: {
  readonly cidrs: number;
  readonly tables: number;
  readonly trials: number;
  readonly warmup: number;
}): PlannerResult[] {
  const situations: readonly PlannerSituation[] = ["steady", "failover", "create"];
  return situations.map((situation) => {
    const input = plannerInput(situation, options.cidrs, options.tables);
    const expected = expectedActions(situation, options.cidrs, options.tables);
    let actions = 0;
    for (let i = 0; i < options.warmup; i++) actions = planReconcile(input).actions.length;
    const samplesMs: number[] = [];
    for (let i = 0; i < options.trials; i++) {
      const started = performance.now();
      actions = planReconcile(input).actions.length;
      samplesMs.push(performance.now() - started);
      if (actions !== expected) throw new Error(`planner ${situation}: ${actions} actions, not ${expected}`);
    }
    const ms = summarize(samplesMs);
    return { situation, actions, samplesMs, ms, meetsTarget: ms.median <= PLANNER_TARGET_MS };
  });
}
