#!/usr/bin/env bash
# `lossbench new` as an author meets it: an installed lossbench writes a loss and an optimizer
# project; each builds against the installed SDK (found without CMAKE_PREFIX_PATH), passes its
# check target (which fails on a wrong gradient) and runs its example sweep against the
# built-ins. Bad names and folders are one-line errors.
# usage: new_plugin.sh BUILD_DIR
set -uo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
unset LOSSBENCH_PLUGIN_PATH LOSSBENCH_DATA_DIR
cmake --install "$build" --prefix "$work/P" >/dev/null || { echo "FAIL: cmake --install"; exit 1; }
lb=$work/P/bin/lossbench
cd "$work"

for kind in loss optimizer; do
  name=my_$kind
  "$lb" new $kind $name >"$work/new.out" 2>&1 || bad "new $kind: $(cat "$work/new.out")"
  for f in CMakeLists.txt $name.cpp $name.ini README.md; do
    [[ -s $name/$f ]] || bad "new $kind: no $name/$f"
  done
  (cd $name && cmake -B build >"$work/cmake.out" 2>&1 && cmake --build build --target check >"$work/check.out" 2>&1) ||
    bad "new $kind: build or check failed: $(cat "$work/cmake.out" "$work/check.out")"
  grep -Eq "^([0-9]+) of \1 checks pass" "$work/check.out" || bad "new $kind: check: $(cat "$work/check.out")"
  (cd $name && "$lb" run --config $name.ini --plugin-dir build --seeds 0 --lr 0.1 --epochs 2 --quiet >"$work/run.out" 2>&1) ||
    bad "new $kind: example sweep: $(cat "$work/run.out")"
  db=$name/results/$name.db
  ours=$(sqlite3 "$db" "SELECT count(*) FROM trials WHERE status = 'done' AND $kind = '$name'")
  theirs=$(sqlite3 "$db" "SELECT count(DISTINCT $kind) FROM trials WHERE status = 'done' AND $kind != '$name'")
  [[ $ours -ge 4 && $theirs -ge 2 ]] || bad "new $kind: $ours trials of $name, $theirs built-ins in $db"
done

# The check target gates: a gradient off by half fails it.
sed -i 's|(2.0 / n)|(3.0 / n)|' my_loss/my_loss.cpp
grep -q "3.0 / n" my_loss/my_loss.cpp || bad "the loss template changed: no '(2.0 / n)' to break"
if cmake --build my_loss/build --target check >"$work/check.out" 2>&1; then bad "check passed a wrong gradient"; fi
grep -q "gradient = finite differences  FAIL" "$work/check.out" || bad "wrong gradient: $(cat "$work/check.out")"

# One line, exit 2, for each bad request.
expect() {  # expect MESSAGE ARGS...
  local want=$1 err rc
  shift
  err=$("$lb" new "$@" 2>&1 >/dev/null); rc=$?
  [[ $rc == 2 && $(wc -l <<<"$err") == 1 && $err == *"$want"* ]] || bad "new $* -> $rc: $err"
}
expect "name 'My-Loss' must match [a-z0-9_]+" loss My-Loss
expect "name '' must match" optimizer ""
expect "name 'mse' is taken by the loss in $work/P/lib/lossbench/plugins/mse.so" loss mse
expect "name 'adam' is taken by the optimizer in" loss adam
expect "DIR 'my_loss' exists and is not an empty folder" loss fresh my_loss
expect "'lose' is not loss or optimizer (did you mean 'loss'?)" lose x
expect "no NAME" optimizer
[[ ! -e fresh ]] || bad "a refused 'new' left a folder behind"
[[ $fail == 0 ]] && echo "new_plugin: a loss and an optimizer project built, checked and swept from an install; bad names refused"
exit $fail
