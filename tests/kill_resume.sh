#!/usr/bin/env bash
# SIGKILL the whole run at random moments, resume each time: the final database holds exactly one
# finished row per trial, with curves identical to an uninterrupted run, and passes integrity_check.
# Also: readers querying in a loop never make the sweep fail, and a second run on the same
# database is refused naming the first.
# usage: kill_resume.sh LOSSBENCH
set -uo pipefail
lb=$1
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
sweep=(--datasets "iris,wine,breast_cancer,moons(n=400)" --models "mlp(hidden=32,activation=tanh)" --losses auto
       --optimizers sgd,adam --lr 0.01,0.1 --seeds 0,1 --epochs 120 --threads 2 --quiet)
fail=0

"$lb" run "${sweep[@]}" --db "$work/ref.db" >/dev/null || { echo "FAIL: reference run"; exit 1; }
total=$(sqlite3 "$work/ref.db" "SELECT count(*) FROM trials")

# --dry-run estimates the run time of what is left from the finished trials of the same dataset
# and model: nothing, here, unless --force sends every trial back.
dry=$("$lb" run "${sweep[@]}" --db "$work/ref.db" --dry-run)
grep -q "estimate: nothing to run, all $total trials are finished" <<<"$dry" ||
  { echo "FAIL: --dry-run on a finished sweep: $dry"; fail=1; }
dry=$("$lb" run "${sweep[@]}" --db "$work/ref.db" --dry-run --force)
grep -q "estimate: .* for $total of the $total trials to run (0 already finished)" <<<"$dry" ||
  { echo "FAIL: --dry-run --force gave no estimate: $dry"; fail=1; }

RANDOM=20261127
kills=0 stale_seen=0
for attempt in 1 2 3 4 5 6; do
  "$lb" run "${sweep[@]}" --db "$work/k.db" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 9 + 1))"
  if kill -0 $pid 2>/dev/null; then
    kill -KILL $pid; wait $pid 2>/dev/null; kills=$((kills + 1))
    sleep 0.2  # the worker follows its supervisor (PDEATHSIG)
    running=$(sqlite3 "$work/k.db" "SELECT count(*) FROM trials WHERE status = 'running'" 2>/dev/null || echo 0)
    [[ $running -gt 0 ]] && stale_seen=$((stale_seen + 1))
  else
    wait $pid
  fi
done
"$lb" run "${sweep[@]}" --db "$work/k.db" >/dev/null || { echo "FAIL: final resume"; fail=1; }

curves="SELECT t.config_hash, c.epoch, quote(c.train_loss), quote(c.val_loss), quote(c.val_metric), quote(c.test_metric)
        FROM trials t JOIN curves c ON c.trial_id = t.id ORDER BY 1, 2"
[[ $(sqlite3 "$work/k.db" "SELECT count(*) FROM trials WHERE status IN ('done','diverged')") == "$total" ]] ||
  { echo "FAIL: not every trial finished exactly once"; sqlite3 "$work/k.db" "SELECT status, count(*) FROM trials GROUP BY 1"; fail=1; }
[[ "$(sqlite3 "$work/ref.db" "$curves")" == "$(sqlite3 "$work/k.db" "$curves")" ]] || { echo "FAIL: curves differ from the uninterrupted run"; fail=1; }
[[ $(sqlite3 "$work/k.db" "PRAGMA integrity_check") == ok ]] || { echo "FAIL: integrity_check"; fail=1; }
echo "killed $kills times ($stale_seen left stale running rows), resumed to $total trials identical to the reference"

# Ctrl-C (SIGINT to the supervisor): in-flight trials finish, the run exits 130 and prints the
# command that resumes; that command completes the sweep with the reference's numbers.
rm -f "$work/i.db"*
"$lb" run "${sweep[@]}" --db "$work/i.db" >"$work/i.out" 2>&1 &
pid=$!
# As soon as a trial has finished, not after a fixed second: a fast machine (a -march=native
# build on 2 cores) runs the whole sweep in under one.
for _ in $(seq 400); do
  n=$(sqlite3 -cmd '.timeout 1000' "$work/i.db" "SELECT count(*) FROM trials WHERE status = 'done'" 2>/dev/null)
  [[ ${n:-0} -ge 1 ]] && break
  sleep 0.02
done
kill -INT $pid
wait $pid; rc=$?
if [[ $rc != 130 ]] || ! grep -q "Resume with:" "$work/i.out"; then
  echo "FAIL: Ctrl-C -> exit $rc:"; cat "$work/i.out"; fail=1
fi
[[ $(sqlite3 "$work/i.db" "SELECT count(*) FROM trials WHERE status = 'running'") == 0 ]] ||
  { echo "FAIL: Ctrl-C left trials marked running"; fail=1; }
"$lb" run "${sweep[@]}" --db "$work/i.db" >/dev/null || { echo "FAIL: resume after Ctrl-C"; fail=1; }
[[ "$(sqlite3 "$work/ref.db" "$curves")" == "$(sqlite3 "$work/i.db" "$curves")" ]] || { echo "FAIL: Ctrl-C resume differs"; fail=1; }
echo "Ctrl-C: exit 130 with a resume command; resumed to the reference's numbers"

# Readers in a loop during a sweep (with a busy timeout, as docs/schema.md advises: a reader can
# meet a lock for a moment while a connection opens or the WAL restarts).
rm -f "$work/r.db"*
"$lb" run "${sweep[@]}" --db "$work/r.db" >/dev/null 2>"$work/r.err" &
pid=$!
reads=0 read_errors=0 ready=0
while kill -0 $pid 2>/dev/null; do
  # Readers start once the schema exists (before that there is nothing to read).
  if [[ $ready == 0 ]]; then
    sqlite3 "$work/r.db" "SELECT 1 FROM trials LIMIT 1" >/dev/null 2>&1 && ready=1
    continue
  fi
  if ! out=$(sqlite3 -cmd ".timeout 5000" "$work/r.db" "SELECT count(*) FROM trials WHERE status = 'done'; SELECT count(*) FROM leaderboard;" 2>&1 >/dev/null) ||
     [[ -n $out ]]; then
    read_errors=$((read_errors + 1)); echo "read error: $out"
  fi
  reads=$((reads + 1))
  # A second run on the same database is refused, naming the first.
  if [[ $reads == 3 ]]; then
    err=$("$lb" run "${sweep[@]}" --db "$work/r.db" 2>&1 >/dev/null); rc=$?
    [[ $rc -ne 0 && $err == *"is in use by another lossbench run (pid $pid on host $(hostname))"* ]] || { echo "FAIL: second run not refused: $rc $err"; fail=1; }
  fi
done
wait $pid || { echo "FAIL: sweep with concurrent readers failed: $(cat "$work/r.err")"; fail=1; }
[[ "$(sqlite3 "$work/ref.db" "$curves")" == "$(sqlite3 "$work/r.db" "$curves")" ]] || { echo "FAIL: readers changed results"; fail=1; }
[[ $read_errors == 0 ]] || { echo "FAIL: $read_errors of $reads reads failed"; fail=1; }
echo "$reads reads during a sweep, $read_errors failed; second run refused"
exit $fail
