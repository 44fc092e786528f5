#!/usr/bin/env bash
# The test command: installs what the tests need, builds, runs every test project.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dotnet build Platform.sln -c Release --nologo -v minimal
# One test project at a time: the cluster, Prometheus and CLI tests start processes of their own, and on two cores
# running them side by side turns scheduling delays into timeouts.
dotnet test Platform.sln -c Release --no-build --nologo -v minimal -m:1 "$@"
