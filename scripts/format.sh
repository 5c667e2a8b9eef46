#!/usr/bin/env bash
# clang-format (the style in .clang-format) over every tracked C++ and C file.
# usage: scripts/format.sh [--check]   (--check changes nothing and fails on any file it would change)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || scripts/install-deps.sh --dev
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.c')
if [[ ${1:-} == --check ]]; then
  clang-format --dry-run -Werror "${files[@]}"
  echo "format: ${#files[@]} files as clang-format leaves them"
else
  clang-format -i "${files[@]}"
fi
