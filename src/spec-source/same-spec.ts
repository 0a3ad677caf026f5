/**
 * Comparing two route specs by what they route, not by their text. Pure.
 */
import type { RouteSpec } from "../route-spec/route-spec.js";

/**
 * True when two validated specs route the same: the same CIDRs (in any order, since a JSON object's
 * member order carries no meaning) each with the same routers in the same order (the order is the
 * operator's preference). Compares parsed specs, not text, so reformatting a file is no change.
 */
export function sameRouteSpec(a: RouteSpec, b: RouteSpec): boolean {
  const cidrs = Object.keys(a);
  if (cidrs.length !== Object.keys(b).length) return false;
  return cidrs.every((cidr) => {
    const left = a[cidr];
    const right = Object.hasOwn(b, cidr) ? b[cidr] : undefined;
    return (
      left !== undefined &&
      right !== undefined &&
      left.length === right.length &&
      left.every((ip, index) => ip === right[index])
    );
  });
}
