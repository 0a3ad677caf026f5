/**
 * Mapping EC2 SDK route tables (`@aws-sdk/client-ec2` `RouteTable`) to vpcrouter's model. Pure.
 * IPv6 and prefix-list routes are dropped (vpcrouter manages IPv4 CIDRs only).
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html
 */
import type { Route as SdkRoute, RouteTable as SdkRouteTable } from "@aws-sdk/client-ec2";
import type { Route, RouteTable, RouteTarget } from "../domain/route-table.js";

/**
 * The target of an SDK route. An ENI id wins over an instance id (EC2 reports both for instance
 * routes; the ENI is what a route really points at); `GatewayId: local` is the VPC's local route.
 */
export function toRouteTarget(route: SdkRoute): RouteTarget {
  if (route.NetworkInterfaceId) {
    return {
      kind: "eni",
      networkInterfaceId: route.NetworkInterfaceId,
      ...(route.InstanceId ? { instanceId: route.InstanceId } : {}),
    };
  }
  if (route.InstanceId) return { kind: "instance", instanceId: route.InstanceId };
  if (route.GatewayId === "local") return { kind: "local" };
  if (route.GatewayId) return { kind: "gateway", id: route.GatewayId };
  const otherId =
    route.NatGatewayId ??
    route.TransitGatewayId ??
    route.VpcPeeringConnectionId ??
    route.EgressOnlyInternetGatewayId ??
    route.LocalGatewayId ??
    route.CarrierGatewayId ??
    route.CoreNetworkArn ??
    route.OdbNetworkArn ??
    "unknown";
  return { kind: "other", id: otherId };
}

/** One SDK route as a model route, or `undefined` for routes without an IPv4 destination. */
export function toRoute(route: SdkRoute): Route | undefined {
  if (!route.DestinationCidrBlock) return undefined;
  return {
    destinationCidrBlock: route.DestinationCidrBlock,
    target: toRouteTarget(route),
    state: route.State === "blackhole" ? "blackhole" : "active",
  };
}

/**
 * One SDK route table as a model route table: `main` from its associations, explicit subnet
 * associations as `subnetIds`, IPv4 routes only.
 * @param fallbackVpcId used when the reply lacks `VpcId` (it never should)
 */
export function toRouteTable(table: SdkRouteTable, fallbackVpcId: string): RouteTable {
  const associations = table.Associations ?? [];
  return {
    routeTableId: table.RouteTableId ?? "",
    vpcId: table.VpcId ?? fallbackVpcId,
    main: associations.some((association) => association.Main === true),
    subnetIds: associations.flatMap((association) => (association.SubnetId ? [association.SubnetId] : [])),
    routes: (table.Routes ?? []).flatMap((route) => {
      const mapped = toRoute(route);
      return mapped ? [mapped] : [];
    }),
  };
}
