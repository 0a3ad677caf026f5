/**
 * The emulator's JSON control endpoint under `/_control/` (same server as the EC2 endpoint), for the
 * bash demo and for tests that drive the emulator from another process:
 *
 * - `GET  /_control/route-tables`   current route tables (as EC2 would describe them, no consistency delay)
 * - `GET  /_control/world`          the whole world as a `WorldSpec`
 * - `GET  /_control/log?since=N`    call log entries with index ≥ N
 * - `POST /_control/reset-log`      forget the call log
 * - `GET  /_control/faults`         current fault settings
 * - `POST /_control/faults`         `{ clear?: true, inject?: [...], latencyMs?: {action: ms | {medianMs, p99Ms}}, throttle?: … }`
 * - `POST /_control/world`          one `WorldMutation` or an array of them, e.g.
 *   `{ op: "set-instance-status", instanceId, state?, systemStatus?, instanceStatus? }`
 */
import type { CallLog } from "./call-log.js";
import type { FaultSettings, Faults, InjectedFault, LatencySetting } from "./faults.js";
import type { World } from "./world.js";
import { applyWorldMutation, parseWorldMutation } from "./world-mutation.js";

/** What the control endpoint operates on. */
export interface ControlTarget {
  readonly world: World;
  readonly log: CallLog;
  readonly faults: Faults;
}

/** A JSON reply. */
export interface ControlReply {
  readonly status: number;
  readonly body: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseFault(value: unknown): InjectedFault {
  if (!isRecord(value)) throw new Error("faults: each inject entry must be an object");
  const { action, count, status, code, message } = value;
  if (action !== undefined && typeof action !== "string") throw new Error("faults: action must be a string");
  if (typeof count !== "number" || typeof status !== "number" || typeof code !== "string") {
    throw new Error("faults: inject entries need count (number), status (number), code (string)");
  }
  if (message !== undefined && typeof message !== "string")
    throw new Error("faults: message must be a string");
  return {
    ...(action !== undefined ? { action } : {}),
    count,
    status,
    code,
    ...(message ? { message } : {}),
  };
}

function parseBucket(value: unknown): { burst: number; refillPerSecond: number } {
  if (!isRecord(value) || typeof value.burst !== "number" || typeof value.refillPerSecond !== "number") {
    throw new Error("faults: a bucket needs burst and refillPerSecond (numbers)");
  }
  return { burst: value.burst, refillPerSecond: value.refillPerSecond };
}

/** Validates the body of `POST /_control/faults`. @throws Error naming the problem */
export function parseFaultRequest(value: unknown): { clear: boolean; settings: FaultSettings } {
  if (!isRecord(value)) throw new Error("faults: expected a JSON object");
  const settings: {
    inject?: InjectedFault[];
    latencyMs?: Record<string, LatencySetting>;
    throttle?: FaultSettings["throttle"];
  } = {};
  if (value.inject !== undefined) {
    if (!Array.isArray(value.inject)) throw new Error("faults: inject must be an array");
    settings.inject = value.inject.map(parseFault);
  }
  if (value.latencyMs !== undefined) {
    if (!isRecord(value.latencyMs)) throw new Error("faults: latencyMs must be an object");
    const latency: Record<string, LatencySetting> = {};
    for (const [action, ms] of Object.entries(value.latencyMs)) {
      if (typeof ms === "number" && ms >= 0) latency[action] = ms;
      else if (
        isRecord(ms) &&
        typeof ms.medianMs === "number" &&
        typeof ms.p99Ms === "number" &&
        ms.medianMs > 0 &&
        ms.p99Ms >= ms.medianMs
      )
        latency[action] = { medianMs: ms.medianMs, p99Ms: ms.p99Ms };
      else throw new Error(`faults: latency of ${action} must be a number ≥ 0 or {medianMs, p99Ms}`);
    }
    settings.latencyMs = latency;
  }
  if (value.throttle !== undefined) {
    const throttle = value.throttle;
    if (throttle === null || typeof throttle === "boolean") settings.throttle = throttle;
    else if (isRecord(throttle)) {
      settings.throttle = {
        mutating: parseBucket(throttle.mutating),
        nonMutating: parseBucket(throttle.nonMutating),
      };
    } else throw new Error("faults: throttle must be a boolean, null or {mutating, nonMutating}");
  }
  return { clear: value.clear === true, settings };
}

/**
 * Answers one control request.
 * @param target the emulator's world, log and faults
 * @param method HTTP method
 * @param url request URL (path under `/_control/` and query)
 * @param body parsed JSON body (`undefined` when empty)
 */
export function handleControl(target: ControlTarget, method: string, url: URL, body: unknown): ControlReply {
  const route = `${method} ${url.pathname.replace(/\/+$/, "")}`;
  try {
    switch (route) {
      case "GET /_control/route-tables":
        return { status: 200, body: target.world.currentRouteTables() };
      case "GET /_control/world":
        return { status: 200, body: target.world.toSpec() };
      case "GET /_control/log": {
        const since = Number(url.searchParams.get("since") ?? "0");
        if (!Number.isInteger(since) || since < 0) throw new Error("since must be an integer ≥ 0");
        return { status: 200, body: { cursor: target.log.cursor(), entries: target.log.since(since) } };
      }
      case "POST /_control/reset-log":
        target.log.reset();
        return { status: 200, body: { ok: true, cursor: target.log.cursor() } };
      case "GET /_control/faults":
        return { status: 200, body: target.faults.report() };
      case "POST /_control/faults": {
        const { clear, settings } = parseFaultRequest(body ?? {});
        if (clear) target.faults.clear();
        target.faults.set(settings);
        return { status: 200, body: target.faults.report() };
      }
      case "POST /_control/world": {
        const mutations = (Array.isArray(body) ? body : [body]).map(parseWorldMutation);
        for (const mutation of mutations) applyWorldMutation(target.world, mutation);
        return { status: 200, body: { ok: true, applied: mutations.length } };
      }
      default:
        return { status: 404, body: { error: `no control route ${route}` } };
    }
  } catch (error) {
    return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
  }
}
