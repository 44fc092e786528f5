#!/usr/bin/env bash
# Installs the tools Lethe's tests and demo use, once: Node/npm (digits), Redis, Prometheus/promtool, yamllint, Azurite.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v npm >/dev/null || need+=(npm)
command -v redis-server >/dev/null || need+=(redis-server)
command -v prometheus >/dev/null || need+=(prometheus)
command -v yamllint >/dev/null || need+=(yamllint)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ ! -x .lethe/tools/node_modules/.bin/azurite-blob ]; then
  echo "Installing Azurite (npm) into .lethe/tools"
  mkdir -p .lethe/tools
  (cd .lethe/tools && npm install --silent --no-audit --no-fund azurite@3 >/dev/null)
fi
