#!/usr/bin/env bash
# Installs the SDK into a scratch prefix, builds sdk/examples/my_loss as a separate CMake project
# against it, then has the host load, list, check and run the result.
# usage: sdk_out_of_tree.sh SOURCE_DIR BUILD_DIR LOSSBENCH
set -euo pipefail
src=$1 build=$2 lossbench=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" --component Unspecified >/dev/null
test -f "$work/prefix/include/lossbench/sdk.hpp"
test -f "$work/prefix/lib/cmake/lossbench_sdk/lossbench_sdkConfig.cmake"

cmake -S "$src/sdk/examples/my_loss" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" >/dev/null
test -f "$work/build/cauchy.so"

"$lossbench" plugins --plugin-dir "$work/build" > "$work/plugins.txt"
grep -q "cauchy .*regression" "$work/plugins.txt"
grep -q "$work/build/cauchy.so" "$work/plugins.txt"
"$lossbench" check "$work/build/cauchy.so" | tee "$work/check.txt"
grep -q "7 of 7 checks pass\|6 of 6 checks pass" "$work/check.txt"
LOSSBENCH_PLUGIN_PATH="$work/build" "$lossbench" check cauchy >/dev/null
echo "out-of-tree plugin built, loaded and checked"
