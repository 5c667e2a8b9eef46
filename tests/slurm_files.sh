#!/usr/bin/env bash
# lossbench slurm without a cluster: the manifest and the two scripts it writes, run here by bash
# as Slurm would run them (each array task with its SLURM_ARRAY_TASK_ID), give the single run's
# results; `lossbench status DIR` sums the shards; a task whose build, data or sweep differ from
# the manifest is refused before training, in one line naming what differs.
# usage: slurm_files.sh LOSSBENCH
set -uo pipefail
lb=$1
tests=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
check() { [[ $2 == 0 ]] || { echo "FAIL: $1"; fail=1; }; }
sq() { sqlite3 -batch "$@"; }
cp "$tests/data/tiny_sweep.ini" "$work/tiny.ini"
cd "$work" || exit 1

out=$("$lb" slurm --config tiny.ini --shards 3 --out jobs --max-parallel 2 --cpus-per-task 1 \
  --sbatch-arg=--partition=short 2>&1)
check "lossbench slurm: $out" $?
for f in manifest.json array.sbatch merge.sbatch; do [[ -s jobs/$f ]]; check "no jobs/$f" $?; done
a=jobs/array.sbatch
for want in "#SBATCH --array=0-2%2" "#SBATCH --requeue" "#SBATCH --open-mode=append" \
  "#SBATCH --partition=short" "--shard \"\$SLURM_ARRAY_TASK_ID/3\"" "--manifest $work/jobs/manifest.json" \
  "--db $work/jobs/shard-\"\$SLURM_ARRAY_TASK_ID\".db" "--threads \"\${SLURM_CPUS_PER_TASK:-1}\""; do
  grep -qF -- "$want" "$a"; check "array.sbatch lacks '$want'" $?
done
grep -qF -- "--into $work/jobs/merged.db" jobs/merge.sbatch; check "merge.sbatch does not merge into jobs/merged.db" $?
grep -q "sbatch --parsable $work/jobs/array.sbatch" <<<"$out" &&
  grep -q "sbatch --dependency=afterany:\$jobid $work/jobs/merge.sbatch" <<<"$out"
check "the two sbatch commands are not printed: $out" $?
total=$(grep -o '"trials": [0-9]*' jobs/manifest.json | grep -o '[0-9]*$')

# The scripts as Slurm runs them: one task after another, then the merge.
for i in 0 1 2; do
  SLURM_ARRAY_TASK_ID=$i SLURM_CPUS_PER_TASK=1 bash "$a" >/dev/null 2>&1; check "array task $i" $?
  if [[ $i == 1 ]]; then
    st=$("$lb" status jobs)
    grep -q "^2 shard database(s) in jobs, 0 still running; [0-9]* trials finished of the sweep's $total$" <<<"$st"
    check "status DIR while the array runs: $st" $?
  fi
done
st=$("$lb" status jobs --format csv)
[[ $st == "status,trials,seconds"$'\n'"done,$total,"* ]]; check "status DIR sums the shards: $st" $?
bash jobs/merge.sbatch >/dev/null 2>&1; check "merge.sbatch" $?
"$lb" run --config tiny.ini --db single.db --quiet >/dev/null 2>&1
dump() { "$tests/db_dump.sh" "$1"; }  # ids and clocks aside
[[ $(sq single.db "SELECT count(*) FROM trials") == "$total" ]]; check "the manifest's trial count" $?
dump single.db | cmp -s - <(dump jobs/merged.db); check "array + merge differ from a single run" $?

# A manifest that is not this node's: refused before training, one line naming the difference.
refused() { # refused WHAT PATTERN ARGS...
  local what=$1 pattern=$2
  shift 2
  rm -f jobs/x.db
  local out
  out=$("$lb" run "$@" --shard 0/3 --db jobs/x.db --quiet 2>&1 >/dev/null)
  [[ $? != 0 && $(wc -l <<<"$out") == 1 && $out == *$pattern* ]]
  check "$what is not refused in one line: $out" $?
  [[ ! -e jobs/x.db ]] || [[ $(sq jobs/x.db "SELECT count(*) FROM trials WHERE status != 'pending'") == 0 ]]
  check "$what: trained anyway" $?
}
sed 's/"optimizer sgd": "[0-9a-f]*"/"optimizer sgd": "0000000000000000"/' jobs/manifest.json >m1.json
refused "another build of a plugin" "--manifest m1.json: plugin optimizer sgd: " --manifest m1.json
sed 's/"host_version": "[^"]*"/"host_version": "0.0.0-old"/' jobs/manifest.json >m2.json
refused "another host version" "host version" --manifest m2.json
sed 's/"iris": "[0-9a-f]*"/"iris": "1234"/' jobs/manifest.json >m3.json
refused "other data" "dataset iris: " --manifest m3.json
refused "another sweep" "the sweep: 'lr=0.01,0.1,0.2' here, 'lr=0.01,0.1' in the manifest" \
  --manifest jobs/manifest.json --lr 0.01,0.1,0.2
echo '{"a": 1}' >m4.json
refused "a file that is no manifest" "m4.json: not a manifest written by lossbench slurm" --manifest m4.json

# Bad input: one line, non-zero.
for args in "--config tiny.ini --shards 1002 --out j2" "--config tiny.ini --out j2" \
  "--config tiny.ini --shards 0 --out j2" "--config nothing.ini --shards 2 --out j2"; do
  # shellcheck disable=SC2086
  out=$("$lb" slurm $args 2>&1)
  [[ $? != 0 && $(wc -l <<<"$out") == 1 ]]; check "lossbench slurm $args: $out" $?
done
out=$("$lb" slurm --config tiny.ini --shards 1002 --out j2 2>&1)
[[ $out == *"above "*"(1001): use fewer, larger shards"* ]]; check "MaxArraySize: $out" $?
for s in 3/3 x 1/ /2 -1/2; do
  out=$("$lb" run --config tiny.ini --shard "$s" --dry-run 2>&1)
  [[ $? != 0 && $(wc -l <<<"$out") == 1 && $out == *"'shard': '$s' must be I/N with 0 <= I < N"* ]]
  check "--shard $s: $out" $?
done
[[ $fail == 0 ]] && echo "slurm_files: $total trials through the array scripts equal a single run"
exit $fail
