/**
 * DescribeInstanceStatus of the EC2 Query API: each instance's state and its two status checks
 * (system: the AWS side; instance: the guest), with EC2's defaults (running instances only unless
 * `IncludeAllInstances=true`), limits, pagination and filters.
 * Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceStatus.html,
 * API_InstanceStatus.html, API_InstanceStatusSummary.html, API_InstanceStatusDetails.html
 */
import type { ActionHandler } from "./action-handler.js";
import { clientError } from "./ec2-error.js";
import { applyFilters, type FilterFields } from "./filters.js";
import { INSTANCE_STATE_CODES } from "./instance-states.js";
import { paginate } from "./pagination.js";
import { booleanParam, filtersParam, listParam, maxResultsParam, optionalParam } from "./query-params.js";
import type { InstanceView, StatusCheckStatus, StatusCheckView } from "./world-spec.js";
import type { XmlObject } from "./xml.js";

/** "Constraints: Maximum 100 explicitly specified instance IDs." (the action's reference page) */
const MAX_INSTANCE_IDS = 100;

/**
 * The status a check reports: its stored status while the instance runs, `not-applicable`
 * otherwise (EC2 runs no status checks on an instance that is not running).
 */
function reported(instance: InstanceView, check: StatusCheckView): StatusCheckView {
  return instance.state === "running" ? check : { status: "not-applicable" };
}

/** The one detail EC2 gives per check (`reachability`), whose status follows the summary's. */
const REACHABILITY: Readonly<Record<StatusCheckStatus, string | undefined>> = {
  ok: "passed",
  impaired: "failed",
  initializing: "initializing",
  "insufficient-data": "insufficient-data",
  // A check that does not run has no details.
  "not-applicable": undefined,
};

/** The `reachability` detail's status as a filter sees it: none for a check that does not run. */
function reachabilityOf(check: StatusCheckView): string[] {
  const reachability = REACHABILITY[check.status];
  return reachability === undefined ? [] : [reachability];
}

const INSTANCE_STATUS_FILTERS: FilterFields<InstanceView> = {
  "availability-zone": (i) => [i.availabilityZone],
  "instance-state-code": (i) => [String(INSTANCE_STATE_CODES[i.state])],
  "instance-state-name": (i) => [i.state],
  "system-status.status": (i) => [reported(i, i.systemStatus).status],
  "system-status.reachability": (i) => reachabilityOf(reported(i, i.systemStatus)),
  "instance-status.status": (i) => [reported(i, i.instanceStatus).status],
  "instance-status.reachability": (i) => reachabilityOf(reported(i, i.instanceStatus)),
};

function summaryXml(check: StatusCheckView): XmlObject {
  const reachability = REACHABILITY[check.status];
  return {
    status: check.status,
    details:
      reachability === undefined
        ? undefined
        : [
            {
              name: "reachability",
              status: reachability,
              impairedSince:
                check.impairedSince === undefined ? undefined : new Date(check.impairedSince).toISOString(),
            },
          ],
  };
}

function instanceStatusXml(instance: InstanceView): XmlObject {
  return {
    instanceId: instance.instanceId,
    availabilityZone: instance.availabilityZone,
    instanceState: { code: INSTANCE_STATE_CODES[instance.state], name: instance.state },
    systemStatus: summaryXml(reported(instance, instance.systemStatus)),
    instanceStatus: summaryXml(reported(instance, instance.instanceStatus)),
  };
}

/**
 * DescribeInstanceStatus: `InstanceId.N` (at most 100), `IncludeAllInstances` (default false:
 * running instances only, even among the ids asked for), `Filter.N`, `MaxResults` 5..1000 (not
 * together with ids), `NextToken`.
 */
export const describeInstanceStatus: ActionHandler = (world, params) => {
  const ids = listParam(params, "InstanceId");
  const maxResults = maxResultsParam(params, 5, 1000);
  if (maxResults !== undefined && ids.length > 0) {
    throw clientError(
      "InvalidParameterCombination",
      "The parameter instancesSet cannot be used with the parameter maxResults",
    );
  }
  if (ids.length > MAX_INSTANCE_IDS) {
    // The reference page states the limit but not its error; EC2's usual code for a bad value.
    throw clientError(
      "InvalidParameterValue",
      `The maximum number of instance IDs is ${MAX_INSTANCE_IDS}; the request has ${ids.length}`,
    );
  }
  world.requireIds("instance", ids);
  const includeAll = booleanParam(params, "IncludeAllInstances") ?? false;
  let instances = world.instanceViews();
  if (ids.length > 0) instances = instances.filter((i) => ids.includes(i.instanceId));
  if (!includeAll) instances = instances.filter((i) => i.state === "running");
  instances = applyFilters(instances, filtersParam(params), INSTANCE_STATUS_FILTERS);
  const page = paginate(instances, "DescribeInstanceStatus", maxResults, optionalParam(params, "NextToken"));
  return { instanceStatusSet: page.items.map(instanceStatusXml), nextToken: page.nextToken };
};
