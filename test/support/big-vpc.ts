/** A large VPC as the leader sees it, for tests of sizes: many spec CIDRs routed in many tables. */
import type { RouteAction } from "../../src/domain/route-action.js";
import type { RouteTable } from "../../src/domain/route-table.js";

/** `count` spec CIDRs 10.x.y.0/24 and the 50 route tables routing each of them to a router ENI. */
export function bigVpc(count: number, tableCount: number) {
  const cidrs = Array.from({ length: count }, (_, i) => `10.${Math.floor(i / 250)}.${i % 250}.0/24`);
  const tables: RouteTable[] = Array.from({ length: tableCount }, (_, t) => ({
    routeTableId: `rtb-${String(t).padStart(17, "0")}`,
    vpcId: "vpc-00000000000000001",
    main: t === 0,
    subnetIds: [],
    routes: cidrs.map((cidr) => ({
      destinationCidrBlock: cidr,
      target: { kind: "eni" as const, networkInterfaceId: "eni-00000000000000001" },
      state: "active" as const,
    })),
  }));
  const actions: RouteAction[] = tables.flatMap((table) =>
    cidrs.map((cidr) => ({
      kind: "replace" as const,
      routeTableId: table.routeTableId,
      destinationCidrBlock: cidr,
      routerIp: "198.18.0.11",
      networkInterfaceId: "eni-00000000000000002",
      failover: true,
      reason: "router 198.18.0.10 failed",
    })),
  );
  return { cidrs, tables, actions };
}
