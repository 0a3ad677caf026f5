/**
 * Route table actions of the EC2 Query API: DescribeRouteTables, CreateRoute, ReplaceRoute, DeleteRoute.
 * Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRouteTables.html,
 * API_CreateRoute.html, API_ReplaceRoute.html, API_DeleteRoute.html
 */
import type { ActionHandler } from "./action-handler.js";
import { applyFilters, type FilterFields } from "./filters.js";
import { paginate } from "./pagination.js";
import {
  filtersParam,
  listParam,
  maxResultsParam,
  optionalParam,
  type QueryParams,
  requiredParam,
} from "./query-params.js";
import type { RouteWrite } from "./world.js";
import type { RouteTableView, RouteView } from "./world-spec.js";
import type { XmlObject } from "./xml.js";

const ROUTE_TABLE_FILTERS: FilterFields<RouteTableView> = {
  "vpc-id": (t) => [t.vpcId],
  "route-table-id": (t) => [t.routeTableId],
  "owner-id": (t) => [t.ownerId],
  "association.subnet-id": (t) => t.subnetIds,
  "association.main": (t) => t.associations.map((a) => String(a.main)),
  "association.route-table-association-id": (t) => t.associations.map((a) => a.routeTableAssociationId),
  "route.destination-cidr-block": (t) => t.routes.map((r) => r.destinationCidrBlock),
  "route.gateway-id": (t) => t.routes.flatMap((r) => (r.gatewayId ? [r.gatewayId] : [])),
  "route.instance-id": (t) => t.routes.flatMap((r) => (r.instanceId ? [r.instanceId] : [])),
  "route.network-interface-id": (t) =>
    t.routes.flatMap((r) => (r.networkInterfaceId ? [r.networkInterfaceId] : [])),
  "route.state": (t) => t.routes.map((r) => r.state),
  "route.origin": (t) => t.routes.map((r) => r.origin),
};

function routeXml(route: RouteView): XmlObject {
  return {
    destinationCidrBlock: route.destinationCidrBlock,
    gatewayId: route.gatewayId,
    instanceId: route.instanceId,
    instanceOwnerId: route.instanceOwnerId,
    natGatewayId: route.natGatewayId,
    transitGatewayId: route.transitGatewayId,
    networkInterfaceId: route.networkInterfaceId,
    vpcPeeringConnectionId: route.vpcPeeringConnectionId,
    state: route.state,
    origin: route.origin,
  };
}

function routeTableXml(table: RouteTableView): XmlObject {
  return {
    routeTableId: table.routeTableId,
    vpcId: table.vpcId,
    ownerId: table.ownerId,
    routeSet: table.routes.map(routeXml),
    associationSet: table.associations.map((a) => ({
      routeTableAssociationId: a.routeTableAssociationId,
      routeTableId: a.routeTableId,
      subnetId: a.subnetId,
      main: a.main,
      associationState: { state: "associated" },
    })),
    propagatingVgwSet: [],
    tagSet: Object.entries(table.tags).map(([key, value]) => ({ key, value })),
  };
}

function routeWrite(params: QueryParams): RouteWrite {
  return {
    routeTableId: requiredParam(params, "RouteTableId"),
    destinationCidrBlock: requiredParam(params, "DestinationCidrBlock"),
    gatewayId: optionalParam(params, "GatewayId"),
    networkInterfaceId: optionalParam(params, "NetworkInterfaceId"),
    instanceId: optionalParam(params, "InstanceId"),
    natGatewayId: optionalParam(params, "NatGatewayId"),
    transitGatewayId: optionalParam(params, "TransitGatewayId"),
    vpcPeeringConnectionId: optionalParam(params, "VpcPeeringConnectionId"),
  };
}

/**
 * DescribeRouteTables: `RouteTableId.N`, `Filter.N` (the names of {@link ROUTE_TABLE_FILTERS},
 * `tag:<key>`, `tag-key`), `MaxResults` 5..100, `NextToken`.
 */
export const describeRouteTables: ActionHandler = (world, params) => {
  const ids = listParam(params, "RouteTableId");
  world.requireIds("routeTable", ids);
  const maxResults = maxResultsParam(params, 5, 100);
  let tables = world.routeTables();
  if (ids.length > 0) tables = tables.filter((t) => ids.includes(t.routeTableId));
  tables = applyFilters(tables, filtersParam(params), ROUTE_TABLE_FILTERS, (t) => t.tags);
  const page = paginate(tables, "DescribeRouteTables", maxResults, optionalParam(params, "NextToken"));
  return { routeTableSet: page.items.map(routeTableXml), nextToken: page.nextToken };
};

/** CreateRoute: one target of GatewayId | NetworkInterfaceId | InstanceId | NatGatewayId | …. */
export const createRoute: ActionHandler = (world, params) => {
  world.createRoute(routeWrite(params));
  return { return: true };
};

/** ReplaceRoute: like CreateRoute, but the route must exist (`InvalidParameterValue` otherwise). */
export const replaceRoute: ActionHandler = (world, params) => {
  world.replaceRoute(routeWrite(params));
  return { return: true };
};

/** DeleteRoute: `InvalidRoute.NotFound` when the route does not exist. */
export const deleteRoute: ActionHandler = (world, params) => {
  world.deleteRoute(requiredParam(params, "RouteTableId"), requiredParam(params, "DestinationCidrBlock"));
  return { return: true };
};
