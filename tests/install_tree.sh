#!/usr/bin/env bash
# An installed lossbench stands on its own: installed into one prefix, moved to another and run
# from an unrelated folder, it reads the datasets and plugins of the moved prefix (not the source
# tree's or the build's) and runs the shipped quick sweep.
# usage: install_tree.sh BUILD_DIR
set -uo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
unset LOSSBENCH_PLUGIN_PATH LOSSBENCH_DATA_DIR
cmake --install "$build" --prefix "$work/first" >/dev/null || { echo "FAIL: cmake --install"; exit 1; }
for f in bin/lossbench lib/lossbench/plugins/mse.so lib/lossbench/plugins/adam.so share/lossbench/datasets/iris.csv \
  share/lossbench/datasets/SOURCES.md share/lossbench/sweeps/quick.ini include/lossbench/sdk.hpp \
  lib/cmake/lossbench_sdk/lossbench_sdkConfig.cmake share/bash-completion/completions/lossbench; do
  [[ -f $work/first/$f ]] || bad "not installed: $f"
done
mv "$work/first" "$work/moved"
P=$work/moved lb=$work/moved/bin/lossbench
mkdir "$work/elsewhere" && cd "$work/elsewhere"

head=$("$lb" datasets | head -1)
[[ $head == "shipped ($P/share/lossbench/datasets, see SOURCES.md)" ]] || bad "datasets read from: $head"
"$lb" datasets --format csv | grep -q "^iris,shipped,multiclass,,\"150 rows x 4 features, 3 classes\"" ||
  bad "datasets: $("$lb" datasets --format csv | head -3)"
paths=$("$lb" plugins --format csv | python3 -c 'import csv, sys; print("\n".join(r["path"] for r in csv.DictReader(sys.stdin)))')
want=$(ls "$build"/plugins/*.so | wc -l)
[[ $(grep -c "^$P/lib/lossbench/plugins/[a-z0-9_]*\.so$" <<<"$paths") == "$want" && $(wc -l <<<"$paths") == "$want" ]] ||
  bad "plugins loaded from (want $want in $P/lib/lossbench/plugins): $paths"

quick=(run --config "$P/share/lossbench/sweeps/quick.ini" --epochs 1 --seeds 0 --lr 0.1 --db "$work/q.db")
# The trials the build's own lossbench plans for the source tree's quick.ini: the install must run
# the same sweep.
n=$("$build/lossbench" run --config "$(dirname "$0")/../sweeps/quick.ini" --epochs 1 --seeds 0 --lr 0.1 \
  --db "$work/plan.db" --dry-run 2>/dev/null | sed -n 's/^ *= \([0-9]*\) trials.*/\1/p')
[[ -n $n && $n -gt 50 ]] || bad "the build's dry run of quick.ini planned '$n' trials"
"$lb" "${quick[@]}" --quiet >"$work/run.out" 2>&1 || bad "quick sweep from the moved prefix: $(cat "$work/run.out")"
got=$(sqlite3 "$work/q.db" "SELECT count(DISTINCT dataset), count(*), sum(status = 'done') FROM trials")
[[ $got == "5|$n|"* && ${got##*|} -ge $((n - 10)) ]] || bad "quick sweep: datasets|trials|done = $got (want 5|$n|...)"
[[ $fail == 0 ]] && echo "install_tree: a moved install lists its own datasets and plugins and runs quick.ini"
exit $fail
