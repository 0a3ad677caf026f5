/**
 * Exit codes of the `vpcrouter` command (documented in `vpcrouter --help`).
 */
export const EXIT = {
  /** Normal end: the command did its job, or the daemon stopped on request. */
  ok: 0,
  /** Runtime failure: etcd or the status API unreachable, no spec stored, the daemon failed. */
  failure: 1,
  /** Bad usage or bad input: unknown flag, invalid configuration, invalid spec. */
  usage: 2,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
