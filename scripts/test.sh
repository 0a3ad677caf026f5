#!/usr/bin/env bash
# The test command (README: `npm test`): set-up, lint and format check, type check, then every
# unit and integration test in one run of Node's test runner, which ends with the pass/fail count.
# Integration tests start real etcd, the EC2 emulator and router network namespaces: run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== lint (biome)"
npx biome check .
echo "== typecheck (tsc)"
npx tsc -p tsconfig.json --noEmit

echo "== tests"
# Two files at a time: each integration file brings its own etcd, emulator and namespaces. The
# example plugins' own tests run too (each is also `npm test` in its folder).
exec node --import tsx --test --test-concurrency=2 --test-timeout=300000 --test-reporter=spec \
  test/unit/*.test.ts test/integration/*.test.ts test/faults/*.test.ts test/bench/*.test.ts \
  examples/plugins/*/test/*.test.js
