/** Which spec modes take the operator's writes of the spec key, and why the others refuse them. */
import type { VpcrouterConfig } from "../config/schema.js";

/**
 * Why an operator's write of `<prefix>/spec` (`POST /route_spec`, `vpcrouter spec put`) is refused
 * in a spec mode whose spec does not come from etcd, if it is: the leader would overwrite it with
 * its source's spec.
 */
export function specWriteRefusal(spec: Pick<VpcrouterConfig["spec"], "mode" | "file">): string | undefined {
  switch (spec.mode) {
    case "configfile":
      return `the route spec comes from the file ${spec.file} (spec.mode configfile): edit the file instead`;
    case "fixedconf":
      return "the route spec is fixed by the configuration (spec.mode fixedconf: spec.fixedCidr, spec.fixedHosts)";
    case "etcd":
    case "http":
      return undefined;
    default:
      return `the route spec comes from the spec-source plugin ${spec.mode} (spec.mode): change it at its source`;
  }
}
