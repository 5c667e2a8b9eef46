#!/usr/bin/env bash
# The include direction of host/: util < data, model, plugins < sweep < store < isolation, analysis < cli
# (main.cpp on top). A file may include its own folder and any lower layer, never a higher one or a
# sibling of its layer; so the tree has no include cycle between folders.
# usage: layers.sh HOST_DIR
set -uo pipefail
host=$1
rank() {
  case $1 in
    util) echo 0 ;; data | model | plugins) echo 1 ;; sweep) echo 2 ;; store) echo 3 ;;
    isolation | analysis) echo 4 ;; cli) echo 5 ;; *) echo 99 ;;
  esac
}
fail=0 seen=0
while IFS= read -r line; do
  file=${line%%:*}
  from=$(basename "$(dirname "$file")")
  to=${line#*\"}; to=${to%%/*}
  [[ $from == "$to" ]] && continue
  seen=$((seen + 1))
  rf=$(rank "$from") rt=$(rank "$to")
  if [[ $rt == 99 || $rf == 99 ]]; then echo "FAIL: $file: unknown layer in: $line"; fail=1; continue; fi
  if ((rt >= rf)); then echo "FAIL: ${file#"$host"/} ($from) includes $to: ${line#*:}"; fail=1; fi
done < <(grep -H '^#include "[a-z]*/' "$host"/*/*.cpp "$host"/*/*.hpp)
[[ $seen -gt 10 ]] || { echo "FAIL: only $seen cross-folder includes found in $host"; fail=1; }
[[ $fail == 0 ]] && echo "$seen cross-folder includes, all downward"
exit $fail
