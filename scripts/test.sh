#!/usr/bin/env bash
# The test command: installs what the tests need, builds, runs every test project.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dotnet build Platform.sln -c Release --nologo -v minimal
# The digits are fetched into an empty cache, as on a fresh machine, so a fetch that only works once the cache exists
# fails here rather than hiding on every machine that ran the suite before. A caller's LETHE_CACHE is kept.
if [[ -z "${LETHE_CACHE:-}" ]]; then
    LETHE_CACHE="$(mktemp -d "${TMPDIR:-/tmp}/lethe-test-cache.XXXXXX")"
    export LETHE_CACHE
    trap 'rm -rf "$LETHE_CACHE"' EXIT
fi
# One test project at a time: the cluster, Prometheus and CLI tests start processes of their own, and on two cores
# running them side by side turns scheduling delays into timeouts.
dotnet test Platform.sln -c Release --no-build --nologo -v minimal -m:1 "$@"
