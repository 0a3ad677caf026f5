#!/usr/bin/env bash
# Installs what vpcrouter's tests and demo need on a fresh Debian machine (run as root):
# etcd server and client, iproute2 (network namespaces), faketime, chromium, keepalived and aws-cli
# (the benchmark beside keepalived), a C++ toolchain for raw-socket,
# and the npm packages (npm ci) when node_modules is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
# libfaketime: the fault suite's wall-clock jumps (test/faults/clock-jumps.test.ts).
command -v faketime >/dev/null 2>&1 || missing+=(faketime)
# Debian's Chromium: the status page's browser test (test/integration/status-page.test.ts).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# keepalived and aws-cli: the benchmark beside keepalived (bench/keepalived.ts; npm test runs it --quick).
command -v keepalived >/dev/null 2>&1 || missing+=(keepalived)
command -v aws >/dev/null 2>&1 || missing+=(awscli)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
