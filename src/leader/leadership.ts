import { SpanStatusCode, trace } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { ClusterStore } from "../cluster/cluster-store.js";
import type { StatusRecord } from "../domain/status-record.js";
import type { Session } from "../cluster/session.js";
import type { Candidate } from "../cluster/snapshot.js";
import { planReconcile } from "../decide/plan.js";
import type { FailureView } from "../decide/quorum.js";
import type { Plan, PlanWarning } from "../domain/route-action.js";
import type { RouterEni, RouteTable } from "../domain/route-table.js";
import type { ChangeResult, SourceDestCheckResult, VpcPort } from "../domain/vpc-port.js";
import type { RevisionedSpec, SpecError } from "../route-spec/route-spec.js";
import { routerIpsOf } from "../route-spec/route-spec.js";
import { withSpan } from "../telemetry/with-span.js";
import type { MutationGuard } from "../vpc/mutation-guard.js";
import { nextManagedCidrs, nextStatus, type StatusInputs } from "./status-record.js";

/** The etcd operations the leader needs (implemented by ClusterStore). */
export type LeaderStore = Pick<ClusterStore, "holdsTerm" | "writeStatus">;

/** The lease facts the leader's local deadline needs (implemented by Session). */
export type LeaderSession = Pick<Session, "isLost" | "validUntil">;

const MAX_RETRY_DELAY_MS = 30_000;

/** What the leader knows of the cluster at one moment (from the latest snapshot). */
export interface LeaderInputs {
  readonly spec?: RevisionedSpec;
  readonly specError?: SpecError;
  readonly failure: FailureView;
  /** The status record as last read from etcd (managed CIDRs survive leader changes there). */
  readonly status?: StatusRecord;
}

/** Settings of the leader's duty. */
export interface LeadershipOptions {
  /** Periodic full reconcile, s; 0 disables it (changes still trigger one). */
  readonly routeRecheckIntervalSeconds: number;
  /** The leader stops mutating this long before its lease could have expired, ms. */
  readonly safetyMarginMs: number;
  readonly prune: "managed" | "all";
  readonly ignoreRoutes: readonly string[];
  /** Let an empty spec `{}` delete routes (setting `reconcile.allowEmptySpec`); default false. */
  readonly allowEmptySpec?: boolean;
  /** Delay before retrying a reconcile whose changes partly failed, ms. */
  readonly retryDelayMs: number;
  /**
   * Disable the source/destination check on router ENIs that have it enabled (setting
   * `aws.fixSourceDestCheck`); default false: only warn.
   */
  readonly fixSourceDestCheck?: boolean;
}

/** Observations for metrics and the status API. */
export interface LeadershipEvents {
  onReconciled?(report: ReconcileReport): void;
}

/** What one reconcile did. */
export interface ReconcileReport {
  readonly reason: string;
  readonly at: string;
  readonly durationMs: number;
  readonly plan?: Plan;
  readonly results: readonly ChangeResult[];
  readonly stoppedByFence: boolean;
  readonly tables?: readonly RouteTable[];
  /** The spec's routers as resolved (source/destination check as it is after any fix). */
  readonly routers?: readonly RouterEni[];
  /** Source/destination checks this reconcile tried to disable. */
  readonly sourceDestFixes?: readonly SourceDestCheckResult[];
  readonly error?: string;
}

type MutationOutcome<R> = { readonly results: readonly R[]; readonly stoppedByGuard: boolean };
const NOTHING_DONE = { results: [], stoppedByGuard: false } as const;

/**
 * The leader's duty for one term: reconcile the VPC's route tables with the spec and the
 * quorum-confirmed failures (DESIGN.md rules 2–5), one reconcile at a time, whenever an input that
 * matters changes and every `routeRecheckIntervalSeconds`.
 *
 * Fencing (rule 2): before a batch of EC2 mutations it checks in one etcd transaction that its
 * election key still holds its term, and before every single mutation that the local deadline
 * (last acknowledged keep-alive + TTL − safety margin) has not passed.
 *
 * Routers whose ENI has the source/destination check enabled (they drop forwarded traffic) are
 * logged once per change and recorded in the status; with `fixSourceDestCheck` the check is turned
 * off, after the route changes and under the same fence. EC2 errors end one reconcile, never the
 * duty: the reconcile is retried with backoff.
 */
export class Leadership {
  private inputs: LeaderInputs;
  private stopped = false;
  private running: Promise<void> | undefined;
  private pendingReason: string | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastReport: ReconcileReport | undefined;
  private consecutiveFailures = 0;
  /** Settles when the batch of EC2 mutations being applied, if any, is done. */
  private applying: Promise<void> | undefined;
  /** The status this leader last wrote: during its term it is newer than any snapshot's copy. */
  private writtenStatus: StatusRecord | undefined;
  /** Router IP → the ENI whose enabled source/destination check was last reported (warn once per change). */
  private readonly sourceDestWarned = new Map<string, string>();
  /** The plan warnings last logged, as one key: the same warnings are not logged every reconcile. */
  private loggedWarnings = "";
  /** ENI id → the error code of its last failed source/destination fix, logged once per code. */
  private readonly sourceDestFixFailures = new Map<string, string>();
  /** ENI id → when (ms, monotonic) EC2 last refused its fix for good (e.g. no IAM permission). */
  private readonly refusedFixes = new Map<string, number>();

  constructor(
    readonly candidate: Candidate,
    private readonly session: LeaderSession,
    private readonly store: LeaderStore,
    private readonly vpc: VpcPort,
    private readonly options: LeadershipOptions,
    private readonly logger: Logger,
    inputs: LeaderInputs,
    private readonly events: LeadershipEvents = {},
    /** Monotonic clock, ms (the session's deadline uses the same clock). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.inputs = inputs;
  }

  /** The term: the create revision of this leader's election key. */
  get term(): string {
    return this.candidate.createRevision;
  }

  /** The last reconcile's report, if any. */
  get report(): ReconcileReport | undefined {
    return this.lastReport;
  }

  /** Starts the duty with a first full reconcile. */
  start(): void {
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
    this.inputs = { ...inputs, status: this.writtenStatus ?? inputs.status };
    if (previous.spec?.revision !== inputs.spec?.revision) this.request("spec changed");
    else if (!sameSet(previous.failure.confirmed, inputs.failure.confirmed)) this.request("failures changed");
    else if (previous.specError?.revision !== inputs.specError?.revision) this.request("spec error changed");
  }

  /**
   * Ends the duty: once this returns no EC2 mutation is in flight and none will start (every
   * attempt asks {@link mayMutate} first). It waits only for a batch of mutations being applied,
   * not for a reconcile's reads, so a slow EC2 cannot hold up the hand-over; such a reconcile ends
   * on its own without writing anything.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.recheckTimer);
    clearTimeout(this.retryTimer);
    await this.applying;
  }

  /** True while this leader may still mutate EC2 (not stopped, local deadline not passed). */
  mayMutate(): boolean {
    return (
      !this.stopped &&
      !this.session.isLost &&
      this.now() < this.session.validUntil() - this.options.safetyMarginMs
    );
  }

  /** Asks for a reconcile; requests made while one runs coalesce into one more run. */
  request(reason: string): void {
    if (this.stopped) return;
    this.pendingReason ??= reason;
    this.running ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pendingReason !== undefined && !this.stopped) {
        const reason = this.pendingReason;
        this.pendingReason = undefined;
        const report = await this.tracedReconcile(reason);
        this.lastReport = report;
        try {
          this.events.onReconciled?.(report);
        } catch (error) {
          this.logger.warn({ err: error }, "reconcile observer failed");
        }
        // Unfinished work (an error, a failed change, a fence refusal) is retried with backoff,
        // without waiting for the next input change or recheck.
        const unfinished =
          report.error !== undefined ||
          report.stoppedByFence ||
          report.results.some((r) => !r.ok) ||
          (report.sourceDestFixes ?? []).some((r) => !r.ok && !isPermanentFixFailure(r));
        this.consecutiveFailures = unfinished ? this.consecutiveFailures + 1 : 0;
        if (unfinished) this.scheduleRetry();
      }
    } finally {
      // Cleared in the same turn as the loop's last check, so no request can fall in between.
      this.running = undefined;
    }
  }

  private tracedReconcile(reason: string): Promise<ReconcileReport> {
    // The global tracer is a no-op until telemetry registers a provider.
    return withSpan(
      trace.getTracer("vpcrouter"),
      "reconcile",
      { "vpcrouter.reason": reason, "vpcrouter.term": this.term },
      async (span) => {
        const result = await this.reconcile(reason);
        span.setAttributes({
          "vpcrouter.actions": result.plan?.actions.length ?? 0,
          "vpcrouter.failed_changes": result.results.filter((r) => !r.ok).length,
          "vpcrouter.stopped_by_fence": result.stoppedByFence,
        });
        if (result.error) span.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
        return result;
      },
    );
  }

  /** Retries after `retryDelayMs`, doubling per consecutive unfinished reconcile, at most 30 s. */
  private scheduleRetry(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const delayMs = Math.min(
      this.options.retryDelayMs * 2 ** (this.consecutiveFailures - 1),
      MAX_RETRY_DELAY_MS,
    );
    this.retryTimer = setTimeout(() => this.request("retry after failure"), delayMs);
    this.retryTimer.unref();
  }

  private async reconcile(reason: string): Promise<ReconcileReport> {
    const started = this.now();
    const inputs = this.inputs;
    const at = new Date().toISOString();
    const base = { reason, at };
    const elapsed = () => this.now() - started;
    try {
      if (!inputs.spec) {
        await this.writeStatus(inputs, undefined, at);
        return { ...base, durationMs: elapsed(), results: [], stoppedByFence: false };
      }
      const spec = inputs.spec.spec;
      // Routers first: which route tables are managed may depend on the routers' subnets.
      const resolved = await this.vpc.resolveRouters(routerIpsOf(spec));
      const tables = await this.vpc.readRouteTables(resolved);
      const routers = [...resolved.values()];
      this.reportSourceDestChecks(routers);
      const managed = new Set(inputs.status?.managedCidrs ?? []);
      const plan = planReconcile({
        spec,
        failed: inputs.failure.confirmed,
        questionable: inputs.failure.questionable,
        tables,
        routers: resolved,
        managedCidrs: managed,
        options: {
          prune: this.options.prune,
          ignoreRoutes: this.options.ignoreRoutes,
          allowEmptySpec: this.options.allowEmptySpec ?? false,
        },
      });
      this.logPlanWarnings(plan.warnings);
      const checksToFix = this.options.fixSourceDestCheck
        ? routers.filter((router) => router.sourceDestCheck === true && !this.fixRecentlyRefused(router))
        : [];
      if (plan.actions.length === 0 && checksToFix.length === 0) {
        const outcome = { plan, tables, results: [], stoppedByFence: false };
        await this.writeStatus(inputs, outcome, at, routers);
        return { ...base, durationMs: elapsed(), ...outcome, routers };
      }
      if (!(await this.fenced())) {
        return { ...base, durationMs: elapsed(), plan, results: [], stoppedByFence: true, tables, routers };
      }
      if (plan.actions.length > 0) {
        this.logger.info({ reason, actions: plan.actions }, "applying route changes");
      }
      const mutating = this.mutate(plan, checksToFix);
      this.applying = mutating.then(
        () => undefined,
        () => undefined,
      );
      const { applied, fixes } = await mutating.finally(() => {
        this.applying = undefined;
      });
      for (const result of applied.results) logChange(this.logger, result);
      for (const result of fixes.results) this.logSourceDestFix(result);
      const routersNow = withFixedChecks(routers, fixes.results);
      // Skipped once leadership ended: a slow read must not hold up the hand-over.
      const after =
        plan.actions.length === 0 || this.stopped
          ? tables
          : await this.vpc.readRouteTables(resolved).catch(() => tables);
      const outcome = {
        plan,
        tables: after,
        results: applied.results,
        stoppedByFence: applied.stoppedByGuard || fixes.stoppedByGuard,
      };
      await this.writeStatus(inputs, outcome, at, routersNow);
      return {
        ...base,
        durationMs: elapsed(),
        ...outcome,
        routers: routersNow,
        sourceDestFixes: fixes.results,
      };
    } catch (error) {
      const message = (error as Error).message;
      // After stop() (shutdown, lost term) a failing read is expected and says nothing.
      if (this.stopped) this.logger.debug({ err: error, reason }, "reconcile ended after leadership");
      else this.logger.error({ err: error, reason }, "reconcile failed");
      return {
        ...base,
        durationMs: elapsed(),
        results: [],
        stoppedByFence: false,
        error: message,
      };
    }
  }

  /**
   * One fenced batch of EC2 mutations: the plan's route changes first (failovers must not wait
   * behind anything), then the source/destination checks, under the same guard.
   */
  private async mutate(
    plan: Plan,
    checksToFix: readonly RouterEni[],
  ): Promise<{ applied: MutationOutcome<ChangeResult>; fixes: MutationOutcome<SourceDestCheckResult> }> {
    const guard: MutationGuard = {
      mayMutate: () => this.mayMutate(),
      remainingMs: () => this.session.validUntil() - this.options.safetyMarginMs - this.now(),
    };
    const applied: MutationOutcome<ChangeResult> =
      plan.actions.length > 0 ? await this.vpc.apply(plan.actions, guard) : NOTHING_DONE;
    let fixes: MutationOutcome<SourceDestCheckResult> = NOTHING_DONE;
    if (checksToFix.length > 0 && !applied.stoppedByGuard) {
      fixes = await this.vpc.disableSourceDestCheck(checksToFix, guard);
    }
    return { applied, fixes };
  }

  /**
   * Logs the plan's warnings when they differ from the last reconcile's (a CIDR whose routers all
   * failed, or an empty spec, would otherwise log the same lines at every recheck).
   */
  private logPlanWarnings(warnings: readonly PlanWarning[]): void {
    const key = JSON.stringify(warnings);
    if (key === this.loggedWarnings) return;
    this.loggedWarnings = key;
    for (const warning of warnings) this.logger.warn({ ...warning }, "plan warning");
  }

  /**
   * True while a fix EC2 refused for good is not worth asking again: each attempt would be one more
   * denied call (and CloudTrail entry) every recheck. Asked again after {@link REFUSED_FIX_PAUSE_MS},
   * e.g. once the IAM policy has been attached.
   */
  private fixRecentlyRefused(router: RouterEni): boolean {
    const at = this.refusedFixes.get(router.networkInterfaceId);
    return at !== undefined && this.now() - at < REFUSED_FIX_PAUSE_MS;
  }

  /** Logs a fix's outcome; the same failure of the same ENI is logged at error level once only. */
  private logSourceDestFix(result: SourceDestCheckResult): void {
    const eni = result.networkInterfaceId;
    const fields = { networkInterfaceId: eni, routerIps: result.routerIps, durationMs: result.durationMs };
    if (isPermanentFixFailure(result)) this.refusedFixes.set(eni, this.now());
    if (result.ok) {
      this.refusedFixes.delete(eni);
      this.sourceDestFixFailures.delete(eni);
      this.logger.info(fields, "source/destination check disabled");
      return;
    }
    const failure = { ...fields, error: result.error, errorCode: result.errorCode };
    const code = result.errorCode ?? "Unknown";
    if (this.sourceDestFixFailures.get(eni) === code) {
      this.logger.debug(failure, "could not disable source/destination check (again)");
      return;
    }
    this.sourceDestFixFailures.set(eni, code);
    this.logger.error(failure, "could not disable source/destination check; retrying later");
  }

  /**
   * Warns about each router whose ENI has the source/destination check enabled, once per change
   * (a router IP on a new ENI is a change), not on every reconcile.
   */
  private reportSourceDestChecks(routers: readonly RouterEni[]): void {
    const enabled = new Map<string, RouterEni>();
    for (const router of routers) if (router.sourceDestCheck === true) enabled.set(router.ip, router);
    for (const ip of [...this.sourceDestWarned.keys()])
      if (!enabled.has(ip)) this.sourceDestWarned.delete(ip);
    for (const router of enabled.values()) {
      if (this.sourceDestWarned.get(router.ip) === router.networkInterfaceId) continue;
      this.sourceDestWarned.set(router.ip, router.networkInterfaceId);
      const fields = {
        routerIp: router.ip,
        networkInterfaceId: router.networkInterfaceId,
        instanceId: router.instanceId,
      };
      if (this.options.fixSourceDestCheck)
        this.logger.warn(fields, "router ENI has source/destination check enabled; disabling it");
      else
        this.logger.warn(
          fields,
          "router ENI has source/destination check enabled: it drops forwarded traffic (disable it, or run with --fix-source-dest-check)",
        );
    }
  }

  /** The batch fence: local deadline, then the term check in one etcd transaction. */
  private async fenced(): Promise<boolean> {
    if (!this.mayMutate()) {
      this.logger.warn(
        { term: this.term },
        "not mutating: the lease may have expired (local deadline passed)",
      );
      return false;
    }
    const holds = await this.store.holdsTerm(this.candidate).catch(() => false);
    if (!holds)
      this.logger.warn({ term: this.term }, "not mutating: the leader key no longer holds this term");
    return holds && this.mayMutate();
  }

  private async writeStatus(
    inputs: LeaderInputs,
    outcome: StatusInputs["outcome"],
    at: string,
    routers?: readonly RouterEni[],
  ): Promise<void> {
    if (this.stopped) return; // the term is over or ending: the next leader writes the status
    const managedCidrs = outcome
      ? nextManagedCidrs(inputs.status?.managedCidrs ?? [], inputs.spec?.spec ?? {}, outcome.tables)
      : (inputs.status?.managedCidrs ?? []);
    const status = nextStatus({
      previous: inputs.status,
      leaderId: this.candidate.replicaId,
      term: this.term,
      spec: inputs.spec,
      specError: inputs.specError,
      managedCidrs,
      outcome,
      routers,
      at,
    });
    if (JSON.stringify(status) === JSON.stringify(inputs.status)) return;
    const written = await this.store.writeStatus(this.candidate, status).catch((error: unknown) => {
      this.logger.warn({ err: error }, "could not write the status record");
      return false;
    });
    if (written) {
      this.writtenStatus = status;
      this.inputs = { ...this.inputs, status };
    }
  }
}

function logChange(logger: Logger, result: ChangeResult): void {
  const { action } = result;
  const fields = {
    kind: action.kind,
    routeTableId: action.routeTableId,
    cidr: action.destinationCidrBlock,
    to: action.kind === "delete" ? undefined : action.routerIp,
    failover: action.failover,
    reason: action.reason,
    durationMs: result.durationMs,
  };
  if (result.ok) logger.info(fields, `route ${action.kind} done`);
  else
    logger.error(
      { ...fields, error: result.error, errorCode: result.errorCode },
      `route ${action.kind} failed`,
    );
}

/**
 * Failures of a source/destination fix that retrying soon cannot cure (missing IAM permission, the
 * ENI gone): they are tried again at the next reconcile, but trigger no early retry.
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
 */
const PERMANENT_FIX_ERROR =
  /^(UnauthorizedOperation|AuthFailure|OperationNotPermitted|InvalidNetworkInterfaceID\.)/;

/** How long a fix EC2 refused for good is not tried again, ms. */
const REFUSED_FIX_PAUSE_MS = 10 * 60_000;

/** True for a failed fix whose error code is one of {@link PERMANENT_FIX_ERROR}'s. */
export function isPermanentFixFailure(result: SourceDestCheckResult): boolean {
  return !result.ok && PERMANENT_FIX_ERROR.test(result.errorCode ?? "");
}

/** `routers` with the check recorded as off on every ENI where disabling it succeeded. */
function withFixedChecks(
  routers: readonly RouterEni[],
  fixes: readonly SourceDestCheckResult[],
): RouterEni[] {
  const fixed = new Set(fixes.filter((fix) => fix.ok).map((fix) => fix.networkInterfaceId));
  return routers.map((router) =>
    fixed.has(router.networkInterfaceId) ? { ...router, sourceDestCheck: false } : router,
  );
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((item) => b.has(item));
}
