/**
 * The ec2status health check (vpc-router's docs foresee health from "AWS status and alert
 * information"): a router is failed when EC2 reports its instance not `running`, or its system or
 * instance status check `impaired`. A monitor: one pass per `intervalMs` reads all routers at once
 * (their ENIs from the shared resolver cache, then `DescribeInstanceStatus`), through the EC2 policy.
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-system-instance-status-check.html
 */
import type { RouterEni } from "../domain/route-table.js";
import type { HealthCheckPlugin, MonitorRun } from "../plugin/api.js";
import type { InstanceCondition } from "../vpc/instance-status-reader.js";

/** What the check reads of the VPC (implemented by the daemon's EC2 port). */
export interface InstanceStatusReader {
  resolveRouters(ips: readonly string[]): Promise<ReadonlyMap<string, RouterEni>>;
  instanceConditions(instanceIds: readonly string[]): Promise<ReadonlyMap<string, InstanceCondition>>;
}

/**
 * The routers EC2 says are failed, with why. Pure.
 * @param hosts the routers watched
 * @param enis router IP → ENI, as resolved (an IP no ENI of the VPC holds is absent)
 * @param conditions instance id → condition, as read
 * @returns router IP → reason, for the failed ones
 */
export function ec2StatusVerdicts(
  hosts: readonly string[],
  enis: ReadonlyMap<string, RouterEni>,
  conditions: ReadonlyMap<string, InstanceCondition>,
): Record<string, string> {
  const failed: Record<string, string> = {};
  for (const ip of hosts) {
    const instanceId = enis.get(ip)?.instanceId;
    if (!enis.has(ip)) failed[ip] = "no ENI of the VPC holds this IP";
    else if (instanceId === undefined) failed[ip] = "its ENI is not attached to an instance";
    else {
      const condition = conditions.get(instanceId);
      if (condition === undefined) failed[ip] = `EC2 reports no status for ${instanceId}`;
      else if (condition.state !== "running") failed[ip] = `instance ${instanceId} is ${condition.state}`;
      else if (condition.systemStatus === "impaired")
        failed[ip] = `instance ${instanceId}: system status check impaired`;
      else if (condition.instanceStatus === "impaired")
        failed[ip] = `instance ${instanceId}: instance status check impaired`;
    }
  }
  return failed;
}

/**
 * The ec2status plugin.
 * @param reader the VPC as the check reads it; undefined where there is no EC2 port (the plugin
 *   then fails to start)
 */
export function ec2StatusPlugin(reader: () => InstanceStatusReader | undefined): HealthCheckPlugin {
  return {
    apiVersion: 1,
    kind: "health-check",
    name: "ec2status",
    description: "EC2's instance state and status checks (DescribeInstanceStatus), all routers in one read",
    options: {
      intervalMs: {
        type: "integer",
        doc: "Time between two reads of every router's instance status, ms (EC2 updates status checks about once a minute).",
        default: 5000,
        min: 1000,
        max: 3_600_000,
      },
    },
    start({ options, logger, signal, report }): MonitorRun {
      const vpc = reader();
      if (vpc === undefined) throw new Error("the EC2 API is not available here");
      const intervalMs = Number(options.intervalMs);
      let hosts: readonly string[] = [];
      let timer: NodeJS.Timeout | undefined;
      let pass: Promise<void> | undefined;
      let lastProblem: string | undefined;
      /** The hosts changed while a read was under way: read again as soon as it ends. */
      let changed = false;
      const readAll = async (): Promise<void> => {
        const watched = hosts;
        try {
          const enis = await vpc.resolveRouters(watched);
          const ids = [...enis.values()].flatMap((eni) => (eni.instanceId ? [eni.instanceId] : []));
          const conditions = ids.length > 0 ? await vpc.instanceConditions(ids) : new Map();
          if (signal.aborted) return;
          report(ec2StatusVerdicts(watched, enis, conditions));
          lastProblem = undefined;
        } catch (error) {
          // An EC2 outage says nothing about the routers: the last verdicts stay.
          const problem = (error as Error).message;
          if (problem !== lastProblem)
            logger.warn(`cannot read instance status, the last verdicts stay: ${problem}`);
          lastProblem = problem;
        }
      };
      let stopped = false;
      const schedule = (delayMs: number) => {
        clearTimeout(timer);
        if (signal.aborted || stopped) return;
        timer = setTimeout(() => {
          changed = false;
          pass = readAll().finally(() => {
            pass = undefined;
            schedule(changed ? 0 : intervalMs);
          });
        }, delayMs);
      };
      signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
      return {
        watch(next) {
          hosts = [...next];
          // New routers are read at once, or as soon as the read under way ends.
          if (pass === undefined) schedule(0);
          else changed = true;
        },
        async stop() {
          stopped = true;
          clearTimeout(timer);
          await pass;
        },
      };
    },
  };
}
