/**
 * One reconcile pass of the leader, level-triggered (docs/DESIGN.md, safety rules 2–5): read the
 * VPC, plan, fence, apply, verify, record. A function from inputs to a report, one step per line.
 */
import { trace } from "@opentelemetry/api";
import type { Logger } from "pino";
import { planReconcile } from "../decide/plan.js";
import type { FailureView } from "../decide/quorum.js";
import type { MutationGuard } from "../domain/mutation-guard.js";
import type { PauseRecord } from "../domain/operator-records.js";
import {
  type BatchOptions,
  type BatchOutcome,
  NOTHING_DONE,
  type RouteChangeOutcome,
  type SourceDestFixOutcome,
} from "../domain/outcome.js";
import type { Plan } from "../domain/route-action.js";
import type { RouterEni, RouteTable } from "../domain/route-table.js";
import type { StatusRecord } from "../domain/status-record.js";
import type { VpcPort } from "../domain/vpc-port.js";
import { type RevisionedSpec, routerIpsOf, type SpecError } from "../route-spec/route-spec.js";
import { withSpan } from "../telemetry/with-span.js";
import { logRouteChange, type PlanWarningLog } from "./pass-logs.js";
import { settleUnknownChanges } from "./settle-unknown.js";
import type { SourceDestCheckChore } from "./source-dest-chore.js";
import { withFixedChecks } from "./source-dest-chore.js";
import type { StatusRecorder } from "./status-recorder.js";
import type { TermFence } from "./term-fence.js";

/**
 * Runs one step of the pass in a child span of the pass's `reconcile` span (`reconcile.read`,
 * `reconcile.plan`, …), so a trace shows where a failover's time went. The global tracer is a
 * no-op until telemetry registers a provider.
 */
function step<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  return withSpan(trace.getTracer("vpcrouter"), `reconcile.${name}`, {}, () => fn());
}

/** What the leader knows of the cluster at one moment (from the latest snapshot). */
export interface LeaderInputs {
  readonly spec?: RevisionedSpec;
  readonly specError?: SpecError;
  readonly failure: FailureView;
  /** The status record as last read from etcd. */
  readonly status?: StatusRecord;
  /** The CIDRs this cluster manages, as last recorded (they survive leader changes). */
  readonly managedCidrs?: readonly string[];
  /** The last good spec, as last recorded. */
  readonly lastGoodSpec?: RevisionedSpec;
  /** The operator's maintenance pause, while `<prefix>/pause` exists: plan, but write nothing to EC2. */
  readonly paused?: PauseRecord;
}

/** How the planner treats routes (settings `reconcile.*`). */
export interface PlanSettings {
  readonly prune: "managed" | "all";
  readonly ignoreRoutes: readonly string[];
  /** Let an empty spec `{}` delete routes (setting `reconcile.allowEmptySpec`); default false. */
  readonly allowEmptySpec?: boolean;
}

/** What one reconcile pass did. */
export interface ReconcileReport {
  readonly reason: string;
  /** ISO 8601 time the pass started. */
  readonly at: string;
  readonly durationMs: number;
  readonly plan?: Plan;
  readonly results: readonly RouteChangeOutcome[];
  readonly stoppedByFence: boolean;
  /** The route tables as read after the pass's changes. */
  readonly tables?: readonly RouteTable[];
  /** The spec's routers as resolved (source/destination check as it is after any fix). */
  readonly routers?: readonly RouterEni[];
  /** Source/destination checks this pass tried to disable. */
  readonly sourceDestFixes?: readonly SourceDestFixOutcome[];
  /** True when a newly confirmed failure ended the pass's batch early (a pass for it follows at once). */
  readonly preempted?: boolean;
  /** Why the plan was not applied, when it was held back: a pause or a dry run. */
  readonly held?: string;
  readonly error?: string;
  /** When `tables` were read, on the context's monotonic clock, ms. */
  readonly tablesReadAtMs?: number;
  /** The spec's router IPs `routers` and `tables` were read for (sorted, unique). */
  readonly routerIps?: readonly string[];
  /** True when the pass planned from {@link PassContext.cachedView} instead of reading first. */
  readonly fromCachedView?: boolean;
}

/** The term's collaborators a pass works with. */
export interface PassContext {
  readonly vpc: VpcPort;
  readonly fence: TermFence;
  readonly recorder: StatusRecorder;
  readonly chore: SourceDestCheckChore;
  readonly warnings: PlanWarningLog;
  readonly settings: PlanSettings;
  readonly logger: Logger;
  /** Monotonic clock, ms. */
  readonly now: () => number;
  /**
   * True once a failure the pass did not plan for is confirmed: the batch ends before its next
   * change, so that the failover does not wait behind the rest of a long batch.
   */
  readonly preempted?: () => boolean;
  /** Why nothing may be written to EC2 now (a pause, a dry run), if so: the plan is only shown. */
  readonly held?: () => string | undefined;
  /**
   * The routers and route tables as the last pass read them, to plan from without reading first
   * (the hot path of a newly confirmed failure); the pass still reads the tables after its changes.
   * Used only when it resolves every router of the spec.
   */
  readonly cachedView?: VpcView;
}

/** Routers and route tables as read from EC2 at one moment. */
export interface VpcView {
  /** The spec's router IPs the routers were resolved, and the tables selected, for (sorted, unique). */
  readonly routerIps: readonly string[];
  readonly routers: ReadonlyMap<string, RouterEni>;
  readonly tables: readonly RouteTable[];
  /** When the tables were read, on the pass context's monotonic clock, ms. */
  readonly readAtMs: number;
}

/**
 * Runs one pass. Never throws: an EC2 or etcd error ends the pass with `error` set (the leader
 * retries it). After the fence has ended the term, no mutation is sent, the verifying read and the
 * status write are skipped, and an error is expected and logged at debug level only.
 * @param reason why the pass runs (e.g. `failures changed`), for logs, the report and traces
 */
export async function runReconcilePass(
  reason: string,
  inputs: LeaderInputs,
  context: PassContext,
): Promise<ReconcileReport> {
  const { vpc, fence, recorder, chore, logger } = context;
  const started = context.now();
  const at = new Date().toISOString();
  let viewFacts: Pick<ReconcileReport, "tablesReadAtMs" | "fromCachedView" | "routerIps"> = {};
  const done = (rest: Omit<ReconcileReport, "reason" | "at" | "durationMs">): ReconcileReport => ({
    reason,
    at,
    durationMs: context.now() - started,
    ...viewFacts,
    ...rest,
  });
  try {
    if (!inputs.spec) {
      if (!fence.isEnded) await recorder.record(inputs, undefined, at);
      return done({ results: [], stoppedByFence: false });
    }
    // Read: routers first, since which route tables are managed may depend on the routers' subnets.
    const spec = inputs.spec.spec;
    const cached = usableView(context.cachedView, routerIpSet(spec));
    let readAtMs = cached?.readAtMs ?? context.now();
    const { resolved, tables } =
      cached === undefined
        ? await step("read", async () => {
            const routersByIp = await vpc.resolveRouters(routerIpsOf(spec));
            readAtMs = context.now();
            return { resolved: routersByIp, tables: await vpc.readRouteTables(routersByIp) };
          })
        : { resolved: cached.routers, tables: cached.tables };
    viewFacts = {
      tablesReadAtMs: readAtMs,
      routerIps: routerIpSet(spec),
      ...(cached === undefined ? {} : { fromCachedView: true }),
    };
    const routers = [...resolved.values()];
    const checksToFix = chore.select(routers);
    // Plan.
    const plan = await step("plan", () =>
      planReconcile({
        spec,
        failed: inputs.failure.confirmed,
        questionable: inputs.failure.questionable,
        tables,
        routers: resolved,
        managedCidrs: new Set(inputs.managedCidrs ?? []),
        options: {
          prune: context.settings.prune,
          ignoreRoutes: context.settings.ignoreRoutes,
          allowEmptySpec: context.settings.allowEmptySpec ?? false,
        },
      }),
    );
    context.warnings.log(plan.warnings);
    if (plan.actions.length === 0 && checksToFix.length === 0) {
      const pass = { plan, tables, ...NOTHING_DONE };
      if (!fence.isEnded) await recorder.record(inputs, pass, at, routers);
      return done({ ...pass, routers });
    }
    // Hold: paused or a dry run — the plan is logged and recorded, nothing is written to EC2.
    const held = context.held?.();
    if (held !== undefined) {
      logger.info({ reason, held, actions: plan.actions }, `not mutating: ${held}`);
      const pass = { plan, tables, ...NOTHING_DONE };
      if (!fence.isEnded) await recorder.record(inputs, pass, at, routers);
      return done({ ...pass, routers, held });
    }
    // Fence.
    const { verdict, error } = await step("fence", () => fence.confirm());
    if (verdict !== "holds") {
      logger.warn({ term: fence.term, verdict, err: error }, `not mutating: ${FENCE_REFUSALS[verdict]}`);
      return done({ plan, results: [], stoppedByFence: true, tables, routers });
    }
    // Intent: every CIDR the plan routes is recorded as managed before any route of it exists.
    const routed = plan.actions.flatMap((action) =>
      action.kind === "delete" ? [] : [action.destinationCidrBlock],
    );
    if (!(await recorder.recordIntent(inputs, routed))) {
      logger.warn({ term: fence.term }, "not mutating: the managed CIDRs could not be recorded first");
      return done({ plan, results: [], stoppedByFence: true, tables, routers });
    }
    const records = recorder.latest(inputs);
    // Apply: route changes first (failovers lead the plan), then the source/destination checks.
    if (plan.actions.length > 0) logger.info({ reason, actions: plan.actions }, "applying route changes");
    const batch = context.preempted ? { preempt: context.preempted } : {};
    const { changes, fixes } = await step("apply", () =>
      fence.mutate((guard) => applyAll(vpc, plan, checksToFix, guard, batch)),
    );
    chore.record(fixes.results);
    const routersNow = withFixedChecks(routers, fixes.results);
    if (changes.preempted || fixes.preempted) {
      // The next pass, already asked for, reads and records everything afresh.
      for (const change of changes.results) logRouteChange(logger, change);
      logger.info({ reason, applied: changes.results.length }, "pass preempted by a newly confirmed failure");
      const results = changes.results;
      return done({ plan, results, stoppedByFence: false, tables, routers: routersNow, preempted: true });
    }
    // Verify: read the tables again (skipped once the term ended: a slow read must not hold up the hand-over).
    const verified =
      plan.actions.length === 0 || fence.isEnded
        ? undefined
        : await step("verify", async () => {
            const readAt = context.now();
            const read = await vpc.readRouteTables(resolved);
            viewFacts = { ...viewFacts, tablesReadAtMs: readAt };
            return read;
          }).catch(() => undefined);
    // Tables that may not show this pass's changes are no view to plan the next failover from.
    if (verified === undefined && plan.actions.length > 0)
      viewFacts = { ...viewFacts, tablesReadAtMs: undefined };
    const after = verified ?? tables;
    // Changes EC2 did not answer are settled by that read: it may have made them.
    const results = settleUnknownChanges(changes.results, after);
    for (const change of results) logRouteChange(logger, change);
    const pass = {
      plan,
      tables: after,
      results,
      stoppedByFence: changes.stoppedByFence || fixes.stoppedByFence,
    };
    // Record.
    if (!fence.isEnded) await recorder.record(records, pass, at, routersNow);
    return done({ ...pass, routers: routersNow, sourceDestFixes: fixes.results });
  } catch (error) {
    if (fence.isEnded) logger.debug({ err: error, reason }, "reconcile ended after leadership");
    else logger.error({ err: error, reason }, "reconcile failed");
    return done({ results: [], stoppedByFence: false, error: (error as Error).message });
  }
}

/**
 * The cached view, if it was read for exactly the spec's routers (the table selection may depend
 * on them) and resolves every one of them.
 */
function usableView(view: VpcView | undefined, routerIps: readonly string[]): VpcView | undefined {
  if (view === undefined || view.routerIps.join() !== routerIps.join()) return undefined;
  return routerIps.every((ip) => view.routers.has(ip)) ? view : undefined;
}

/** The spec's router IPs, sorted and unique: what a view was read for. */
function routerIpSet(spec: RevisionedSpec["spec"]): string[] {
  return [...new Set(routerIpsOf(spec))].sort();
}

const FENCE_REFUSALS = {
  "deadline passed": "the lease may have expired (local deadline passed)",
  "term gone": "the leader key no longer holds this term",
  "term unconfirmed": "could not check the term in etcd",
} as const;

/** The route changes, then (unless the fence stopped them) the source/destination fixes. */
async function applyAll(
  vpc: VpcPort,
  plan: Plan,
  checksToFix: readonly RouterEni[],
  guard: MutationGuard,
  batch: BatchOptions,
): Promise<{ changes: BatchOutcome<RouteChangeOutcome>; fixes: BatchOutcome<SourceDestFixOutcome> }> {
  const changes = plan.actions.length > 0 ? await vpc.apply(plan.actions, guard, batch) : NOTHING_DONE;
  const fixes =
    checksToFix.length > 0 && !changes.stoppedByFence && !changes.preempted
      ? await vpc.disableSourceDestCheck(checksToFix, guard, batch)
      : NOTHING_DONE;
  return { changes, fixes };
}
