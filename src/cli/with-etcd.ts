/**
 * The etcd connection of one CLI command (`spec put|get`, `plan`, `pause`, `resume`,
 * `switchover`): a client for the duration of the action, closed after it, an etcd error reported
 * in one line. The etcd client loads lazily, so `--help` and `spec validate` stay fast.
 */
import type { Etcd3 } from "etcd3";
import type { ClusterStore } from "../cluster/cluster-store.js";
import { type ClusterKeys, clusterKeys } from "../cluster/keys.js";
import type { VpcrouterConfig } from "../config/schema.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { type CliIo, describeError } from "./io.js";

/** What an action gets: the client, the cluster's store and key layout. */
export interface EtcdAccess {
  readonly client: Etcd3;
  readonly store: ClusterStore;
  readonly keys: ClusterKeys;
}

/**
 * Runs `action` with an etcd client for `config.etcd`, closed afterwards.
 * @param what - the failure's words, e.g. `"read /vpcrouter/spec from etcd"`; the message is
 *   `vpcrouter: cannot <what> at <endpoints>: <error>`.
 * @returns what `action` returns, or 1 when it throws (an etcd error).
 * @throws what creating the client throws (an unreadable TLS or password file).
 */
export async function withEtcd(
  config: VpcrouterConfig,
  io: CliIo,
  what: string,
  action: (etcd: EtcdAccess) => Promise<ExitCode>,
): Promise<ExitCode> {
  const [{ createEtcdClient }, { ClusterStore }] = await Promise.all([
    import("../cluster/etcd-client.js"),
    import("../cluster/cluster-store.js"),
  ]);
  const keys = clusterKeys(config.etcd.prefix);
  const client = createEtcdClient(config.etcd);
  try {
    return await action({ client, store: new ClusterStore(client, keys), keys });
  } catch (error) {
    io.err(`vpcrouter: cannot ${what} at ${config.etcd.endpoints.join(",")}: ${describeError(error)}`);
    return EXIT.failure;
  } finally {
    client.close();
  }
}
