#!/usr/bin/env bash
# Installs the public tools the benchmarks use (Debian packages: the throughput baselines and the
# dashboard benchmark's browser), and builds jobline. Needs root for apt-get (as on this project's machines).
set -euo pipefail
missing=()
command -v parallel >/dev/null || missing+=(parallel)
command -v tsp >/dev/null || missing+=(task-spooler)
# The dashboard benchmark drives Debian's Chromium (nothing downloads a browser).
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
