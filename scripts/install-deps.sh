#!/usr/bin/env bash
# Installs the Debian packages lossbench builds with, and nothing when they are all present.
# Usage: scripts/install-deps.sh [--test|--dev]
#   --test adds what the tests use beyond the build: Python 3 (formats, top_rank read csv and json
#          with it) and Chromium, in which report_browser renders `lossbench report`'s page
#   --dev  adds, to those, what the fuzzers, sanitizer builds and the format check use, and Slurm
#          with munge for the `slurm` test's single-node cluster (scripts/slurm-local.sh)
set -euo pipefail

pkgs=(build-essential cmake libboost-dev libboost-program-options-dev libtbb-dev libeigen3-dev
      libsqlite3-dev sqlite3 catch2)
case "${1:-}" in
  --test) pkgs+=(python3 chromium) ;;
  --dev)
    pkgs+=(python3 chromium clang libclang-rt-14-dev clang-format slurmctld slurmd slurm-client
           munge) ;;
  "") ;;
  *) echo "usage: scripts/install-deps.sh [--test|--dev]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "lossbench: installing missing packages: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "lossbench: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
