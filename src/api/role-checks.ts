/**
 * `GET /leader` and `GET /replica`: answers by HTTP status alone, for load balancers and scripts
 * (as Patroni's REST API: https://patroni.readthedocs.io/en/latest/rest_api.html#health-check-endpoints).
 */
import type { FastifyReply } from "fastify";

/** What a replica says of its role, for the role checks. */
export interface RoleView {
  /** `starting` until the replica emitted its first state. */
  readonly role: "leader" | "follower" | "connecting" | "starting";
  /** Joined the cluster and read its state. */
  readonly ready: boolean;
  /** The leader the cluster state names, if any: replica id and term (the election key's create revision). */
  readonly leader: { readonly id: string; readonly term: string } | null;
}

/**
 * The handlers of the two checks. Both answer `{ role, ready, leader }`:
 * - `leader` (`GET /leader`): 200 when this replica leads, else 503;
 * - `replica` (`GET /replica`): 200 when this replica is a ready follower, else 503.
 * @param roleView - read at every request (from memory: it answers while etcd does not).
 */
export function roleCheckHandlers(roleView: () => RoleView) {
  const answer = (reply: FastifyReply, passes: (view: RoleView) => boolean) => {
    const view = roleView();
    return reply.code(passes(view) ? 200 : 503).send(view);
  };
  return {
    leader: async (_request: unknown, reply: FastifyReply) => answer(reply, (view) => view.role === "leader"),
    replica: async (_request: unknown, reply: FastifyReply) =>
      answer(reply, (view) => view.role === "follower" && view.ready),
  };
}
