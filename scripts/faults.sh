#!/usr/bin/env bash
# The fault-injection suite (test/faults/), long run: every scenario with its long trial counts
# (VPCROUTER_FAULT_LONG=1: 100 leader freezes, 20 kills, 3 rounds of etcd restarts, …), one file at
# a time (no CPU contention between scenarios that measure time).
#
#   npm run test:faults                 # long run, pass/fail count at the end
#   npm run test:faults -- --report     # long run, then docs/RELIABILITY.md from the scenarios' records
#   npm run test:faults -- --report --short   # the short run (as in npm test), with a report
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

report=0
export VPCROUTER_FAULT_LONG=1
for arg in "$@"; do
  case "$arg" in
    --report) report=1 ;;
    --short) unset VPCROUTER_FAULT_LONG ;;
    *) echo "faults: unknown argument $arg" >&2; exit 2 ;;
  esac
done

records=".tmp/faults-report"
if [ "$report" -eq 1 ]; then
  rm -rf "$records"
  export VPCROUTER_FAULT_REPORT_DIR="$records"
fi

set +e
node --import tsx --test --test-concurrency=1 --test-timeout=7200000 --test-reporter=spec test/faults/*.test.ts
status=$?
set -e

if [ "$report" -eq 1 ]; then
  how="npm run test:faults -- --report${VPCROUTER_FAULT_LONG:+}"
  [ -z "${VPCROUTER_FAULT_LONG:-}" ] && how="npm run test:faults -- --report --short"
  node --import tsx scripts/fault-report.ts "$records" docs/RELIABILITY.md "$how"
  npx biome format --write docs/RELIABILITY.md >/dev/null
fi
exit "$status"
