#!/usr/bin/env bash
# A worker killed from outside (SIGKILL: the OOM killer, a user) is not its trial's fault: two such
# kills while one trial runs alone leave it to run again, and it finishes `done`. A worker killed
# from outside again and again with no trial finishing stops the run (non-zero, saying so) with the
# trial still to run, never `crashed`.
# usage: external_kill.sh LOSSBENCH FIXTURE_DIR
set -uo pipefail
lb=$1 fixtures=$2
work=$(mktemp -d)
trap 'kill -KILL $(jobs -p) 2>/dev/null; wait; rm -rf "$work"' EXIT
fail=0

# kill_worker SUPERVISOR OLD: SIGKILLs the supervisor's worker once it is a different process
# than OLD and has been training for a moment; prints the pid it killed.
kill_worker() {
  local w=
  for _ in $(seq 200); do
    w=$(pgrep -P "$1" | head -1)
    [[ -n $w && $w != "$2" ]] && break
    sleep 0.05
  done
  [[ -n $w && $w != "$2" ]] || return 1
  sleep 0.5
  kill -KILL "$w" && echo "$w"
}

# ~1.5 s of training (an epoch takes ~3 ms): each kill comes 0.5 s into a worker's trial.
slow=(--datasets digits --models "mlp(hidden=64x64,activation=tanh)" --losses cross_entropy --optimizers adam
      --lr 0.001 --epochs 500 --threads 1 --quiet)
"$lb" run "${slow[@]}" --db "$work/k.db" >"$work/k.out" 2>"$work/k.err" &
pid=$!
w1=$(kill_worker $pid "") && w2=$(kill_worker $pid "$w1") || { echo "FAIL: found no worker to kill"; fail=1; }
wait $pid; rc=$?
status=$(sqlite3 "$work/k.db" "SELECT status FROM trials")
[[ $rc == 0 && $status == done ]] || { echo "FAIL: after two outside kills: exit $rc, trial $status"; cat "$work/k.err"; fail=1; }
[[ $(grep -c "killed by SIGKILL from outside" "$work/k.err") == 2 ]] || { echo "FAIL: kills not reported:"; cat "$work/k.err"; fail=1; }
grep -q "ran 1 trials .* 1 done, .* 0 crashed; 0 were already in" "$work/k.out" || { echo "FAIL: summary:"; cat "$work/k.out"; fail=1; }

# A trial that never finishes, its worker killed from outside three times in a row: the run stops.
"$lb" run --datasets diabetes --losses fault_hang --optimizers sgd --epochs 2 --plugin-dir "$fixtures" \
  --hang-timeout 600 --quiet --db "$work/h.db" >"$work/h.out" 2>"$work/h.err" &
pid=$!
w=
for _ in 1 2 3; do w=$(kill_worker $pid "$w") || { echo "FAIL: found no worker to kill"; fail=1; break; }; done
wait $pid; rc=$?
status=$(sqlite3 "$work/h.db" "SELECT status FROM trials")
[[ $rc == 1 && ($status == running || $status == pending) ]] || { echo "FAIL: repeated outside kills: exit $rc, trial $status"; fail=1; }
grep -q "3 times in a row with no trial finished.*are left to run" "$work/h.err" ||
  { echo "FAIL: no stop message:"; cat "$work/h.err"; fail=1; }
grep -q "; 1 left to run" "$work/h.out" || { echo "FAIL: summary:"; cat "$work/h.out"; fail=1; }
grep -q "lossbench run --datasets diabetes" <<<"$(grep -A1 "stopped with 1 trial(s) left to run. Resume with:" "$work/h.out")" ||
  { echo "FAIL: no resume command after the stop:"; cat "$work/h.out"; fail=1; }
[[ $fail == 0 ]] && echo "external_kill: outside kills blame no trial; repeated ones stop the run, the trial left to run"
exit $fail
