/**
 * Network interface, instance and subnet actions of the EC2 Query API: DescribeNetworkInterfaces,
 * DescribeInstances, ModifyNetworkInterfaceAttribute, DescribeSubnets.
 * Sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html,
 * API_DescribeInstances.html, API_ModifyNetworkInterfaceAttribute.html, API_DescribeSubnets.html
 */
import type { ActionHandler } from "./action-handler.js";
import { clientError } from "./ec2-error.js";
import { applyFilters, type FilterFields } from "./filters.js";
import { INSTANCE_STATE_CODES } from "./instance-states.js";
import { paginate } from "./pagination.js";
import {
  booleanParam,
  filtersParam,
  listParam,
  maxResultsParam,
  optionalParam,
  requiredParam,
} from "./query-params.js";
import type { InstanceView, NetworkInterfaceView, SubnetView } from "./world-spec.js";
import type { XmlObject } from "./xml.js";

const ENI_FILTERS: FilterFields<NetworkInterfaceView> = {
  "addresses.private-ip-address": (e) => e.privateIpAddresses.map((ip) => ip.privateIpAddress),
  "addresses.primary": (e) => e.privateIpAddresses.map((ip) => String(ip.primary)),
  "private-ip-address": (e) => [e.privateIpAddress],
  "vpc-id": (e) => [e.vpcId],
  "subnet-id": (e) => [e.subnetId],
  "network-interface-id": (e) => [e.networkInterfaceId],
  "attachment.instance-id": (e) => (e.attachment ? [e.attachment.instanceId] : []),
  "availability-zone": (e) => [e.availabilityZone],
  status: (e) => [e.status],
  "source-dest-check": (e) => [String(e.sourceDestCheck)],
};

const INSTANCE_FILTERS: FilterFields<InstanceView> = {
  "instance-id": (i) => [i.instanceId],
  "vpc-id": (i) => (i.vpcId ? [i.vpcId] : []),
  "subnet-id": (i) => (i.subnetId ? [i.subnetId] : []),
  "instance-state-name": (i) => [i.state],
  "private-ip-address": (i) => (i.privateIpAddress ? [i.privateIpAddress] : []),
  "network-interface.network-interface-id": (i) => i.networkInterfaces.map((e) => e.networkInterfaceId),
  "network-interface.addresses.private-ip-address": (i) =>
    i.networkInterfaces.flatMap((e) => e.privateIpAddresses.map((ip) => ip.privateIpAddress)),
};

const SUBNET_FILTERS: FilterFields<SubnetView> = {
  "subnet-id": (s) => [s.subnetId],
  "vpc-id": (s) => [s.vpcId],
  "cidr-block": (s) => [s.cidrBlock],
  "availability-zone": (s) => [s.availabilityZone],
};

function eniXml(eni: NetworkInterfaceView): XmlObject {
  return {
    networkInterfaceId: eni.networkInterfaceId,
    subnetId: eni.subnetId,
    vpcId: eni.vpcId,
    availabilityZone: eni.availabilityZone,
    description: eni.description,
    ownerId: eni.ownerId,
    requesterManaged: false,
    status: eni.status,
    privateIpAddress: eni.privateIpAddress,
    sourceDestCheck: eni.sourceDestCheck,
    groupSet: [],
    attachment: eni.attachment
      ? {
          attachmentId: eni.attachment.attachmentId,
          instanceId: eni.attachment.instanceId,
          instanceOwnerId: eni.ownerId,
          deviceIndex: eni.attachment.deviceIndex,
          status: eni.attachment.status,
          deleteOnTermination: eni.attachment.deviceIndex === 0,
        }
      : undefined,
    privateIpAddressesSet: privateIpSet(eni),
    interfaceType: "interface",
    tagSet: [],
  };
}

function instanceXml(instance: InstanceView): XmlObject {
  return {
    instanceId: instance.instanceId,
    imageId: "ami-0emulator",
    instanceState: { code: INSTANCE_STATE_CODES[instance.state], name: instance.state },
    instanceType: "t3.micro",
    placement: { availabilityZone: instance.availabilityZone, tenancy: "default" },
    subnetId: instance.subnetId,
    vpcId: instance.vpcId,
    privateIpAddress: instance.privateIpAddress,
    sourceDestCheck: instance.sourceDestCheck,
    networkInterfaceSet: instance.networkInterfaces.map((eni) => ({
      networkInterfaceId: eni.networkInterfaceId,
      subnetId: eni.subnetId,
      vpcId: eni.vpcId,
      description: eni.description,
      ownerId: eni.ownerId,
      status: eni.status,
      privateIpAddress: eni.privateIpAddress,
      sourceDestCheck: eni.sourceDestCheck,
      attachment: eni.attachment
        ? {
            attachmentId: eni.attachment.attachmentId,
            deviceIndex: eni.attachment.deviceIndex,
            status: eni.attachment.status,
            deleteOnTermination: eni.attachment.deviceIndex === 0,
          }
        : undefined,
      privateIpAddressesSet: privateIpSet(eni),
    })),
  };
}

/** DescribeNetworkInterfaces: `NetworkInterfaceId.N`, `Filter.N`, `MaxResults` 5..1000, `NextToken`. */
export const describeNetworkInterfaces: ActionHandler = (world, params) => {
  const ids = listParam(params, "NetworkInterfaceId");
  world.requireIds("networkInterface", ids);
  const maxResults = maxResultsParam(params, 5, 1000);
  let enis = world.networkInterfaces();
  if (ids.length > 0) enis = enis.filter((e) => ids.includes(e.networkInterfaceId));
  enis = applyFilters(enis, filtersParam(params), ENI_FILTERS);
  const page = paginate(enis, "DescribeNetworkInterfaces", maxResults, optionalParam(params, "NextToken"));
  return { networkInterfaceSet: page.items.map(eniXml), nextToken: page.nextToken };
};

/**
 * DescribeInstances: `InstanceId.N`, `Filter.N`, `MaxResults` 5..1000 (not together with ids), `NextToken`.
 * One reservation per instance.
 */
export const describeInstances: ActionHandler = (world, params) => {
  const ids = listParam(params, "InstanceId");
  world.requireIds("instance", ids);
  const maxResults = maxResultsParam(params, 5, 1000);
  if (maxResults !== undefined && ids.length > 0) {
    throw clientError(
      "InvalidParameterCombination",
      "The parameter instancesSet cannot be used with the parameter maxResults",
    );
  }
  let instances = world.instanceViews();
  if (ids.length > 0) instances = instances.filter((i) => ids.includes(i.instanceId));
  instances = applyFilters(instances, filtersParam(params), INSTANCE_FILTERS);
  const page = paginate(instances, "DescribeInstances", maxResults, optionalParam(params, "NextToken"));
  return {
    reservationSet: page.items.map((instance) => ({
      reservationId: `r-${instance.instanceId.replace(/^i-/, "")}`,
      ownerId: world.accountId,
      groupSet: [],
      instancesSet: [instanceXml(instance)],
    })),
    nextToken: page.nextToken,
  };
};

/** ModifyNetworkInterfaceAttribute: `SourceDestCheck.Value` and/or `Description.Value`. */
export const modifyNetworkInterfaceAttribute: ActionHandler = (world, params) => {
  const networkInterfaceId = requiredParam(params, "NetworkInterfaceId");
  const sourceDestCheck = booleanParam(params, "SourceDestCheck.Value");
  const description = optionalParam(params, "Description.Value");
  if (sourceDestCheck === undefined && description === undefined) {
    throw clientError("MissingParameter", "The request must contain exactly one attribute to modify");
  }
  world.modifyNetworkInterface(networkInterfaceId, {
    ...(sourceDestCheck !== undefined ? { sourceDestCheck } : {}),
    ...(description !== undefined ? { description } : {}),
  });
  return { return: true };
};

/** DescribeSubnets: `SubnetId.N`, `Filter.N`, `MaxResults` 5..1000, `NextToken`. */
export const describeSubnets: ActionHandler = (world, params) => {
  const ids = listParam(params, "SubnetId");
  world.requireIds("subnet", ids);
  const maxResults = maxResultsParam(params, 5, 1000);
  let subnets = world.subnetViews();
  if (ids.length > 0) subnets = subnets.filter((s) => ids.includes(s.subnetId));
  subnets = applyFilters(subnets, filtersParam(params), SUBNET_FILTERS);
  const page = paginate(subnets, "DescribeSubnets", maxResults, optionalParam(params, "NextToken"));
  return {
    subnetSet: page.items.map((subnet) => ({
      subnetId: subnet.subnetId,
      state: "available",
      vpcId: subnet.vpcId,
      cidrBlock: subnet.cidrBlock,
      availableIpAddressCount: subnet.availableIpAddressCount,
      availabilityZone: subnet.availabilityZone,
      defaultForAz: false,
      mapPublicIpOnLaunch: false,
    })),
    nextToken: page.nextToken,
  };
};

/** An ENI's `privateIpAddressesSet`, as both DescribeNetworkInterfaces and DescribeInstances show it. */
function privateIpSet(eni: {
  readonly privateIpAddresses: readonly { privateIpAddress: string; primary: boolean }[];
}) {
  return eni.privateIpAddresses.map((ip) => ({ privateIpAddress: ip.privateIpAddress, primary: ip.primary }));
}
