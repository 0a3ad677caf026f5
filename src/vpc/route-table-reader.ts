/**
 * Reading the route tables of a VPC from EC2 (`DescribeRouteTables` filtered by `vpc-id` and any
 * further filters, all pages).
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRouteTables.html
 */
import { DescribeRouteTablesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { Route, RouteTable } from "../domain/route-table.js";
import type { Ec2Policy } from "./ec2-policy.js";
import { toRouteTable } from "./route-table-mapping.js";
import type { RouteTableFilter } from "./select-route-tables.js";

/** Options of {@link readRouteTables}. */
export interface ReadRouteTablesOptions {
  /** `MaxResults` per page, 5..100 (EC2's bounds); default 100. */
  readonly pageSize?: number;
  /** Safety cap on pages (default 1000) against a token that never ends. */
  readonly maxPages?: number;
  /** Further EC2 filters, AND-ed with `vpc-id` (e.g. `tag:<key>`, `route-table-id`); default none. */
  readonly filters?: readonly RouteTableFilter[];
}

/**
 * Reads all route tables of `vpcId` that match `options.filters`, following `NextToken` until the last page. Each page is one
 * call through `policy` (action `DescribeRouteTables`). Tables without a `RouteTableId` are skipped.
 * @returns route tables in EC2's order, mapped to the model (IPv4 routes, `main`, targets, blackhole state)
 * @throws whatever the policy throws for a page (SDK error, `Ec2CallTimeoutError`, `Ec2CircuitOpenError`);
 *   Error when the page cap is exceeded. Nothing partial is returned.
 */
export async function readRouteTables(
  client: EC2Client,
  policy: Ec2Policy,
  vpcId: string,
  options: ReadRouteTablesOptions = {},
): Promise<RouteTable[]> {
  const pageSize = options.pageSize ?? 100;
  const maxPages = options.maxPages ?? 1000;
  const tables: RouteTable[] = [];
  let nextToken: string | undefined;
  for (let page = 0; ; page++) {
    if (page >= maxPages) throw new Error(`DescribeRouteTables: more than ${maxPages} pages for ${vpcId}`);
    const command = new DescribeRouteTablesCommand({
      Filters: [{ Name: "vpc-id", Values: [vpcId] }, ...(options.filters ?? [])],
      MaxResults: pageSize,
      ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
    });
    const reply = await policy.execute("DescribeRouteTables", (signal) =>
      client.send(command, { abortSignal: signal }),
    );
    for (const table of reply.RouteTables ?? []) {
      if (table.RouteTableId) tables.push(toRouteTable(table, vpcId));
    }
    nextToken = reply.NextToken || undefined;
    if (nextToken === undefined) return tables;
  }
}

/**
 * Reads one route of one table now (one `DescribeRouteTables` call by table id, through `policy`).
 * @returns the route to `destinationCidrBlock`, or undefined when the table has none
 * @throws whatever the policy throws
 */
export async function readRoute(
  client: EC2Client,
  policy: Ec2Policy,
  routeTableId: string,
  destinationCidrBlock: string,
): Promise<Route | undefined> {
  const command = new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] });
  const reply = await policy.execute("DescribeRouteTables", (signal) =>
    client.send(command, { abortSignal: signal }),
  );
  const table = reply.RouteTables?.find((candidate) => candidate.RouteTableId === routeTableId);
  if (!table) return undefined;
  return toRouteTable(table, table.VpcId ?? "").routes.find(
    (route) => route.destinationCidrBlock === destinationCidrBlock,
  );
}
