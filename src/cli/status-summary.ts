/**
 * The readable form of a replica's `GET /status` document for `vpcrouter status`: who leads, the
 * members, the quorum, router health, the routes per table and the last reconcile. Pure.
 */
import { type JsonObject, listAt, objectAt, textAt } from "../lib/json-access.js";

function targetText(target: JsonObject | undefined): string {
  if (!target) return "?";
  const kind = textAt(target, "kind");
  if (kind === "eni")
    return `${textAt(target, "networkInterfaceId")}${textAt(target, "instanceId") ? ` (${textAt(target, "instanceId")})` : ""}`;
  if (kind === "instance") return textAt(target, "instanceId") ?? "?";
  return kind ?? "?";
}

/**
 * Formats a status document as lines of text.
 * @param status - the parsed body of `GET /status` (any shape: missing parts show as "-").
 * @returns the summary, without a trailing newline.
 */
export function formatStatusSummary(status: unknown): string {
  const replica = objectAt(status, "replica");
  const leader = objectAt(status, "leader");
  const ready = objectAt(status, "replica") !== undefined && (status as JsonObject).ready === true;
  const lines: string[] = [
    `replica   ${textAt(replica, "id") ?? "-"} (zone ${textAt(replica, "zone") || "-"}), ${textAt(status, "role") ?? "starting"}, ${ready ? "ready" : "NOT READY"}`,
    `leader    ${leader ? `${textAt(leader, "id")}, term ${textAt(leader, "term")}` : "none"}`,
  ];
  const paused = objectAt(status, "paused");
  if (paused) {
    const reason = textAt(paused, "reason");
    lines.push(
      `PAUSED    by ${textAt(paused, "by")} at ${textAt(paused, "at")}${reason ? ` (${reason})` : ""}: no EC2 writes`,
    );
  }
  const members = listAt(status, "members").map((m) => `${textAt(m, "id")} (${textAt(m, "zone") || "-"})`);
  lines.push(`members   ${members.length}: ${members.join(", ") || "-"}`);
  lines.push(`quorum    ${textAt(status, "quorum") ?? "-"} votes confirm a failure`);
  const failed = listAt(status, "failedRouters").map(String);
  const questionable = listAt(status, "questionableRouters").map(String);
  lines.push(
    `routers   failed: ${failed.join(", ") || "none"}; questionable: ${questionable.join(", ") || "none"}`,
  );
  const votes = objectAt(status, "votes") ?? {};
  for (const [voter, vote] of Object.entries(votes).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  vote of ${voter}: ${listAt(vote, "failed").map(String).join(", ") || "all healthy"}`);
  }
  const spec = objectAt(status, "spec");
  const routes = objectAt(spec, "routes");
  const specError = objectAt(spec, "error");
  lines.push(
    `spec      ${routes ? `revision ${textAt(spec, "revision")}, ${Object.keys(routes).length} route(s)` : "none in force"}${specError ? `; rejected revision ${textAt(specError, "revision")}: ${textAt(specError, "message")}` : ""}`,
  );
  const tables = listAt(status, "routeTables");
  lines.push(`tables    ${tables.length}`);
  for (const table of tables) {
    lines.push(`  ${textAt(table, "routeTableId")}${(table as JsonObject).main === true ? " (main)" : ""}`);
    for (const route of listAt(table, "routes")) {
      const state = textAt(route, "state") === "blackhole" ? " BLACKHOLE" : "";
      lines.push(
        `    ${textAt(route, "destinationCidrBlock")} → ${targetText(objectAt(route, "target"))}${state}`,
      );
    }
  }
  const reconcile = objectAt(status, "lastReconcile");
  if (reconcile) {
    const error = textAt(reconcile, "error");
    const held = textAt(reconcile, "held");
    lines.push(
      `reconcile ${textAt(reconcile, "at")} (${textAt(reconcile, "reason")}, ${textAt(reconcile, "durationMs")} ms)${error ? `: ${error}` : ""}${held ? `; not applied: ${held}` : ""}`,
    );
  }
  return lines.join("\n");
}
