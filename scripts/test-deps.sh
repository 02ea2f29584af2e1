#!/usr/bin/env bash
# Runs before `npm test` (its pretest): the system tools the tests drive, installed from Debian's
# packages where missing, so a machine that has them does not touch the network.
#   util-linux (setpriv, unshare, setsid: job containment), procps (pgrep), python3 (a job that
#   calls setpgid), bash (job control for Ctrl+Z tests), coreutils (stty), git (what a phase
#   changed, shown at approval, comes from git snapshots of the workspace), chromium (the
#   dashboard's tests drive Debian's Chromium headless through playwright-core: nothing downloads
#   a browser), redis-server (the queue's tests start their own on a free 127.0.0.1 port).
# Without root (or apt-get), it names what to install and stops.
set -euo pipefail
missing=()
for tool in setpriv:util-linux unshare:util-linux setsid:util-linux pgrep:procps python3:python3 bash:bash stty:coreutils git:git chromium:chromium redis-server:redis-server; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need these Debian packages: ${missing[*]}. Install them (sudo apt-get install ${missing[*]}) and run the tests again." >&2
  exit 1
fi
echo "Installing what the tests need: ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
