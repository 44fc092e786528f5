#!/usr/bin/env bash
# The test command: installs what the tests need, builds, runs every test project.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dotnet build Platform.sln -c Release --nologo -v minimal
dotnet test Platform.sln -c Release --no-build --nologo -v minimal "$@"
