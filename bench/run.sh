#!/usr/bin/env bash
# Builds lossbench Release in build-bench/ (with -march=native: LOSSBENCH_NATIVE=ON) and runs the
# benchmark. PyTorch is timed beside it when /usr/bin/python3 has torch (apt-get install
# python3-torch). Prints every figure as a ratio to a baseline measured in the same run; raw
# numbers go to bench/out/bench.json.
# usage: bench/run.sh [--quick] [--no-torch]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DLOSSBENCH_NATIVE=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build-bench -j "$(nproc)" --target lossbench lossbench_bench builtin_plugins
exec build-bench/lossbench_bench --out bench/out "$@"
