#!/usr/bin/env bash
# --shard I/N and lossbench merge: shards are disjoint and cover the sweep; merged shards equal a
# single run of the same sweep trial by trial and curve by curve (timing columns aside); merging
# again, or in another order, changes nothing; a finished result replaces a pending one with its
# curve; conflicting results are counted, not overwritten; the same hash with other axis values,
# an unfinished shard and a newer schema are refused in one line; an older schema is upgraded on a
# copy; shards are never written; different host versions warn.
# usage: merge.sh LOSSBENCH
set -uo pipefail
lb=$1
tests=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sweep=(--datasets "iris,moons(n=200)" --losses auto --optimizers sgd,adam --lr 0.01,0.1
       --seeds 0,1 --epochs 4 --threads 2 --quiet)
fail=0
check() { # check WHAT CONDITION-EXIT-STATUS
  [[ $2 == 0 ]] || { echo "FAIL: $1"; fail=1; }
}
sq() { sqlite3 -batch "$@"; }

"$lb" run "${sweep[@]}" --db "$work/ref.db" >/dev/null || { echo "FAIL: reference run"; exit 1; }
total=$(sq "$work/ref.db" "SELECT count(*) FROM trials")
[[ $total -gt 20 ]] || { echo "FAIL: the reference sweep has only $total trials"; exit 1; }

sum=0
for i in 0 1 2; do
  out=$("$lb" run "${sweep[@]}" --shard "$i/3" --db "$work/s$i.db") || { echo "FAIL: shard $i/3: $out"; exit 1; }
  k=$(sq "$work/s$i.db" "SELECT count(*) FROM trials")
  grep -q "^shard $i/3: $k of $total trials$" <<<"$out"
  check "shard $i/3's header does not say '$k of $total trials': $(grep shard <<<"$out")" $?
  sum=$((sum + k))
done
[[ $sum == "$total" ]]; check "the shards hold $sum trials, the sweep $total" $?
# Disjoint and covering: every hash of the single run in exactly one shard, and no other hash.
sort <(for i in 0 1 2; do sq "$work/s$i.db" "SELECT config_hash FROM trials"; done) >"$work/shard_hashes"
sq "$work/ref.db" "SELECT config_hash FROM trials ORDER BY config_hash" >"$work/ref_hashes"
cmp -s "$work/shard_hashes" "$work/ref_hashes"; check "the shards' hashes are not the sweep's, each once" $?
# The shard of a hash is its first 64 bits mod N (the rule a user can recompute).
while read -r h; do
  hi=$((16#${h:0:8})) lo=$((16#${h:8:8}))
  want=$(((hi % 3 * (4294967296 % 3) + lo % 3) % 3))
  sq "$work/s$want.db" "SELECT 1 FROM trials WHERE config_hash = '$h'" | grep -q 1 ||
    { echo "FAIL: trial $h is not in shard $want"; fail=1; break; }
done < <(head -5 "$work/ref_hashes")
sha_before=$(sha256sum "$work"/s?.db)

dump() { "$tests/db_dump.sh" "$1"; }  # ids and clocks aside

out=$("$lb" merge "$work/s0.db" "$work/s1.db" "$work/s2.db" --into "$work/m.db" 2>&1)
check "merge failed: $out" $?
grep -q "merged 3 shard(s) into $work/m.db: $total trials added, 0 finished over pending, 0 already there, 0 conflicting" <<<"$out"
check "merge summary: $out" $?
dump "$work/ref.db" >"$work/ref.dump"
dump "$work/m.db" >"$work/m.dump"
[[ $(wc -l <"$work/m.dump") -gt $((total * 5)) ]]; check "the dump holds no curves" $?
cmp -s "$work/ref.dump" "$work/m.dump"
check "merged shards differ from the single run: $(diff "$work/ref.dump" "$work/m.dump" | head -3)" $?
[[ $(sq "$work/m.db" "SELECT count(*) FROM sweeps") == 3 ]]; check "every shard's sweeps row is kept" $?
[[ $(sq "$work/m.db" "SELECT count(*) FROM sweeps WHERE spec LIKE '%shard=_/3'") == 3 ]]
check "the sweeps rows do not name their shards" $?
[[ $(sq "$work/m.db" "SELECT count(*) FROM plugins") == $(sq "$work/ref.db" "SELECT count(*) FROM plugins") ]]
check "plugins are not keyed by (name, sha256)" $?

# Idempotent: a second merge of the same shards, in another order, changes no byte of any row.
full_dump() { sq "$1" .dump | grep -v '^INSERT INTO student_t'; }
full_dump "$work/m.db" >"$work/m.full"
out=$("$lb" merge "$work/s2.db" "$work/s0.db" "$work/s1.db" --into "$work/m.db" 2>&1)
grep -q ": 0 trials added, 0 finished over pending, $total already there, 0 conflicting" <<<"$out"
check "merging again: $out" $?
full_dump "$work/m.db" | cmp -s - "$work/m.full"; check "merging twice changed the database" $?
# Order-independent: the other order into a fresh database gives the same rows.
"$lb" merge "$work/s2.db" "$work/s1.db" "$work/s0.db" --into "$work/m2.db" >/dev/null 2>&1
dump "$work/m2.db" | cmp -s - "$work/m.dump"; check "merging in another order gives other rows" $?
[[ $sha_before == "$(sha256sum "$work"/s?.db)" ]]; check "a merge wrote to a shard" $?

# A finished result replaces a pending one, with its curve; a pending one never replaces it.
cp "$work/s1.db" "$work/p.db"
h=$(sq "$work/p.db" "SELECT config_hash FROM trials ORDER BY config_hash LIMIT 1")
sq "$work/p.db" "DELETE FROM curves WHERE trial_id = (SELECT id FROM trials WHERE config_hash = '$h');
  UPDATE trials SET status = 'pending', final_test = NULL WHERE config_hash = '$h'"
out=$("$lb" merge "$work/p.db" --into "$work/x.db" 2>&1)
[[ $? != 0 && $(wc -l <<<"$out") == 1 && $out == *"p.db: its sweep has not ended (1 trials pending or running)"*"--partial"* ]]
check "an unfinished shard without --partial: $out" $?
[[ ! -e $work/x.db ]] || [[ $(sq "$work/x.db" "SELECT count(*) FROM trials") == 0 ]]
check "a refused merge wrote trials" $?
"$lb" merge "$work/p.db" --into "$work/x.db" --partial >/dev/null 2>&1; check "merge --partial" $?
out=$("$lb" merge "$work/s1.db" "$work/p.db" --into "$work/x.db" --partial 2>&1)
grep -q ": 0 trials added, 1 finished over pending, " <<<"$out"; check "finished over pending: $out" $?
dump "$work/x.db" | cmp -s - <(dump "$work/s1.db"); check "the finished trial came without its curve" $?

# Two different finished results for one hash: counted, the existing row kept.
cp "$work/s0.db" "$work/c.db"
h=$(sq "$work/c.db" "SELECT config_hash FROM trials WHERE status = 'done' LIMIT 1")
sq "$work/c.db" "UPDATE trials SET final_test = final_test + 1 WHERE config_hash = '$h'"
out=$("$lb" merge "$work/c.db" --into "$work/m.db" 2>&1)
grep -q ", 1 conflicting (kept $work/m.db's)" <<<"$out"; check "a conflict is not counted: $out" $?
full_dump "$work/m.db" | cmp -s - "$work/m.full"; check "a conflicting result overwrote the row" $?

# The same hash with other axis values aborts the shard, naming the trial and the column.
cp "$work/s2.db" "$work/a.db"
h=$(sq "$work/a.db" "SELECT config_hash FROM trials LIMIT 1")
sq "$work/a.db" "UPDATE trials SET lr = 0.5 WHERE config_hash = '$h'"
out=$("$lb" merge "$work/a.db" --into "$work/m.db" 2>&1)
[[ $? != 0 && $(wc -l <<<"$out") == 1 && $out == *"a.db: trial $h has lr 0.5 but "*"one config_hash, two configurations"* ]]
check "other axis values under one hash: $out" $?
full_dump "$work/m.db" | cmp -s - "$work/m.full"; check "an aborted shard left rows behind" $?

# Different host versions: a warning, and the merge goes on.
cp "$work/s0.db" "$work/v.db"
sq "$work/v.db" "UPDATE sweeps SET host_version = '0.0.1'"
out=$("$lb" merge "$work/v.db" "$work/s1.db" --into "$work/v_m.db" 2>&1 >/dev/null)
[[ $out == *"warning: the shards were written by different lossbench versions (0.0.1: $work/v.db; "* ]]
check "no warning for different host versions: $out" $?

# A newer schema is refused; an older one is upgraded on a copy, the shard left as it was.
cp "$work/s0.db" "$work/new.db"
sq "$work/new.db" "UPDATE meta SET value = '99' WHERE key = 'schema_version'"
out=$("$lb" merge "$work/new.db" --into "$work/n.db" 2>&1)
[[ $? != 0 && $out == *"new.db: database has schema version 99, newer than this lossbench's"* ]]
check "a newer schema: $out" $?
cp "$work/s0.db" "$work/old.db"
views=$(sq "$work/old.db" "SELECT group_concat('DROP VIEW ' || name, '; ') FROM sqlite_master WHERE type = 'view'")
sq "$work/old.db" "$views; ALTER TABLE trials DROP COLUMN split; ALTER TABLE trials DROP COLUMN split_seed;
  ALTER TABLE trials DROP COLUMN test_baseline; DROP TABLE classes;
  UPDATE meta SET value = '3' WHERE key = 'schema_version'"
old_sha=$(sha256sum <"$work/old.db")
out=$("$lb" merge "$work/old.db" --into "$work/o.db" 2>&1); check "merging a version-3 shard: $out" $?
[[ $old_sha == "$(sha256sum <"$work/old.db")" ]]; check "the version-3 shard was upgraded in place" $?
# Version 3 had no test_baseline: the upgrade adds it empty.
cp "$work/s0.db" "$work/s0n.db"
sq "$work/s0n.db" "UPDATE trials SET test_baseline = NULL"
dump "$work/o.db" | cmp -s - <(dump "$work/s0n.db"); check "the upgraded shard's trials differ" $?

# Bad input: one line, non-zero.
for args in "--into $work/z.db" "$work/s0.db" "$work/nothing.db --into $work/z.db" "$work/s0.db --into $work/s0.db"; do
  # shellcheck disable=SC2086
  out=$("$lb" merge $args 2>&1)
  [[ $? != 0 && $(wc -l <<<"$out") == 1 ]]; check "lossbench merge $args: $out" $?
done
[[ $fail == 0 ]] && echo "merge: $total trials in 3 shards merged equal to one run"
exit $fail
