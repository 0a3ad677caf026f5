/**
 * Applying a route table selection (setting `aws.routeTables`, see `route-table-selection.ts`) to
 * the tables of the VPC. `tag` and `ids` are filters EC2 applies in `DescribeRouteTables`
 * ({@link routeTableFilters}); `subnets` needs every table of the VPC and the routers' subnets, and
 * is applied here ({@link selectRouteTables}). Pure.
 * Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRouteTables.html
 * (filters `route-table-id`, `tag:<key>`), https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html
 * ("a subnet not explicitly associated with a route table is implicitly associated with the main route table")
 */
import type { RouterEni, RouteTable } from "../domain/route-table.js";
import type { RouteTableSelection } from "../domain/route-table-selection.js";

/** One `DescribeRouteTables` filter (EC2's `Filter.N.Name` / `Filter.N.Value.M`). */
export interface RouteTableFilter {
  readonly Name: string;
  readonly Values: string[];
}

/**
 * The EC2 filters that implement a selection server-side, to add to the `vpc-id` filter:
 * `tag:<key>` = value for `tag`, `route-table-id` for `ids`, none for `all` and `subnets`.
 * A table id of another VPC then matches nothing (the filters are AND-ed), unlike `RouteTableId.N`,
 * which fails the whole call with `InvalidRouteTableID.NotFound`.
 */
export function routeTableFilters(selection: RouteTableSelection): RouteTableFilter[] {
  switch (selection.kind) {
    case "tag":
      return [{ Name: `tag:${selection.key}`, Values: [selection.value] }];
    case "ids":
      return [{ Name: "route-table-id", Values: [...selection.ids] }];
    default:
      return [];
  }
}

/**
 * The tables of `tables` (read with {@link routeTableFilters}) that the selection manages, in their
 * order:
 * - `subnets`: every table, but new routes only in each table explicitly associated with a
 *   router's subnet, plus the VPC's main table when some router's subnet has no explicit
 *   association (it uses the main table implicitly; vpc-router 1.8 missed this case); the others
 *   are marked `newRoutesAllowed: false`. Existing routes are maintained in every table, as
 *   vpc-router 1.8 did: a dead router's ENI no longer resolves, so its subnet is unknown, and its
 *   table must still fail over. Routers without a known subnet open no table to new routes.
 *   `tables` must be every table of the VPC;
 * - `ids`: the tables with those ids (EC2 already filtered; kept as a second check);
 * - `all`, `tag`: every table given (EC2 did the filtering).
 * @param routers the spec's resolved routers (their `subnetId`s matter)
 */
export function selectRouteTables(
  tables: readonly RouteTable[],
  selection: RouteTableSelection,
  routers: Iterable<RouterEni>,
): RouteTable[] {
  switch (selection.kind) {
    case "subnets": {
      const open = new Set(tablesOfSubnets(tables, routers));
      return tables.map((table) => (open.has(table) ? table : { ...table, newRoutesAllowed: false }));
    }
    case "ids": {
      const wanted = new Set(selection.ids);
      return tables.filter((table) => wanted.has(table.routeTableId));
    }
    default:
      return [...tables];
  }
}

function tablesOfSubnets(tables: readonly RouteTable[], routers: Iterable<RouterEni>): RouteTable[] {
  const routerSubnets = new Set<string>();
  for (const router of routers) if (router.subnetId) routerSubnets.add(router.subnetId);
  const explicitlyAssociated = new Set(tables.flatMap((table) => table.subnetIds));
  const usesMain = [...routerSubnets].some((subnet) => !explicitlyAssociated.has(subnet));
  return tables.filter(
    (table) => table.subnetIds.some((subnet) => routerSubnets.has(subnet)) || (usesMain && table.main),
  );
}
