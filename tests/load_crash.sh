#!/usr/bin/env bash
# Libraries that segfault, abort or call exit(0) while being loaded cost one line each in
# `plugins`, `check` and `run`; the built-ins still load and a sweep still runs and is stored.
# Twice: once probing every file, once with the probe cache warm (a crash is never cached as fine).
# usage: load_crash.sh LOSSBENCH LOAD_FIXTURE_DIR
set -uo pipefail
lb=$1 dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# Every file of plugins/losses/ and plugins/optimizers/ is a built-in that must still load.
src=$(cd "$(dirname "$0")/.." && pwd)/plugins
n_losses=$(ls "$src"/losses/*.cpp | wc -l) n_optimizers=$(ls "$src"/optimizers/*.cpp | wc -l)
for pass in cold warm; do
  out=$("$lb" plugins --plugin-dir "$dir" 2>"$work/err"); rc=$?
  # Non-zero because files failed to load, as for any broken file; 139 or 0 would mean the host
  # died with (or for) a library.
  [[ $rc -eq 1 ]] || bad "$pass: plugins exited $rc: $(cat "$work/err")"
  for want in "segv_on_load.so: crashed while loading (SIGSEGV)" "abort_on_load.so: crashed while loading (SIGABRT)" \
      "exit_on_load.so: exited while loading (status 0)" "failed to load (3)" "losses ($n_losses)" "optimizers ($n_optimizers)"; do
    grep -qF -- "$want" <<<"$out" || bad "$pass: plugins printed no '$want':"$'\n'"$out"
  done
  [[ $(grep -c "while loading" <<<"$out") -eq 3 ]] || bad "$pass: not one line per bad file:"$'\n'"$out"
done

err=$("$lb" check "$dir/segv_on_load.so" 2>&1 >/dev/null); rc=$?
[[ $rc -eq 1 && $err == *"segv_on_load.so: crashed while loading (SIGSEGV)" && $(wc -l <<<"$err") -eq 1 ]] ||
  bad "check on the crashing file -> exit $rc, stderr: $err"

for mode in isolated no-isolation; do
  extra=(); [[ $mode == no-isolation ]] && extra=(--no-isolation)
  "$lb" run --datasets iris --losses cross_entropy --optimizers sgd --epochs 1 --quiet "${extra[@]}" \
    --plugin-dir "$dir" --db "$work/$mode.db" >"$work/out" 2>&1; rc=$?
  [[ $rc -eq 0 ]] || bad "$mode run exited $rc: $(cat "$work/out")"
  grep -q "note: not loaded: .*segv_on_load.so: crashed while loading (SIGSEGV)" "$work/out" ||
    bad "$mode run did not say which files it could not load: $(cat "$work/out")"
  done_trials=$(sqlite3 "$work/$mode.db" "SELECT count(*) FROM trials WHERE status = 'done'" 2>&1)
  [[ $done_trials =~ ^[1-9][0-9]*$ ]] || bad "$mode run stored no finished trial ($done_trials)"
done

[[ $fail -eq 0 ]] && echo "load_crash: a segfaulting, an aborting and an exiting library are one line each; everything else loads and runs"
exit $fail
