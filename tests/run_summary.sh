#!/usr/bin/env bash
# One invocation is one `sweeps` row (ended_at set) and one truthful summary line, however often
# its worker restarts; --retry re-runs finished trials of the statuses it names, with or without
# isolation.
# usage: run_summary.sh LOSSBENCH FIXTURE_DIR
set -uo pipefail
lb=$1 fixtures=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
mixed=(--datasets diabetes --losses mse,fault_segv --optimizers sgd --lr 0.01,0.03 --seeds 0,1 --epochs 5 --threads 2
       --plugin-dir "$fixtures" --quiet --db "$work/m.db")
q() { sqlite3 "$work/m.db" "$1"; }
expect() {  # expect OUTFILE PATTERN SWEEPS: the summary line and the number of sweeps rows, all ended
  grep -q "$2" "$1" || { echo "FAIL: wanted '$2' in:"; cat "$1"; fail=1; }
  [[ $(q "SELECT count(*) FROM sweeps") == "$3" && $(q "SELECT count(*) FROM sweeps WHERE ended_at IS NULL") == 0 ]] ||
    { echo "FAIL: wanted $3 ended sweeps rows:"; q "SELECT id, started_at, ended_at FROM sweeps"; fail=1; }
}

# Four crashing trials restart the worker several times on a fresh database.
"$lb" run "${mixed[@]}" >"$work/1.out" 2>/dev/null || { echo "FAIL: mixed run"; fail=1; }
expect "$work/1.out" "^ran 8 trials in .* 4 done, 0 diverged, 0 failed, 0 timed out, 4 crashed; 0 were already in" 1
[[ $(q "SELECT trials FROM sweeps") == 8 ]] || { echo "FAIL: sweeps.trials"; fail=1; }
"$lb" run "${mixed[@]}" >"$work/2.out" 2>/dev/null || { echo "FAIL: rerun"; fail=1; }
expect "$work/2.out" "^ran 0 trials in .*; 8 were already in" 2
"$lb" run "${mixed[@]}" --retry crashed >"$work/3.out" 2>/dev/null || { echo "FAIL: --retry crashed"; fail=1; }
expect "$work/3.out" "^ran 4 trials in .* 0 done, .* 4 crashed; 4 were already in" 3
[[ $(q "SELECT count(*) FROM trials WHERE status = 'crashed' AND sweep_id = 3") == 4 ]] ||
  { echo "FAIL: retried trials not in the third sweep"; fail=1; }
"$lb" run "${mixed[@]}" --retry timeout,failed >"$work/4.out" 2>/dev/null || { echo "FAIL: --retry timeout,failed"; fail=1; }
expect "$work/4.out" "^ran 0 trials in .*; 8 were already in" 4

# Without isolation: --retry failed re-runs a plugin's failures, and only those.
t=(--datasets diabetes --losses mse,fault_throw --optimizers sgd --epochs 3 --plugin-dir "$fixtures" --no-isolation
   --quiet --db "$work/t.db")
"$lb" run "${t[@]}" >/dev/null 2>&1
out=$("$lb" run "${t[@]}" --retry failed 2>&1)
[[ $out == *"ran 1 trials in "*" 0 done, 0 diverged, 1 failed, "*"; 1 were already in"* ]] ||
  { echo "FAIL: --no-isolation --retry failed: $out"; fail=1; }
err=$("$lb" run "${t[@]}" --retry crashd 2>&1); rc=$?
[[ $rc == 2 && $err == *"option 'retry': 'crashd' is not crashed, timeout or failed"*"crashed"* ]] ||
  { echo "FAIL: bad --retry: $rc $err"; fail=1; }
# --quiet ends with the summary line alone; without it the best rows and the commands for the rest
# follow it.
loud=(--datasets diabetes --losses mse --optimizers sgd --epochs 3 --no-isolation --db "$work/t.db")
out=$("$lb" run "${loud[@]}" --quiet 2>/dev/null)
[[ $(tail -1 <<<"$out") == "ran 0 trials in "*"; 1 were already in $work/t.db" && $out != *"leaderboard"* ]] ||
  { echo "FAIL: --quiet ends: $out"; fail=1; }
out=$("$lb" run "${loud[@]}" 2>/dev/null)
[[ $out == *"ran 0 trials in "*"leaderboard of"*"every row:        lossbench top $work/t.db"* ]] ||
  { echo "FAIL: a run without --quiet ends: $out"; fail=1; }
[[ $fail == 0 ]] && echo "run_summary: one sweeps row and a true summary per invocation; --retry re-runs what it names"
exit $fail
