/**
 * The etcd key layout of one vpcrouter cluster (docs/DESIGN.md section 3 "etcd key layout"). Every key lives
 * under one prefix (default `/vpcrouter`), one prefix per VPC.
 */
export interface ClusterKeys {
  /** The whole cluster's keyspace, ending in "/": one range read returns the full state. */
  readonly root: string;
  /** The operator's route spec (permanent). */
  readonly spec: string;
  /** Election keys `<prefix>/election/<lease id hex>`, each bound to its candidate's lease. */
  readonly electionPrefix: string;
  readonly membersPrefix: string;
  readonly votesPrefix: string;
  /** The leader's status record (permanent). */
  readonly status: string;
  /** The CIDRs this cluster manages (permanent, written by the leader). */
  readonly managed: string;
  /** The last good spec (permanent, written by the leader). */
  readonly lastGoodSpec: string;
  /** The operator's maintenance pause (permanent while it lasts; `vpcrouter pause`/`resume`). */
  readonly pause: string;
  /** The operator's switchover request (bound to a short lease; `vpcrouter switchover`). */
  readonly switchover: string;
  member(replicaId: string): string;
  vote(replicaId: string): string;
  election(leaseIdHex: string): string;
}

/**
 * Builds the key layout for `prefix`.
 * @param prefix starts with "/" and has no trailing "/" (validated by the config schema).
 */
export function clusterKeys(prefix: string): ClusterKeys {
  const root = `${prefix}/`;
  const membersPrefix = `${root}members/`;
  const votesPrefix = `${root}votes/`;
  const electionPrefix = `${root}election/`;
  return {
    root,
    spec: `${root}spec`,
    electionPrefix,
    membersPrefix,
    votesPrefix,
    status: `${root}status`,
    managed: `${root}managed`,
    lastGoodSpec: `${root}last-good-spec`,
    pause: `${root}pause`,
    switchover: `${root}switchover`,
    member: (replicaId) => `${membersPrefix}${replicaId}`,
    vote: (replicaId) => `${votesPrefix}${replicaId}`,
    election: (leaseIdHex) => `${electionPrefix}${leaseIdHex}`,
  };
}
