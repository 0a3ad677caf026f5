import type { Plan } from "../../src/domain/route-action.js";
import type { Route, RouteTable } from "../../src/domain/route-table.js";

/**
 * The route tables as they would be after every action of `plan` succeeded: what the next
 * `DescribeRouteTables` should show (useful for dry runs and to check a plan converges).
 *
 * Mirrors EC2's semantics where they matter and otherwise leaves the table as it is, as the
 * failed EC2 call would: a create of an existing destination (`RouteAlreadyExists`), a replace or
 * delete of a missing one (`InvalidParameterValue`, `InvalidRoute.NotFound`) change nothing.
 * Created and replaced routes target the router's ENI and are `active`.
 *
 * @returns new tables (inputs are not changed), in the same order. Pure; never throws.
 */
export function applyPlan(tables: readonly RouteTable[], plan: Plan): RouteTable[] {
  return tables.map((table) => {
    let routes: Route[] = [...table.routes];
    for (const action of plan.actions) {
      if (action.routeTableId !== table.routeTableId) continue;
      const cidr = action.destinationCidrBlock;
      const exists = routes.some((route) => route.destinationCidrBlock === cidr);
      if (action.kind === "delete") {
        routes = routes.filter((route) => route.destinationCidrBlock !== cidr);
        continue;
      }
      const route: Route = {
        destinationCidrBlock: cidr,
        target: { kind: "eni", networkInterfaceId: action.networkInterfaceId },
        state: "active",
      };
      if (action.kind === "create" && !exists) routes.push(route);
      if (action.kind === "replace" && exists) {
        routes = routes.map((old) => (old.destinationCidrBlock === cidr ? route : old));
      }
    }
    return { ...table, routes };
  });
}
