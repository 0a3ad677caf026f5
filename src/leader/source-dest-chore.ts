/**
 * The leader's source/destination-check chore: routers whose ENI has the check enabled drop
 * forwarded traffic; they are reported once per change and, with `aws.fixSourceDestCheck`, fixed.
 */
import type { Logger } from "pino";
import type { SourceDestFixOutcome } from "../domain/outcome.js";
import type { RouterEni } from "../domain/route-table.js";

/** How long a fix EC2 refused for good is not tried again, ms (e.g. until the IAM policy is attached). */
export const REFUSED_FIX_PAUSE_MS = 10 * 60_000;

/**
 * One term's chore, owning what it has already said and tried. The reconcile pass asks it which
 * routers to fix ({@link select}) and applies the fixes after the route changes, under the same
 * fence (failovers must not wait behind anything), then hands back the outcomes ({@link record}).
 */
export class SourceDestCheckChore {
  /** Router IP → the ENI whose enabled check was last reported (warn once per change). */
  private readonly warned = new Map<string, string>();
  /** ENI id → the error code of its last failed fix, logged at error level once per code. */
  private readonly lastFailureCode = new Map<string, string>();
  /** ENI id → when (ms, monotonic) EC2 last refused its fix for good (e.g. no IAM permission). */
  private readonly refusedAt = new Map<string, number>();

  /**
   * @param fix disable the check (setting `aws.fixSourceDestCheck`); false: only warn
   * @param now monotonic clock, ms
   */
  constructor(
    private readonly fix: boolean,
    private readonly logger: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Warns about each router whose ENI has the check enabled, once per change (a router IP on a new
   * ENI is a change), and returns the routers to fix now: none without the setting, and none whose
   * fix EC2 refused for good less than {@link REFUSED_FIX_PAUSE_MS} ago (each attempt would be one
   * more denied call, and CloudTrail entry, every recheck).
   */
  select(routers: readonly RouterEni[]): RouterEni[] {
    this.warnEnabled(routers);
    if (!this.fix) return [];
    return routers.filter((router) => router.sourceDestCheck === true && !this.recentlyRefused(router));
  }

  /** Logs the fixes' outcomes (the same failure of the same ENI once at error level). */
  record(fixes: readonly SourceDestFixOutcome[]): void {
    for (const fix of fixes) this.recordOne(fix);
  }

  private recordOne(fix: SourceDestFixOutcome): void {
    const eni = fix.networkInterfaceId;
    const fields = { networkInterfaceId: eni, routerIps: fix.routerIps, durationMs: fix.durationMs };
    if (fix.ok) {
      this.refusedAt.delete(eni);
      this.lastFailureCode.delete(eni);
      this.logger.info(fields, "source/destination check disabled");
      return;
    }
    const { failure } = fix;
    if (failure.kind === "permanent") this.refusedAt.set(eni, this.now());
    const logged = { ...fields, error: failure.message, errorCode: failure.code };
    if (this.lastFailureCode.get(eni) === failure.code) {
      this.logger.debug(logged, "could not disable source/destination check (again)");
      return;
    }
    this.lastFailureCode.set(eni, failure.code);
    this.logger.error(logged, "could not disable source/destination check; retrying later");
  }

  private recentlyRefused(router: RouterEni): boolean {
    const at = this.refusedAt.get(router.networkInterfaceId);
    return at !== undefined && this.now() - at < REFUSED_FIX_PAUSE_MS;
  }

  private warnEnabled(routers: readonly RouterEni[]): void {
    const enabled = new Map<string, RouterEni>();
    for (const router of routers) if (router.sourceDestCheck === true) enabled.set(router.ip, router);
    for (const ip of [...this.warned.keys()]) if (!enabled.has(ip)) this.warned.delete(ip);
    for (const router of enabled.values()) {
      if (this.warned.get(router.ip) === router.networkInterfaceId) continue;
      this.warned.set(router.ip, router.networkInterfaceId);
      const fields = {
        routerIp: router.ip,
        networkInterfaceId: router.networkInterfaceId,
        instanceId: router.instanceId,
      };
      if (this.fix) this.logger.warn(fields, "router ENI has source/destination check enabled; disabling it");
      else
        this.logger.warn(
          fields,
          "router ENI has source/destination check enabled: it drops forwarded traffic (disable it, or run with --fix-source-dest-check)",
        );
    }
  }
}

/** True when a failed fix is worth an early retry: any failure but one EC2 refused for good. */
export function fixWorthRetrying(fix: SourceDestFixOutcome): boolean {
  return !fix.ok && fix.failure.kind !== "permanent";
}

/** `routers` with the check recorded as off on every ENI where disabling it succeeded. */
export function withFixedChecks(
  routers: readonly RouterEni[],
  fixes: readonly SourceDestFixOutcome[],
): RouterEni[] {
  const fixed = new Set(fixes.filter((fix) => fix.ok).map((fix) => fix.networkInterfaceId));
  return routers.map((router) =>
    fixed.has(router.networkInterfaceId) ? { ...router, sourceDestCheck: false } : router,
  );
}
