#!/usr/bin/env bash
# `npm run demo [-- --keep]`: a real failover on this machine (needs root for network namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node --import tsx scripts/demo.ts "$@"
