#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for SECONDS (default 20)
# on its corpus in tests/fuzz/corpus/. New interesting inputs go to a scratch folder, so the
# committed corpus only changes when you copy them in. A crash leaves its input in build-fuzz/.
# usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
scripts/install-deps.sh --dev
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOSSBENCH_FUZZ=ON \
  -DBUILD_TESTING=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target fuzz_csv fuzz_libsvm fuzz_spec fuzz_ini fuzz_cli
for t in csv libsvm spec ini cli; do
  scratch=$(mktemp -d)
  echo "fuzz_$t: ${seconds}s"
  (cd build-fuzz/tests/fuzz && ./fuzz_$t -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=0 \
     "$scratch" "../../../tests/fuzz/corpus/$t" 2>&1 | tail -n 30)
  rm -rf "$scratch"
done
