/**
 * The etcd wire records the leader keeps (docs/DESIGN.md section 3 "etcd key layout"): the status
 * under `<prefix>/status`, and the two small records that must survive leaders whatever the status'
 * size, `<prefix>/managed` and `<prefix>/last-good-spec`. Their types are declared here on their own,
 * not borrowed from the in-memory model, so that the stored format changes only when this file does.
 */
import type { RevisionedSpec, SpecError } from "../route-spec/route-spec.js";

/** A route target as recorded: the EC2 API's target kinds that vpcrouter tells apart. */
export type RecordedRouteTarget =
  | { readonly kind: "eni"; readonly networkInterfaceId: string; readonly instanceId?: string }
  | { readonly kind: "instance"; readonly instanceId: string }
  | { readonly kind: "local" }
  | { readonly kind: "gateway"; readonly id: string }
  | { readonly kind: "other"; readonly id: string };

/** One router (ENI/instance) route of a table, as recorded. */
export interface RecordedRoute {
  readonly destinationCidrBlock: string;
  readonly target: RecordedRouteTarget;
  readonly state: "active" | "blackhole";
}

/** A route table with its router routes only (small enough for an etcd value). */
export interface RecordedRouteTable {
  readonly routeTableId: string;
  readonly vpcId: string;
  readonly main: boolean;
  readonly subnetIds: readonly string[];
  readonly routes: readonly RecordedRoute[];
  /** `false` when the table selection keeps new routes out of this table. */
  readonly newRoutesAllowed?: false;
}

/** A router IP as the leader last resolved it. */
export interface RecordedRouter {
  readonly ip: string;
  readonly networkInterfaceId: string;
  readonly instanceId?: string;
  readonly subnetId?: string;
  readonly sourceDestCheck?: boolean;
}

/** A planned route change, as recorded. */
export type RecordedRouteAction =
  | {
      readonly kind: "create" | "replace";
      readonly routeTableId: string;
      readonly destinationCidrBlock: string;
      readonly routerIp: string;
      readonly networkInterfaceId: string;
      readonly failover: boolean;
      /** The failed router the change moves the route away from, if that is why (optional). */
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

/** What happened to one applied route change, as recorded. */
export interface RecordedChange {
  readonly action: RecordedRouteAction;
  readonly ok: boolean;
  readonly error?: string;
}

/**
 * Value of `<prefix>/status`, written by the leader when something in it changes (never on a
 * steady-state tick), for operators and the other replicas' views. Bounded in size: what does not
 * fit is left out and counted in `omitted`.
 */
export interface StatusRecord {
  readonly leaderId: string;
  /** The leader's term: the create revision of its election key. */
  readonly term: string;
  /** Why the current value of the `spec` key is not in force, if it is not. */
  readonly specError?: SpecError;
  /** The last non-empty plan. */
  readonly lastPlan?: { readonly at: string; readonly actions: readonly RecordedRouteAction[] };
  /** Why the latest plan left something alone (e.g. every router of a CIDR failed). */
  readonly planWarnings?: readonly string[];
  readonly lastApply?: {
    readonly at: string;
    readonly changes: readonly RecordedChange[];
    readonly stoppedByFence: boolean;
  };
  /** The VPC's route tables as last read by the leader (after its last apply), router routes only. */
  readonly routeTables?: readonly RecordedRouteTable[];
  /** The spec's router IPs as last resolved by the leader; IPs no ENI holds are absent. */
  readonly routers?: readonly RecordedRouter[];
  /** What the size bound left out: how many actions, changes, warnings, tables or routers. */
  readonly omitted?: Readonly<
    Partial<Record<"actions" | "changes" | "planWarnings" | "routeTables" | "routers", number>>
  >;
}

/**
 * Value of `<prefix>/managed`: the CIDRs whose routes this cluster created or maintains
 * (docs/DESIGN.md, safety rule 5), sorted. Written by the leader under its term, also before it
 * creates a route, so that a crash cannot leave a route of ours that prune would not recognise.
 */
export interface ManagedCidrsRecord {
  readonly cidrs: readonly string[];
}

/**
 * Value of `<prefix>/last-good-spec`: the spec in force and the mod revision of the `spec` key it
 * came from, so that a bad spec put, or a restart, never loses the last good one.
 */
export type LastGoodSpecRecord = RevisionedSpec;
