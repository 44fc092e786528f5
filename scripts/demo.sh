#!/usr/bin/env bash
# The main job: the embedded demo (no servers to start). Installs what it needs, builds, runs `lethe demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v npm >/dev/null || scripts/install-deps.sh
dotnet build client -c Release --nologo -v quiet
dotnet client/bin/Release/net10.0/lethe.dll demo "$@"
