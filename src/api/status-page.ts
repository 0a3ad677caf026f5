/**
 * `GET /` for browsers: a readable status page (leader, members, router health per replica, routes
 * per table, last failovers), then vpc-router's state. Rendered on the server from `/status`; no
 * script and no style, so it is served under `Content-Security-Policy: default-src 'none'`.
 */
import { listAt, objectAt, textAt } from "../lib/json-access.js";
import { escapeHtml as e, renderStatePre } from "./html.js";

/** Seconds between reloads of the page (`<meta http-equiv="refresh">`). */
const REFRESH_SECONDS = 5;

function table(headers: readonly string[], rows: readonly (readonly string[])[], id: string): string {
  const head = `<tr>${headers.map((h) => `<th>${e(h)}</th>`).join("")}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${e(cell)}</td>`).join("")}</tr>`).join("");
  return `<table id="${id}" border="1">${head}${body || `<tr><td colspan="${headers.length}">none</td></tr>`}</table>`;
}

/**
 * The page.
 * @param status - the body of `GET /status` (any shape: what is missing shows as "-").
 * @param rootState - vpc-router's `GET /` state, shown below the summary.
 * @returns a complete UTF-8 HTML document.
 */
export function renderStatusPage(status: unknown, rootState: unknown): string {
  const replica = objectAt(status, "replica");
  const leader = objectAt(status, "leader");
  const paused = objectAt(status, "paused");
  const title = `vpcrouter ${textAt(replica, "id") ?? ""}`.trim();
  const summary = [
    [
      "replica",
      `${textAt(replica, "id") ?? "-"} (zone ${textAt(replica, "zone") || "-"}), ${textAt(status, "role") ?? "starting"}`,
    ],
    ["leader", leader ? `${textAt(leader, "id")} (term ${textAt(leader, "term")})` : "none"],
    ["quorum", `${textAt(status, "quorum") ?? "-"} votes confirm a failure`],
    ["paused", paused ? `yes, by ${textAt(paused, "by")} at ${textAt(paused, "at")}` : "no"],
  ];
  const members = listAt(status, "members").map((m) => [textAt(m, "id") ?? "?", textAt(m, "zone") || "-"]);
  // Router health: one column per member's vote, then the cluster's verdict.
  const votes = objectAt(status, "votes") ?? {};
  const voters = Object.keys(votes).sort();
  const failed = new Set(listAt(status, "failedRouters").map(String));
  const questionable = new Set(listAt(status, "questionableRouters").map(String));
  const spec = objectAt(objectAt(status, "spec"), "routes") ?? {};
  const routers = [
    ...new Set(Object.values(spec).flatMap((ips) => (Array.isArray(ips) ? ips.map(String) : []))),
  ];
  const health = routers.map((ip) => [
    ip,
    ...voters.map((voter) => (listAt(votes[voter], "failed").map(String).includes(ip) ? "FAILED" : "ok")),
    failed.has(ip) ? "FAILED (quorum)" : questionable.has(ip) ? "questionable" : "healthy",
  ]);
  const routes = listAt(status, "routeTables").flatMap((t) =>
    listAt(t, "routes").map((route) => {
      const target = objectAt(route, "target");
      return [
        textAt(t, "routeTableId") ?? "?",
        textAt(route, "destinationCidrBlock") ?? "?",
        textAt(target, "networkInterfaceId") ?? textAt(target, "instanceId") ?? textAt(target, "kind") ?? "?",
        textAt(route, "state") ?? "?",
      ];
    }),
  );
  const apply = objectAt(status, "lastApply");
  const failovers = listAt(apply, "changes")
    .filter((change) => objectAt(change, "action")?.failover === true)
    .map((change) => {
      const action = objectAt(change, "action");
      return [
        textAt(apply, "at") ?? "?",
        textAt(action, "routeTableId") ?? "?",
        textAt(action, "destinationCidrBlock") ?? "?",
        `${textAt(action, "failedRouterIp") ?? "?"} → ${textAt(action, "routerIp") ?? "?"}`,
        (change as { ok?: unknown }).ok === true ? "done" : `failed: ${textAt(change, "error") ?? "?"}`,
      ];
    });
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    `<head><meta charset="utf-8"><meta http-equiv="refresh" content="${REFRESH_SECONDS}"><title>${e(title)}</title></head>`,
    "<body>",
    `<h1>${e(title)}</h1>`,
    table(["", ""], summary, "summary"),
    "<h2>Members</h2>",
    table(["replica", "zone"], members, "members"),
    "<h2>Router health</h2>",
    table(["router", ...voters.map((voter) => `vote of ${voter}`), "cluster"], health, "health"),
    "<h2>Routes per table</h2>",
    table(["route table", "CIDR", "target", "state"], routes, "routes"),
    "<h2>Last failovers</h2>",
    table(["at", "route table", "CIDR", "from → to", "result"], failovers, "failovers"),
    "<h2>vpc-router state</h2>",
    renderStatePre(rootState),
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
