/**
 * One route change the leader wants to make. `failover` is true when the change moves traffic away
 * from a failed router: those are applied before any other change (docs/DESIGN.md, safety rule 7).
 */
export type RouteAction =
  | {
      readonly kind: "create" | "replace";
      readonly routeTableId: string;
      readonly destinationCidrBlock: string;
      readonly routerIp: string;
      readonly networkInterfaceId: string;
      readonly failover: boolean;
      /** The quorum-confirmed failed router this change moves the route away from, if that is why. */
      readonly failedRouterIp?: string;
      readonly reason: string;
    }
  | {
      readonly kind: "delete";
      readonly routeTableId: string;
      readonly destinationCidrBlock: string;
      readonly failover: false;
      readonly reason: string;
    };

/** Something the planner chose not to change, reported so that operators can see why. */
export interface PlanWarning {
  readonly routeTableId?: string;
  readonly destinationCidrBlock: string;
  readonly message: string;
}

/** A reconcile plan: actions in the order to apply them (failovers first), and warnings. */
export interface Plan {
  readonly actions: readonly RouteAction[];
  readonly warnings: readonly PlanWarning[];
}
