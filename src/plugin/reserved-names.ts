/** The names vpcrouter gives meaning to that are no plugin of either kind. */

/** Spec modes without a source: the operator writes `<prefix>/spec` (etcdctl, `vpcrouter spec put`, POST /route_spec). */
export const OPERATOR_MODES: readonly string[] = ["etcd", "http"];

/** The health check that combines others (`probe.multiPlugins`). */
export const MULTI = "multi";

/** Each reserved name and what it is instead, for messages; no plugin may take one of them. */
export const RESERVED_NAMES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(OPERATOR_MODES.map((mode) => [mode, "a spec mode without a source"])),
  [MULTI]: "the health check that combines others",
};
