#!/usr/bin/env bash
# CI's sanitizer runs: every test under AddressSanitizer + UBSan, and the parallel engine's tests
# under ThreadSanitizer. Five tests are left out of the ASan run on purpose: `isolation` and
# `run_summary` inject segfaults, aborts and a 1 TiB allocation (the sanitizer would report the
# injected faults themselves), `kill_resume` and `external_kill` SIGKILL the run or its worker;
# all exercise process-level recovery, which the Release run covers. So does `slurm` (jobs on the
# local cluster and a requeue), left out for its minute of waiting on the scheduler.
# usage: scripts/sanitizers.sh [address|thread|all]
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
jobs=$(nproc)
if [[ $which == address || $which == all ]]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOSSBENCH_SANITIZE=address >/dev/null
  cmake --build build-asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -E '^(isolation|kill_resume|external_kill|run_summary|slurm)$'
fi
if [[ $which == thread || $which == all ]]; then
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOSSBENCH_SANITIZE=thread >/dev/null
  cmake --build build-tsan -j "$jobs" --target lossbench_tests builtin_plugins lossbench
  TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" \
    ctest --test-dir build-tsan --output-on-failure -R '^sweep$'
fi
