/**
 * The VPC as vpcrouter sees it: route tables as read from EC2 `DescribeRouteTables`, and router
 * IPs resolved to their ENIs. Field names follow the EC2 API.
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html
 */

/** Where a route sends traffic. Only `eni` and `instance` targets are ever changed by vpcrouter. */
export type RouteTarget =
  | { readonly kind: "eni"; readonly networkInterfaceId: string; readonly instanceId?: string }
  | { readonly kind: "instance"; readonly instanceId: string }
  | { readonly kind: "local" }
  | { readonly kind: "gateway"; readonly id: string }
  | { readonly kind: "other"; readonly id: string };

/** One route of a route table. `state` is `blackhole` when its target is gone (e.g. a deleted ENI). */
export interface Route {
  readonly destinationCidrBlock: string;
  readonly target: RouteTarget;
  readonly state: "active" | "blackhole";
}

/** One route table of the VPC with its routes (IPv4 only). */
export interface RouteTable {
  readonly routeTableId: string;
  readonly vpcId: string;
  readonly main: boolean;
  /** Subnets explicitly associated with this table. */
  readonly subnetIds: readonly string[];
  readonly routes: readonly Route[];
  /**
   * `false` when the table selection keeps new routes out of this table (`subnets`: only the
   * routers' subnets' tables get new routes, while existing routes are repaired, and deleted by
   * prune, in every table, so a dead router's table still fails over). Absent: new routes allowed.
   */
  readonly newRoutesAllowed?: false;
}

/** A router IP resolved to the ENI that owns it (primary or secondary private IP). */
export interface RouterEni {
  readonly ip: string;
  readonly networkInterfaceId: string;
  readonly instanceId?: string;
  readonly subnetId?: string;
  readonly sourceDestCheck?: boolean;
}
