/**
 * The leader's duty for one term: its lifecycle (start, newer inputs, stop) and the scheduling of
 * reconcile passes — one at a time, on every input that matters, every recheck interval, and again
 * with backoff while a pass left work unfinished.
 */
import {
  type Context,
  context as otelContext,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { Logger } from "pino";
import type { Candidate } from "../cluster/snapshot.js";
import type { VpcPort } from "../domain/vpc-port.js";
import { CoalescedRun, type RunResult } from "../lib/coalesced-run.js";
import { EventLoopWatch } from "../lib/event-loop-watch.js";
import { withSpan } from "../telemetry/with-span.js";
import { LOOP_GAP_MIN_MS } from "../timings.js";
import { PlanWarningLog } from "./pass-logs.js";
import {
  type LeaderInputs,
  type PlanSettings,
  type ReconcileReport,
  runReconcilePass,
  type VpcView,
} from "./reconcile-pass.js";
import { fixWorthRetrying, SourceDestCheckChore } from "./source-dest-chore.js";
import { StatusRecorder, type StatusStore } from "./status-recorder.js";
import { type LeaseClock, TermFence, type TermStore } from "./term-fence.js";

/** The etcd operations the leader needs (implemented by ClusterStore). */
export type LeaderStore = TermStore & StatusStore;

/** Settings of the leader's duty. */
export interface LeadershipOptions extends PlanSettings {
  /** Periodic full reconcile, s; 0 disables it (changes still trigger one). */
  readonly routeRecheckIntervalSeconds: number;
  /** The leader stops mutating this long before its lease could have expired, ms. */
  readonly safetyMarginMs: number;
  /**
   * Delay before retrying a pass that left work unfinished, ms: doubling per unfinished pass, at
   * most 10 s, each delay between half of and all of that (cockatiel's half jitter).
   */
  readonly retryDelayMs: number;
  /** Disable the source/destination check on router ENIs that have it enabled (`aws.fixSourceDestCheck`). */
  readonly fixSourceDestCheck?: boolean;
  /** Plan and show, never write to EC2 (`reconcile.dryRun`, `run --dry-run`). */
  readonly dryRun?: boolean;
}

/** Observations for metrics and the status API. */
export interface LeadershipEvents {
  onReconciled?(report: ReconcileReport): void;
}

/**
 * Cap on the delay between retries of unfinished passes, ms: a pending failover is tried again at
 * least this often (one pass, a few EC2 calls: well within EC2's request buckets).
 */
const MAX_RETRY_DELAY_MS = 10_000;
/**
 * The oldest view a failover plans from without reading first, ms; older, it reads. The periodic
 * recheck (default 30 s) keeps the view fresher than this.
 */
const HOT_VIEW_MAX_AGE_MS = 60_000;

/**
 * One term of leadership. Every EC2 mutation of the term passes through its {@link TermFence};
 * EC2 errors end one pass, never the duty.
 */
export class Leadership {
  /** The term's fence (term check and local lease deadline). */
  readonly fence: TermFence;
  private inputs: LeaderInputs;
  private readonly passes: CoalescedRun<string>;
  private readonly recorder: StatusRecorder;
  private readonly chore: SourceDestCheckChore;
  private readonly warnings: PlanWarningLog;
  private recheckTimer: NodeJS.Timeout | undefined;
  /** Stalls of the event loop, after which the term is checked again (see TermFence). */
  private readonly loopWatch: EventLoopWatch;
  private lastReport: ReconcileReport | undefined;
  /** The routers and tables as last read, for the hot path of a newly confirmed failure. */
  private view: VpcView | undefined;
  /** The confirmed failures the last pass planned with. */
  private lastPlanned: ReadonlySet<string> = new Set();
  /** The trace context of the input change that asked for the next pass (a quorum confirmation). */
  private triggerContext: Context = ROOT_CONTEXT;

  /**
   * @param candidate this replica's election key, whose create revision is the term
   * @param now monotonic clock, ms (the session's deadline uses the same clock)
   */
  constructor(
    candidate: Candidate,
    session: LeaseClock,
    store: LeaderStore,
    private readonly vpc: VpcPort,
    private readonly options: LeadershipOptions,
    private readonly logger: Logger,
    inputs: LeaderInputs,
    private readonly events: LeadershipEvents = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.inputs = inputs;
    this.loopWatch = new EventLoopWatch(Math.max(options.safetyMarginMs, LOOP_GAP_MIN_MS));
    this.fence = new TermFence(candidate, session, store, options.safetyMarginMs, this.loopWatch);
    this.recorder = new StatusRecorder(candidate, store, logger);
    this.chore = new SourceDestCheckChore(options.fixSourceDestCheck ?? false, logger, now);
    this.warnings = new PlanWarningLog(logger);
    this.passes = new CoalescedRun<string>(
      (reason) => this.pass(reason),
      () => !this.fence.isEnded,
      (error) => logger.error({ err: error }, "reconcile pass failed"),
      { initialDelayMs: options.retryDelayMs, maxDelayMs: MAX_RETRY_DELAY_MS, reason: "retry after failure" },
    );
  }

  /** This replica's election key. */
  get candidate(): Candidate {
    return this.fence.candidate;
  }

  /** The term: the create revision of this leader's election key. */
  get term(): string {
    return this.fence.term;
  }

  /** The last pass's report, if any. */
  get report(): ReconcileReport | undefined {
    return this.lastReport;
  }

  /** Starts the duty with a first full reconcile. */
  start(): void {
    this.loopWatch.start();
    this.request("elected");
    const intervalMs = this.options.routeRecheckIntervalSeconds * 1000;
    if (intervalMs > 0) {
      this.recheckTimer = setInterval(() => this.request("route recheck"), intervalMs);
      this.recheckTimer.unref();
    }
  }

  /** Feeds a newer view of the cluster; reconciles when the spec or the confirmed failures changed. */
  update(inputs: LeaderInputs): void {
    const previous = this.inputs;
    this.inputs = inputs;
    if (previous.spec?.revision !== inputs.spec?.revision) this.request("spec changed");
    else if (!sameSet(previous.failure.confirmed, inputs.failure.confirmed)) {
      this.triggerContext = otelContext.active();
      this.request("failures changed");
    } else if (previous.specError?.revision !== inputs.specError?.revision)
      this.request("spec error changed");
    else if ((previous.paused === undefined) !== (inputs.paused === undefined)) {
      this.request(inputs.paused ? "paused" : "resumed");
    }
  }

  /** Asks for a pass; requests made while one runs coalesce into one more pass. */
  request(reason: string): void {
    this.passes.request(reason);
  }

  /**
   * Ends the duty: once this returns no EC2 mutation is in flight and none will start. It waits only
   * for a batch of mutations being applied, not for a pass's reads, so a slow EC2 cannot hold up the
   * hand-over; such a pass ends on its own without writing anything.
   */
  async stop(): Promise<void> {
    clearInterval(this.recheckTimer);
    this.passes.cancelRetry();
    this.loopWatch.stop();
    await this.fence.end();
  }

  /** The last view, unless it is older than {@link HOT_VIEW_MAX_AGE_MS}. */
  private freshView(): VpcView | undefined {
    const view = this.view;
    return view !== undefined && this.now() - view.readAtMs <= HOT_VIEW_MAX_AGE_MS ? view : undefined;
  }

  private heldReason(): string | undefined {
    return heldReasonOf(this.inputs.paused, this.options.dryRun ?? false);
  }

  private async pass(reason: string): Promise<RunResult> {
    const inputs = this.recorder.latest(this.inputs);
    const planned = inputs.failure.confirmed;
    const newFailure = [...planned].some((ip) => !this.lastPlanned.has(ip));
    this.lastPlanned = planned;
    const view = this.freshView();
    const context = {
      vpc: this.vpc,
      fence: this.fence,
      recorder: this.recorder,
      chore: this.chore,
      warnings: this.warnings,
      settings: this.options,
      logger: this.logger,
      now: this.now,
      // A failure confirmed after this pass read its inputs: the failover must not wait behind it.
      // A pause set meanwhile ends the batch before its next change too.
      preempted: () =>
        [...this.inputs.failure.confirmed].some((ip) => !planned.has(ip)) || this.heldReason() !== undefined,
      held: () => this.heldReason(),
      // A newly confirmed failure acts at once on the last read view (a read follows the changes).
      ...(newFailure && view ? { cachedView: view } : {}),
    };
    // The global tracer is a no-op until telemetry registers a provider. The pass's span is a child
    // of what asked for it (a quorum confirmation's span), else a trace of its own.
    const parent = this.triggerContext;
    this.triggerContext = ROOT_CONTEXT;
    const report = await otelContext.with(parent, () =>
      withSpan(
        trace.getTracer("vpcrouter"),
        "reconcile",
        { "vpcrouter.reason": reason, "vpcrouter.term": this.term },
        async (span) => {
          const result = await runReconcilePass(reason, inputs, context);
          span.setAttributes({
            "vpcrouter.actions": result.plan?.actions.length ?? 0,
            "vpcrouter.failed_changes": result.results.filter((r) => !r.ok).length,
            "vpcrouter.stopped_by_fence": result.stoppedByFence,
            "vpcrouter.from_cached_view": result.fromCachedView === true,
          });
          if (result.error) span.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
          return result;
        },
      ),
    );
    this.lastReport = report;
    this.view = viewOf(report);
    try {
      this.events.onReconciled?.(report);
    } catch (error) {
      this.logger.warn({ err: error }, "reconcile observer failed");
    }
    return isUnfinished(report) ? "retry" : "done";
  }
}

/**
 * The routers and tables a pass leaves as the leader's view: only when the tables were read after
 * the pass's changes (a pass that ended early, failed or was fenced leaves none).
 */
function viewOf(report: ReconcileReport): VpcView | undefined {
  if (report.error !== undefined || report.preempted || report.stoppedByFence) return undefined;
  const { tables, routers, tablesReadAtMs, routerIps } = report;
  if (!tables || !routers || tablesReadAtMs === undefined || !routerIps) return undefined;
  return {
    routerIps,
    tables,
    routers: new Map(routers.map((router) => [router.ip, router])),
    readAtMs: tablesReadAtMs,
  };
}

/** Why EC2 writes are held back now, if they are: the operator's pause, or a dry run. */
function heldReasonOf(paused: LeaderInputs["paused"], dryRun: boolean): string | undefined {
  if (paused) return `paused by ${paused.by} at ${paused.at}${paused.reason ? ` (${paused.reason})` : ""}`;
  return dryRun ? "dry run (reconcile.dryRun)" : undefined;
}

/**
 * Work a pass left that is worth an early retry, without waiting for the next input change or
 * recheck: an error, a fence refusal, a failed route change, a fix not refused for good.
 */
function isUnfinished(report: ReconcileReport): boolean {
  return (
    report.error !== undefined ||
    report.stoppedByFence ||
    report.results.some((change) => !change.ok) ||
    (report.sourceDestFixes ?? []).some(fixWorthRetrying)
  );
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((item) => b.has(item));
}
