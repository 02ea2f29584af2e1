#!/usr/bin/env bash
# Installs the public tools the throughput benchmark compares against (Debian packages), and
# builds jobline. Needs root for apt-get (as on this project's machines).
set -euo pipefail
missing=()
command -v parallel >/dev/null || missing+=(parallel)
command -v tsp >/dev/null || missing+=(task-spooler)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
