/**
 * Which route tables of the VPC the leader manages (setting `aws.routeTables`, flag
 * `--route-tables`). Pure: parsing only.
 */

/**
 * - `all`: every route table of the VPC (the default);
 * - `subnets`: vpc-router 1.8's rule: new routes go only to the tables associated with the
 *   routers' subnets (explicit associations, and the main table for every router subnet without
 *   one: its implicit association, which vpc-router 1.8 misses), while existing routes are
 *   repaired, and deleted by prune, in every table.
 *   Source: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html
 * - `tag`: tables carrying the tag `key` = `value`;
 * - `ids`: exactly these tables (`rtb-…`), those of other VPCs ignored.
 */
export type RouteTableSelection =
  | { readonly kind: "all" }
  | { readonly kind: "subnets" }
  | { readonly kind: "tag"; readonly key: string; readonly value: string }
  | { readonly kind: "ids"; readonly ids: readonly string[] };

/** Outcome of {@link parseRouteTableSelection}. */
export type RouteTableSelectionResult =
  | { readonly ok: true; readonly selection: RouteTableSelection }
  | { readonly ok: false; readonly message: string };

/** Route table ids: `rtb-` and 8 or 17 hex digits. */
const ROUTE_TABLE_ID = /^rtb-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * Reads a route table selection.
 * @param text - `all`, `subnets`, `tag:<key>=<value>` (the value may be empty), or a comma list of
 *   `rtb-…` ids.
 * @returns the selection, or a message saying what was expected. Never throws.
 */
export function parseRouteTableSelection(text: string): RouteTableSelectionResult {
  const trimmed = text.trim();
  if (trimmed === "all" || trimmed === "") return { ok: true, selection: { kind: "all" } };
  if (trimmed === "subnets") return { ok: true, selection: { kind: "subnets" } };
  if (trimmed.startsWith("tag:")) {
    const body = trimmed.slice("tag:".length);
    const equals = body.indexOf("=");
    const key = equals < 0 ? "" : body.slice(0, equals);
    if (key === "") return { ok: false, message: `${JSON.stringify(trimmed)} must be tag:<key>=<value>` };
    return { ok: true, selection: { kind: "tag", key, value: body.slice(equals + 1) } };
  }
  const ids = trimmed.split(",").map((id) => id.trim());
  const bad = ids.find((id) => !ROUTE_TABLE_ID.test(id));
  if (bad !== undefined) {
    return {
      ok: false,
      message: `${JSON.stringify(bad)} is not all, subnets, tag:<key>=<value> or a route table id (rtb-…)`,
    };
  }
  return { ok: true, selection: { kind: "ids", ids: [...new Set(ids)] } };
}
