/**
 * `vpcrouter plan`: what the leader would change now and why, from the live cluster state in etcd
 * and the route tables in EC2, computed here with the leader's own planner. Writes nothing.
 */
import { pino } from "pino";
import type { ClusterSnapshot } from "../cluster/snapshot.js";
import type { VpcrouterConfig } from "../config/schema.js";
import type { Plan } from "../domain/route-action.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { type CliIo, describeError } from "./io.js";
import { withEtcd } from "./with-etcd.js";

/**
 * Prints the plan as a table (or JSON with `json`): the cluster's leader and term, the spec in
 * force, the confirmed failures, each action (route table, CIDR, change, target, reason) and each
 * warning.
 * @returns 0 when the plan was computed (also when it is empty); 1 when etcd or EC2 fail or no
 *   spec is in force; 2 when no VPC id is configured or detectable.
 */
export async function showPlan(
  config: VpcrouterConfig,
  io: CliIo,
  options: { readonly json?: boolean } = {},
): Promise<ExitCode> {
  const [{ viewOf }, { planReconcile }, { routerIpsOf }] = await Promise.all([
    import("../replica/cluster-view.js"),
    import("../decide/plan.js"),
    import("../route-spec/route-spec.js"),
  ]);
  let read: ClusterSnapshot | undefined;
  const readCode = await withEtcd(config, io, "read the cluster state from etcd", async ({ store }) => {
    read = await store.readSnapshot();
    return EXIT.ok;
  });
  const snapshot = read;
  if (readCode !== EXIT.ok || snapshot === undefined) return readCode;
  const view = viewOf(
    snapshot,
    {},
    { maxRoutes: config.spec.maxRoutes, expectedReplicas: config.quorum.expectedReplicas },
  );
  const inForce = view.spec.inForce;
  if (!inForce) {
    io.err(`vpcrouter: no route spec in force${view.spec.error ? ` (${view.spec.error.message})` : ""}`);
    return EXIT.failure;
  }
  // EC2 warnings (throttling, breakers) go to standard error; the plan to standard output.
  const logger = pino({ level: "warn" }, pino.destination(2));
  const { resolveAws, StartupConfigError } = await import("../daemon.js");
  const { createEc2VpcPort } = await import("../vpc/ec2-vpc-port.js");
  let plan: Plan;
  try {
    const aws = await resolveAws(config.aws, logger);
    const vpc = createEc2VpcPort(aws, logger);
    const routers = await vpc.resolveRouters(routerIpsOf(inForce.spec));
    const tables = await vpc.readRouteTables(routers);
    plan = planReconcile({
      spec: inForce.spec,
      failed: view.failures.confirmed,
      questionable: view.failures.questionable,
      tables,
      routers,
      managedCidrs: new Set(snapshot.managedCidrs ?? []),
      options: {
        prune: config.reconcile.prune,
        ignoreRoutes: config.reconcile.ignoreRoutes,
        allowEmptySpec: config.reconcile.allowEmptySpec,
      },
    });
  } catch (error) {
    io.err(`vpcrouter: cannot plan: ${describeError(error)}`);
    return error instanceof StartupConfigError ? EXIT.usage : EXIT.failure;
  }
  const context = {
    leader: snapshot.leader ? { id: snapshot.leader.replicaId, term: snapshot.leader.createRevision } : null,
    specRevision: inForce.revision,
    failedRouters: [...view.failures.confirmed].sort(),
    questionableRouters: [...view.failures.questionable].sort(),
    paused: snapshot.pause ?? null,
  };
  if (options.json === true) {
    io.out(JSON.stringify({ ...context, actions: plan.actions, warnings: plan.warnings }, null, 2));
    return EXIT.ok;
  }
  io.out(
    `leader ${context.leader ? `${context.leader.id} (term ${context.leader.term})` : "none"}; spec revision ${inForce.revision}; failed: ${context.failedRouters.join(", ") || "none"}; questionable: ${context.questionableRouters.join(", ") || "none"}${context.paused ? `; PAUSED by ${context.paused.by}` : ""}`,
  );
  if (plan.actions.length === 0) io.out("nothing to change");
  for (const action of plan.actions) {
    const target = action.kind === "delete" ? "" : ` → ${action.routerIp} (${action.networkInterfaceId})`;
    io.out(
      `${action.routeTableId}  ${action.destinationCidrBlock}  ${action.kind}${target}${action.failover ? "  [failover]" : ""}  ${action.reason}`,
    );
  }
  for (const warning of plan.warnings) {
    io.out(
      `warning: ${warning.routeTableId ? `${warning.routeTableId} ` : ""}${warning.destinationCidrBlock}: ${warning.message}`,
    );
  }
  return EXIT.ok;
}
