# syntax=docker/dockerfile:1
#
# vpcrouter container image: Node.js 22 LTS (bookworm-slim), non-root, one privilege.
#
#   docker build -t vpcrouter .
#   docker run --cap-drop ALL --cap-add NET_RAW \
#     -e VPCROUTER_ETCD_ENDPOINTS=etcd-a:2379,etcd-b:2379,etcd-c:2379 vpcrouter
#
# Privileges: the only capability needed is CAP_NET_RAW (the icmpecho probe opens a raw ICMP
# socket). Container runtimes do not pass added capabilities to a non-root user's effective set
# (kubernetes/kubernetes#56374: no ambient capabilities), so the node binary carries the file
# capability cap_net_raw+ep. Consequences:
#   - NET_RAW must stay in the container's capability set (--cap-add NET_RAW after --cap-drop ALL),
#     otherwise the kernel refuses to exec node at all ("operation not permitted");
#   - no-new-privileges (docker --security-opt no-new-privileges, Kubernetes
#     allowPrivilegeEscalation: false) disables file capabilities: the icmpecho probe then fails.
#     With --health tcp neither is needed.
# The image is dedicated to vpcrouter, so the capability on its node binary grants nothing to
# other programs (on a host, prefer systemd's AmbientCapabilities: deploy/systemd/).

ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: compile TypeScript and the raw-socket native addon ------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# raw-socket is a node-gyp addon: it needs python3, make and a C++ compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# The API listens on loopback unless configured (api.address / VPCROUTER_API_ADDRESS): whoever can
# write to it can move the VPC's routes. Off loopback, writes need api.tokenFile (deploy/README.md,
# "Who may change the routes"); the Kubernetes ConfigMap sets 0.0.0.0 with a token from a Secret.
ENV NODE_ENV=production
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcap2-bin \
 && setcap cap_net_raw+ep "$(readlink -f "$(command -v node)")" \
 && apt-get purge -y libcap2-bin \
 && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
# The base image's unprivileged "node" user (uid 1000); numeric so runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 33289
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.VPCROUTER_API_PORT || 33289}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["run"]
