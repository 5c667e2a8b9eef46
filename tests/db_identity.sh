#!/usr/bin/env bash
# One writer per database file, however its path is spelled: while a run holds x.db, a second run
# through a symlink, a hard link, ./x.db or a relative path from another folder is refused naming
# the first one's pid, trains nothing and leaves no WAL of its own; readers still read. A file
# with two hard links is never written: each name would have its own WAL.
# usage: db_identity.sh LOSSBENCH FIXTURE_DIR
set -uo pipefail
lb=$1 fixtures=$2
work=$(mktemp -d)
trap 'kill -KILL $(jobs -p) 2>/dev/null; wait; rm -rf "$work"' EXIT
quick=(--datasets iris --losses cross_entropy --optimizers sgd --lr 0.1 --epochs 2 --quiet)
fail=0
cd "$work" && mkdir sub

# The first run hangs in its one trial (until killed), holding x.db.
"$lb" run --datasets diabetes --losses fault_hang --optimizers sgd --epochs 2 --plugin-dir "$fixtures" \
  --hang-timeout 600 --quiet --db x.db >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
  [[ $(sqlite3 x.db "SELECT count(*) FROM trials WHERE status = 'running'" 2>/dev/null) == 1 ]] && break
  sleep 0.1
done
[[ $(sqlite3 x.db "SELECT count(*) FROM trials WHERE status = 'running'") == 1 ]] || { echo "FAIL: first run did not start"; exit 1; }
ln -s x.db y.db
ln x.db z.db

refused() {  # refused WHERE DB: a second run from folder WHERE on DB must be refused
  local err rc
  err=$(cd "$1" && "$lb" run "${quick[@]}" --db "$2" 2>&1 >/dev/null); rc=$?
  [[ $rc -ne 0 && $err == *"is in use by another lossbench run (pid $pid on host $(hostname))"* ]] ||
    { echo "FAIL: --db $2 (from $1) not refused: exit $rc: $err"; fail=1; }
}
refused . x.db
refused . ./x.db
refused . "$work/x.db"
refused sub ../x.db
refused . y.db
refused sub ../y.db
refused . z.db
# The holder writes "host pid" to x.db.lock: a run on another node of a shared filesystem, which
# /proc/locks does not show, is named from it.
[[ $(cat x.db.lock) == "$(hostname) $pid" ]] || { echo "FAIL: x.db.lock: $(cat x.db.lock 2>&1)"; fail=1; }
cp x.db.lock lock.saved
echo "node17 4242" >x.db.lock
err=$("$lb" run "${quick[@]}" --db x.db 2>&1 >/dev/null)
[[ $err == *"in use by another lossbench run (pid 4242 on host node17)"* ]] ||
  { echo "FAIL: the holder's host is not named: $err"; fail=1; }
mv lock.saved x.db.lock
[[ -e z.db-wal ]] && { echo "FAIL: the hard link got a WAL of its own"; fail=1; }
[[ $(sqlite3 x.db "SELECT count(*) FROM trials") == 1 ]] || { echo "FAIL: a refused run added trials"; fail=1; }
[[ $(sqlite3 x.db "SELECT count(*) FROM sweeps") == 1 ]] || { echo "FAIL: a refused run added a sweep"; fail=1; }
grep -q running <<<"$("$lb" status y.db)" || { echo "FAIL: status through the symlink while locked"; fail=1; }

kill -KILL $pid; wait $pid 2>/dev/null
sleep 0.2  # the worker follows its supervisor (PDEATHSIG)
# A database with two names is not written at all once the lock is free: the killed run's
# trials are in x.db-wal, which a writer through z.db would not see and a checkpoint would
# overwrite.
err=$("$lb" run "${quick[@]}" --db z.db 2>&1 >/dev/null) && { echo "FAIL: a run wrote through a hard link"; fail=1; }
[[ $err == *"has 2 hard links"* ]] || { echo "FAIL: hard link refusal: $err"; fail=1; }
[[ -e z.db-wal ]] && { echo "FAIL: the hard link got a WAL of its own"; fail=1; }
rm z.db
"$lb" run "${quick[@]}" --db y.db >/dev/null || { echo "FAIL: run through the symlink after the lock holder died"; fail=1; }
[[ $(sqlite3 x.db "SELECT count(*) FROM trials") == 2 ]] || { echo "FAIL: the symlink wrote elsewhere"; fail=1; }
[[ $(sqlite3 x.db "PRAGMA integrity_check") == ok ]] || { echo "FAIL: integrity_check"; fail=1; }
[[ $fail == 0 ]] && echo "db_identity: second writer refused through symlink, hard link, ./ and relative paths"
exit $fail
