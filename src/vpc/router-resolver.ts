/**
 * Resolving router IPs (private IPv4 addresses from the route spec) to the ENIs that own them, with
 * `DescribeNetworkInterfaces` filtered by `addresses.private-ip-address` (primary and secondary
 * addresses) and `vpc-id`. Results are cached per IP; unresolved IPs are not cached, so an ENI that
 * appears later is found on the next call.
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html
 */
import { DescribeNetworkInterfacesCommand, type EC2Client, type NetworkInterface } from "@aws-sdk/client-ec2";
import type { RouterEni } from "../domain/route-table.js";
import type { Ec2Policy } from "./ec2-policy.js";

/** Options of {@link RouterResolver}. */
export interface RouterResolverOptions {
  /** How long (ms) a resolved IP is trusted before it is looked up again; default 60 000. */
  readonly cacheTtlMs?: number;
  /** Monotonic clock in ms; default `performance.now` (a wall-clock step must not age the cache). */
  readonly now?: () => number;
}

/** EC2 accepts at most 200 values per filter. Source: DescribeNetworkInterfaces "Filter" docs. */
const MAX_FILTER_VALUES = 200;
/** Page size for DescribeNetworkInterfaces (EC2 allows 5..1000). */
const PAGE_SIZE = 1000;

/** Every (ip → RouterEni) pair an ENI offers among the wanted IPs. */
function enisByIp(eni: NetworkInterface, wanted: ReadonlySet<string>): RouterEni[] {
  if (!eni.NetworkInterfaceId) return [];
  const ips = new Set<string>();
  for (const address of eni.PrivateIpAddresses ?? []) {
    if (address.PrivateIpAddress) ips.add(address.PrivateIpAddress);
  }
  if (eni.PrivateIpAddress) ips.add(eni.PrivateIpAddress);
  return [...ips]
    .filter((ip) => wanted.has(ip))
    .map((ip) => ({
      ip,
      networkInterfaceId: eni.NetworkInterfaceId as string,
      ...(eni.Attachment?.InstanceId ? { instanceId: eni.Attachment.InstanceId } : {}),
      ...(eni.SubnetId ? { subnetId: eni.SubnetId } : {}),
      ...(eni.SourceDestCheck !== undefined ? { sourceDestCheck: eni.SourceDestCheck } : {}),
    }));
}

/** Resolves router IPs to ENIs in one VPC, with a per-IP cache. */
export class RouterResolver {
  private readonly cache = new Map<string, { eni: RouterEni; expiresAt: number }>();
  private readonly cacheTtlMs: number;
  private readonly now: () => number;

  /**
   * @param client EC2 client
   * @param policy the EC2 policy (action `DescribeNetworkInterfaces`)
   * @param vpcId only ENIs of this VPC are considered
   */
  constructor(
    private readonly client: EC2Client,
    private readonly policy: Ec2Policy,
    private readonly vpcId: string,
    options: RouterResolverOptions = {},
  ) {
    this.cacheTtlMs = options.cacheTtlMs ?? 60_000;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Resolves `ips`: the routers of the spec in force. Cached, unexpired IPs make no call; IPs that
   * are no longer asked for leave the cache (it never outgrows the spec). IPs that no ENI of the VPC
   * owns are absent from the result.
   * @returns ip → ENI for every resolved IP
   * @throws whatever the policy throws for a lookup (the cache keeps what it had)
   */
  async resolve(ips: readonly string[]): Promise<ReadonlyMap<string, RouterEni>> {
    const now = this.now();
    const wanted = new Set(ips);
    for (const ip of [...this.cache.keys()]) if (!wanted.has(ip)) this.cache.delete(ip);
    const result = new Map<string, RouterEni>();
    const missing: string[] = [];
    for (const ip of wanted) {
      const cached = this.cache.get(ip);
      if (cached && cached.expiresAt > now) result.set(ip, cached.eni);
      else missing.push(ip);
    }
    for (let start = 0; start < missing.length; start += MAX_FILTER_VALUES) {
      const chunk = missing.slice(start, start + MAX_FILTER_VALUES);
      for (const eni of await this.lookUp(chunk)) {
        if (result.has(eni.ip)) continue;
        result.set(eni.ip, eni);
        this.cache.set(eni.ip, { eni, expiresAt: this.now() + this.cacheTtlMs });
      }
    }
    return result;
  }

  /** Forgets one IP (or every IP), e.g. after EC2 said its ENI no longer exists. */
  invalidate(ip?: string): void {
    if (ip === undefined) this.cache.clear();
    else this.cache.delete(ip);
  }

  private async lookUp(ips: readonly string[]): Promise<RouterEni[]> {
    const wanted = new Set(ips);
    const found: RouterEni[] = [];
    let nextToken: string | undefined;
    do {
      const command = new DescribeNetworkInterfacesCommand({
        Filters: [
          { Name: "addresses.private-ip-address", Values: [...ips] },
          { Name: "vpc-id", Values: [this.vpcId] },
        ],
        MaxResults: PAGE_SIZE,
        ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
      });
      const reply = await this.policy.execute("DescribeNetworkInterfaces", (signal) =>
        this.client.send(command, { abortSignal: signal }),
      );
      for (const eni of reply.NetworkInterfaces ?? []) found.push(...enisByIp(eni, wanted));
      nextToken = reply.NextToken || undefined;
    } while (nextToken !== undefined);
    return found;
  }
}
