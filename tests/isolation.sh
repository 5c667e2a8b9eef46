#!/usr/bin/env bash
# A sweep mixing good losses with plugins that segfault, abort, hang, throw, return NaN and
# allocate 1 TiB: every good trial finishes with the same numbers as a clean run, every bad trial
# carries the right status and message, and the database is intact.
# usage: isolation.sh LOSSBENCH FIXTURE_DIR
set -euo pipefail
lb=$1 fixtures=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common=(--datasets diabetes --optimizers sgd --lr 0.01,0.03 --seeds 0,1 --epochs 5 --threads 2 --quiet)

"$lb" run "${common[@]}" --losses mse,mae --db "$work/clean.db" >/dev/null
"$lb" run "${common[@]}" --losses mse,fault_segv,fault_abort,fault_hang,mae,fault_throw,fault_nan,fault_alloc \
  --plugin-dir "$fixtures" --hang-timeout 3 --max-memory 4G --db "$work/mixed.db" >"$work/out.txt" 2>"$work/err.txt" ||
  { echo "FAIL: the mixed sweep exited non-zero"; cat "$work/err.txt"; exit 1; }

q() { sqlite3 "$work/mixed.db" "$1"; }
fail=0
check() {  # check LOSS STATUS MESSAGE-PATTERN
  local got; got=$(q "SELECT count(*) FROM trials WHERE loss = '$1' AND status = '$2' AND message LIKE '%$3%'")
  [[ $got == 4 ]] || { echo "FAIL: $1: wanted 4 trials $2 with '$3', got $got:"; q "SELECT status, message FROM trials WHERE loss = '$1'"; fail=1; }
}
check mse done ""
check mae done ""
check fault_segv crashed "killed by SIGSEGV while running this trial alone (loss fault_segv"
check fault_abort crashed "killed by SIGABRT"
check fault_hang timeout "no progress for 3 s (a plugin call did not return)"
check fault_throw failed "deliberate fault at call 20"
check fault_nan diverged "non-finite"
check fault_alloc failed "bad_alloc"

# The good trials are bit-for-bit those of the clean run (same configuration, same hash).
good="SELECT t.config_hash, c.epoch, quote(c.train_loss), quote(c.val_metric), quote(c.test_metric)
      FROM trials t JOIN curves c ON c.trial_id = t.id WHERE t.loss IN ('mse','mae') ORDER BY 1, 2"
[[ "$(sqlite3 "$work/clean.db" "$good")" == "$(q "$good")" ]] || { echo "FAIL: good trials differ from the clean run"; fail=1; }
[[ -n "$(q "$good")" ]] || { echo "FAIL: no good curves"; fail=1; }
[[ "$(q 'PRAGMA integrity_check')" == ok ]] || { echo "FAIL: integrity_check"; fail=1; }
grep -q "isolation: 8 trial(s) crashed, 4 hung" "$work/out.txt" || { echo "FAIL: summary line missing"; cat "$work/out.txt"; fail=1; }
ls "$work"/core* >/dev/null 2>&1 && { echo "FAIL: core files left behind"; fail=1; }
# A trial that keeps finishing epochs is alive however long it runs: --hang-timeout measures a
# stretch without progress, not the trial's length (1.5 s: an epoch takes ~3 ms, 100x that on a loaded machine;
# 800 epochs, so that the trial outlasts it with a margin on a fast one).
"$lb" run --datasets digits --models "mlp(hidden=64x64,activation=tanh)" --losses cross_entropy --optimizers adam \
  --lr 0.001 --epochs 800 --hang-timeout 1.5 --quiet --db "$work/long.db" >/dev/null 2>&1
long=$(sqlite3 "$work/long.db" "SELECT status || ' ' || (wall_ms > 1500) FROM trials")
[[ $long == "done 1" ]] || { echo "FAIL: a long, progressing trial ended as '$long'"; fail=1; }

[[ $fail == 0 ]] && echo "isolation: 16 good trials identical to a clean run; 24 faulty trials recorded with their causes"
exit $fail
