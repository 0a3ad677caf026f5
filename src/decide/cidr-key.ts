import { parseIpv4Cidr } from "../route-spec/cidr.js";

/**
 * The canonical text of a CIDR for comparisons (`" 10.0.0.0/8"` → `"10.0.0.0/8"`); text that is not
 * a valid IPv4 CIDR is compared as written (trimmed). Lets the planner match spec keys, EC2 route
 * destinations, managed CIDRs and `ignore_routes` without caring who wrote them how.
 */
export function cidrKey(text: string): string {
  const parsed = parseIpv4Cidr(text);
  return parsed.ok ? parsed.cidr.text : text.trim();
}
