#!/usr/bin/env bash
# lossbench slurm --submit on a real Slurm cluster (CI starts one: scripts/slurm-local.sh start):
# the array plus the merge job equal a single run of the sweep, and an array task requeued while
# it runs (scontrol requeue) resumes its shard and finishes with every trial once.
# Skipped, saying so, when no cluster answers sinfo.
# usage: slurm.sh LOSSBENCH
set -uo pipefail
lb=$1
tests=$(cd "$(dirname "$0")" && pwd)
if ! timeout 10 sinfo -h -o %T 2>/dev/null | grep -q .; then
  echo "SKIP: no Slurm cluster answers sinfo (scripts/slurm-local.sh start runs one on this machine)"
  exit 77
fi
work=$(mktemp -d)
jobs_started=()
trap 'for j in "${jobs_started[@]}"; do scancel "$j" 2>/dev/null; done; rm -rf "$work"' EXIT
fail=0
check() { [[ $2 == 0 ]] || { echo "FAIL: $1"; fail=1; }; }
sq() { sqlite3 -batch "$@"; }
cd "$work" || exit 1
state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -1 | cut -d= -f2; }
# Waits until job $1 has left the queue (or $2 seconds pass); prints its last state.
wait_job() {
  local s
  for _ in $(seq "$2"); do
    s=$(state "$1")
    [[ $s == COMPLETED || $s == FAILED || $s == CANCELLED || $s == TIMEOUT || $s == NODE_FAIL ]] && break
    sleep 1
  done
  echo "$s"
}
dump() { "$tests/db_dump.sh" "$1"; }  # ids and clocks aside

cp "$tests/data/tiny_sweep.ini" "$work/tiny.ini"
out=$("$lb" slurm --config tiny.ini --shards 3 --out jobs --submit 2>&1)
check "lossbench slurm --submit: $out" $?
read -r array merge < <(sed -n 's/^submitted array job \([0-9]*\) (3 tasks) and merge job \([0-9]*\) .*/\1 \2/p' <<<"$out")
[[ -n ${merge:-} ]] || { echo "FAIL: no job ids in: $out"; exit 1; }
jobs_started+=("$array" "$merge")
s=$(wait_job "$merge" 180)
[[ $s == COMPLETED ]]; check "the merge job ended $s: $(cat jobs/merge.log 2>/dev/null)" $?
"$lb" run --config tiny.ini --db single.db --quiet >/dev/null 2>&1
total=$(sq single.db "SELECT count(*) FROM trials")
[[ $(sq jobs/merged.db "SELECT count(*) FROM trials WHERE status = 'done'") == "$total" ]]
check "the merged database lacks trials" $?
dump single.db | cmp -s - <(dump jobs/merged.db); check "array + merge differ from a single run" $?

# Requeue a running task: it starts again (about 11 s later with cred_expire=10) and resumes.
# About 0.8 s a trial on this project's machine, 6 trials a shard: a window of seconds in which
# task 0 runs with a finished trial.
cat >slow.ini <<'INI'
datasets = moons(n=4000)
models = mlp(hidden=64)
losses = bce
optimizers = sgd, adam
lr = 0.01, 0.1
seeds = 0, 1, 2, 3
epochs = 1000
INI
out=$("$lb" slurm --config slow.ini --shards 2 --out slow --submit 2>&1)
read -r array merge < <(sed -n 's/^submitted array job \([0-9]*\) (2 tasks) and merge job \([0-9]*\) .*/\1 \2/p' <<<"$out")
[[ -n ${merge:-} ]] || { echo "FAIL: no job ids in: $out"; exit 1; }
jobs_started+=("$array" "$merge")
requeued=0
for _ in $(seq 300); do
  # A task is requeued once it has committed a trial, so that the rerun has something to skip.
  if [[ $(state "${array}_0") == RUNNING && -f slow/shard-0.db ]] &&
    [[ $(sq slow/shard-0.db "SELECT count(*) FROM trials WHERE status = 'done'" 2>/dev/null || echo 0) -gt 0 ]]; then
    scontrol requeue "${array}_0" && requeued=1
    break
  fi
  sleep 0.2
done
[[ $requeued == 1 ]]; check "task 0 never ran with a finished trial to requeue" $?
s=$(wait_job "$merge" 400)
[[ $s == COMPLETED ]]; check "the merge after the requeue ended $s: $(cat slow/merge.log 2>/dev/null)" $?
k=$(grep -o '^shard 0/2: [0-9]* of' slow/shard-0.log | tail -1 | grep -o ' [0-9]* ' | tr -d ' ')
[[ $(grep -c '^shard 0/2: ' slow/shard-0.log) -ge 2 ]]; check "task 0 did not start twice: $(cat slow/shard-0.log)" $?
[[ $(sq slow/shard-0.db "SELECT count(*) FROM trials WHERE status = 'done'") == "$k" ]]
check "the requeued shard does not hold its $k trials done" $?
grep -q "already in" slow/shard-0.log && grep -Eq "; [1-9][0-9]* were already in" slow/shard-0.log
check "the requeued task did not resume (no trials already in its database): $(tail -3 slow/shard-0.log)" $?
[[ $(sq slow/shard-0.db "SELECT count(*) FROM curves") == $((k * 1001)) ]]
check "the requeued shard's curves are not one per epoch and trial" $?
all=$(grep -o '"trials": [0-9]*' slow/manifest.json | grep -o '[0-9]*$')
[[ $(sq slow/merged.db "SELECT count(*), count(DISTINCT config_hash), sum(status = 'done') FROM trials") == "$all|$all|$all" ]]
check "the merged database does not hold each of the $all trials once, done" $?
[[ $fail == 0 ]] && echo "slurm: array + merge equal a single run ($total trials); a requeued task resumed"
exit $fail
