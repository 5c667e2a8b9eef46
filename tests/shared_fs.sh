#!/usr/bin/env bash
# A database on a shared filesystem (NFS, Lustre, GPFS, CIFS, BeeGFS by statfs; here
# LOSSBENCH_SHARED_FS=1 stands in for one): every connection locks it exclusively, so a run never
# creates the -shm file WAL would map, and its results equal a local run's. While the run writes,
# readers refuse in one line and `status DIR` says which shard it could not count; afterwards
# status, top and merge read it.
# usage: shared_fs.sh LOSSBENCH
set -uo pipefail
lb=$1
tests=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
fail=0
check() { [[ $2 == 0 ]] || { echo "FAIL: $1"; fail=1; }; }
sweep=(--datasets "moons(n=2000)" --models "mlp(hidden=64)" --losses bce --optimizers sgd,adam
       --lr 0.01,0.1 --seeds 0,1 --epochs 500 --threads 1 --quiet)
mkdir "$work/jobs"
LOSSBENCH_SHARED_FS=1 "$lb" run "${sweep[@]}" --db "$work/jobs/shard-0.db" >"$work/out" 2>&1 &
pid=$!
shm=0 refused=0 counted=0
while kill -0 $pid 2>/dev/null; do
  [[ -e $work/jobs/shard-0.db-shm ]] && shm=1
  if [[ -s $work/jobs/shard-0.db-wal ]]; then
    out=$(LOSSBENCH_SHARED_FS=1 "$lb" status "$work/jobs/shard-0.db" 2>&1)
    [[ $? != 0 && $(wc -l <<<"$out") == 1 && $out == *"is on a shared filesystem (LOSSBENCH_SHARED_FS), where a run locks its database until it ends"* ]] &&
      refused=1
    out=$(LOSSBENCH_SHARED_FS=1 "$lb" status "$work/jobs" 2>&1)
    [[ $out == *"not counted: shard-0.db (on a shared filesystem"* ]] && counted=1
  fi
  sleep 0.1
done
wait $pid; check "the run on a shared filesystem: $(tail -2 "$work/out")" $?
[[ $shm == 0 ]]; check "a -shm file appeared on the shared filesystem" $?
[[ $refused == 1 ]]; check "a reader during the run did not refuse in one line" $?
[[ $counted == 1 ]]; check "status DIR during the run did not name the shard it could not count" $?
[[ ! -e $work/jobs/shard-0.db-shm ]]; check "a -shm file is left" $?
"$lb" run "${sweep[@]}" --db "$work/local.db" >/dev/null 2>&1
"$tests/db_dump.sh" "$work/local.db" >"$work/local.dump"
"$tests/db_dump.sh" "$work/jobs/shard-0.db" | cmp -s - "$work/local.dump"
check "the shared-filesystem run differs from a local one" $?
export LOSSBENCH_SHARED_FS=1
out=$("$lb" status "$work/jobs" --format csv); [[ $out == *"done,8,"* ]]; check "status DIR after the run: $out" $?
"$lb" top "$work/jobs/shard-0.db" >/dev/null; check "top after the run" $?
"$lb" merge "$work/jobs/shard-0.db" --into "$work/jobs/merged.db" >/dev/null; check "merge on a shared filesystem" $?
"$tests/db_dump.sh" "$work/jobs/merged.db" | cmp -s - "$work/local.dump"; check "the merge differs" $?
[[ ! -e $work/jobs/merged.db-shm ]]; check "the merge left a -shm file" $?
[[ $fail == 0 ]] && echo "shared_fs: no -shm, readers refused while it ran, results equal a local run"
exit $fail
