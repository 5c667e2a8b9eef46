#!/usr/bin/env bash
# The reproductions of issue 11 ("nothing an overnight sweep meets may crash lossbench's own code
# or lose a result"), end to end through the binary: each case once crashed, lost results or
# said the wrong thing. Each check names what it wanted.
# usage: adversarial.sh LOSSBENCH
set -uo pipefail
lb=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
q() { sqlite3 "$1" "$2"; }

# 1. Weights overflowing to infinity: a divergence with its step, never a crash (rc 139 once),
#    with and without isolation, for every classification loss.
"$lb" run --datasets iris --losses cross_entropy --optimizers sgd --lr 1e308 --batch_size 90 --epochs 1 \
  --no-isolation --quiet --db "$work/inf.db" >/dev/null 2>"$work/err"; rc=$?
[[ $rc == 0 ]] || bad "lr 1e308 without isolation exited $rc: $(cat "$work/err")"
[[ $(q "$work/inf.db" "SELECT status || ':' || (diverged_step IS NOT NULL) FROM trials") == diverged:1 ]] ||
  bad "lr 1e308: not diverged with a step: $(q "$work/inf.db" "SELECT status, message FROM trials")"
# No seed finished: the leaderboard shows '-', never a perfect-looking 0.
top=$("$lb" top "$work/inf.db")
grep -Eq "0/1 +- +-$" <<<"$top" || bad "top on an all-diverged cell: $top"
"$lb" run --datasets iris,wine,breast_cancer --losses auto --optimizers sgd,adam --lr 1e308,1e30 --epochs 2 \
  --quiet --db "$work/inf2.db" >/dev/null 2>&1 || bad "overflowing sweep with isolation exited non-zero"
[[ $(q "$work/inf2.db" "SELECT count(*) FROM trials WHERE status NOT IN ('done', 'diverged')") == 0 ]] ||
  bad "overflowing sweep: $(q "$work/inf2.db" "SELECT loss, status, message FROM trials WHERE status NOT IN ('done','diverged')")"

# 4. A model too big for memory: failed, naming what it needs and the limit; no abort, no
#    trial left running.
big=(--datasets iris --losses cross_entropy --optimizers sgd --epochs 1 --quiet --models "mlp(hidden=100000x100000)")
# Sanitizer builds set no address-space cap (their shadow memory needs terabytes of it). Read
# ldd whole: with pipefail, `ldd | grep -q` fails when grep stops reading early.
libs=$(ldd "$lb" 2>/dev/null)
capped=1
[[ $libs == *libasan* || $libs == *libtsan* ]] && capped=0
for mode in "--max-memory 2G" "--no-isolation --max-memory 2G"; do
  rm -f "$work/big.db"*
  # shellcheck disable=SC2086
  "$lb" run "${big[@]}" $mode --db "$work/big.db" >/dev/null 2>"$work/err"; rc=$?
  [[ $rc == 0 ]] || bad "huge model ($mode) exited $rc: $(cat "$work/err")"
  msg=$(q "$work/big.db" "SELECT status || ': ' || message FROM trials")
  [[ $msg == "failed: model mlp(hidden=100000x100000"*"needs about"*"GiB"*"the memory limit is"* ]] ||
    bad "huge model ($mode): $msg"
  [[ $capped == 0 || $msg == *"the memory limit is 2 GiB"* ]] || bad "huge model ($mode): not the --max-memory limit: $msg"
done

# 5. Absurd thread counts are capped with a note, and the sweep runs.
"$lb" run --datasets iris --losses cross_entropy --optimizers sgd --epochs 1 --threads 100000 --quiet \
  --db "$work/t.db" >/dev/null 2>"$work/err"; rc=$?
[[ $rc == 0 && $(cat "$work/err") == *"option 'threads': 100000 is more than 4 per core; using"* ]] ||
  bad "--threads 100000 -> exit $rc: $(cat "$work/err")"
[[ $(q "$work/t.db" "SELECT status FROM trials") == done ]] || bad "--threads 100000: the trial did not run"

# 7. --dry-run's estimate over trials without a wall time (hang timeouts record none).
q "$work/t.db" "UPDATE trials SET status = 'timeout', wall_ms = NULL"
out=$("$lb" run --datasets iris --losses cross_entropy --optimizers sgd --epochs 1 --dry-run --db "$work/t.db" 2>&1) ||
  bad "--dry-run over a NULL wall_ms: $out"

# 8. The resume command after Ctrl-C is one that bash runs as printed, and it has no --force.
long=(--datasets "iris,moons(n=20000)" --models "linear;mlp(hidden=64x64)" --losses cross_entropy,bce
      --optimizers sgd --lr 0.01,0.1 --seeds 0,1 --epochs 40 --threads 1 --force --db "$work/r.db")
"$lb" run "${long[@]}" >"$work/r.out" 2>&1 &
pid=$!
for _ in $(seq 100); do [[ -s $work/r.db ]] && break; sleep 0.1; done
sleep 1
kill -INT $pid
wait $pid; rc=$?
cmd=$(grep -A1 "Resume with:" "$work/r.out" | tail -1)
if [[ $rc != 130 || $cmd != *"lossbench run "* ]]; then
  bad "Ctrl-C -> exit $rc, no resume command: $(cat "$work/r.out")"
else
  [[ $cmd != *--force* ]] || bad "the resume command keeps --force: $cmd"
  finished=$(q "$work/r.db" "SELECT count(*) FROM trials WHERE status = 'done'")
  lossbench() { "$lb" "$@"; }
  eval "$cmd" >"$work/r2.out" 2>&1 || bad "the resume command failed in bash: $cmd: $(tail -3 "$work/r2.out")"
  grep -q "$finished were already in" "$work/r2.out" || bad "the resume re-ran finished trials: $(grep ran "$work/r2.out")"
fi

# 9. A database that vanishes with the process is refused before any training.
for db in ":memory:" ""; do
  err=$("$lb" run --datasets iris --losses cross_entropy --optimizers sgd --epochs 1 --db "$db" 2>&1 >/dev/null); rc=$?
  [[ $rc != 0 && $err == *"option 'db': '$db' is not a file path"* ]] || bad "--db '$db' -> exit $rc: $err"
done

# 10. Validation: a key twice in a section, a negative decay, repeated axis values, a path with
#     ')' ',' ';', a byte order mark.
printf 'datasets = iris\n[loss.huber]\ndelta = 1\n# again:\ndelta = 2\n' >"$work/dup.ini"
err=$("$lb" run --config "$work/dup.ini" --db "$work/d.db" 2>&1 >/dev/null); rc=$?
[[ $rc != 0 && $err == *"dup.ini:5: 'loss.huber.delta' is already set on line 3"* ]] || bad "duplicate INI key -> $rc: $err"
err=$("$lb" run --datasets iris --schedule step --gamma -0.5 --db "$work/d.db" 2>&1 >/dev/null); rc=$?
[[ $rc != 0 && $err == *"option 'gamma': -0.5 must be > 0"* ]] || bad "negative gamma -> $rc: $err"
"$lb" run --datasets iris,iris --losses cross_entropy,cross_entropy --optimizers sgd --lr 0.1,0.1 --seeds 0,0 \
  --epochs 1 --quiet --db "$work/dupax.db" >"$work/out" 2>"$work/err" || bad "repeated axis values: $(cat "$work/err")"
[[ $(grep -c "more than once; it runs once" "$work/err") == 4 ]] || bad "repeated axis values: notes: $(cat "$work/err")"
grep -q "= 1 trials" "$work/out" || bad "repeated axis values: not one trial: $(head -2 "$work/out")"
# The same configuration spelled twice (a model with its defaults written out) is one trial.
"$lb" run --datasets iris --models "mlp(hidden=4);mlp(hidden=4,activation=relu,init=he)" --losses cross_entropy \
  --optimizers sgd --epochs 1 --quiet --db "$work/same.db" >"$work/out" 2>"$work/err" || bad "respelled model: $(cat "$work/err")"
grep -q "1 cell(s) of the matrix were another cell's configuration spelled differently" "$work/err" &&
  grep -q "= 1 trials" "$work/out" || bad "respelled model: $(cat "$work/err" "$work/out")"
odd="$work/data (v2); a,b"
mkdir -p "$odd"
printf 'x1,x2,y\n' >"$odd/t.csv"
for i in $(seq 100); do echo "$i,$((i % 7)),$((i * 2 + 1))" >>"$odd/t.csv"; done
"$lb" run --datasets "iris,csv:\"$odd/t.csv\"?target=y" --losses auto --optimizers sgd --epochs 1 --quiet \
  --db "$work/odd.db" >/dev/null 2>"$work/err" || bad "quoted dataset path: $(cat "$work/err")"
[[ $(q "$work/odd.db" "SELECT count(DISTINCT dataset) FROM trials WHERE dataset LIKE 'csv:%(v2); a,b/t.csv?target=y'") == 1 ]] ||
  bad "quoted dataset path: $(q "$work/odd.db" "SELECT DISTINCT dataset FROM trials")"
# INI lines Boost would reject without a line number, or accept in contradicting words.
printf 'datasets = iris\n; a comment\n[optimizer.sgd]\nmomentum = 0.9\n' >"$work/semi.ini"
"$lb" run --config "$work/semi.ini" --losses cross_entropy --optimizers sgd --epochs 1 --quiet \
  --db "$work/semi.db" >/dev/null 2>"$work/err" || bad "a ; comment in INI: $(cat "$work/err")"
printf 'datasets = iris\nbogus line\n' >"$work/bogus.ini"
err=$("$lb" run --config "$work/bogus.ini" --db "$work/d.db" 2>&1 >/dev/null)
[[ $err == *"bogus.ini:2: 'bogus line' is not key = value, a [section] or a comment"* ]] || bad "malformed INI line: $err"
printf 'datasets = iris\n[optimizer.adam\n' >"$work/sect.ini"
err=$("$lb" run --config "$work/sect.ini" --db "$work/d.db" 2>&1 >/dev/null)
[[ $err == *"sect.ini:2: '[optimizer.adam' is not a [section]"* ]] || bad "unclosed INI section: $err"
printf 'datasets = iris\nforce = true\n' >"$work/force.ini"
err=$("$lb" run --config "$work/force.ini" --db "$work/d.db" 2>&1 >/dev/null)
[[ $err == *"'force' is a command-line option, not a sweep file key"* ]] || bad "force in INI: $err"
printf '\xEF\xBB\xBFdatasets = iris\nlosses = cross_entropy\noptimizers = sgd\nepochs = 1\n' >"$work/bom.ini"
"$lb" run --config "$work/bom.ini" --quiet --db "$work/bom.db" >/dev/null 2>"$work/err" || bad "INI with a BOM: $(cat "$work/err")"

# 12. Messages that name the right cause.
"$lb" run --datasets iris --losses cross_entropy --optimizers sgd --epochs 1 --seeds 1000000001 --quiet \
  --db "$work/seed.db" >/dev/null 2>"$work/err" || bad "seed 1000000001 refused: $(cat "$work/err")"
[[ $(q "$work/seed.db" "SELECT seed FROM trials") == 1000000001 ]] || bad "seed 1000000001 not stored"
err=$("$lb" run --datasets iris --epochs 1e10 --db "$work/e.db" 2>&1 >/dev/null)
[[ $err == *"option 'epochs': '1e10' must be an integer from 1 to 1000000000"* ]] || bad "epochs 1e10: $err"
err=$("$lb" run --datasets iris --max-memory 1K --db "$work/e.db" 2>&1 >/dev/null)
[[ $err == *"option 'max-memory': '1K' is below 256M"* ]] || bad "--max-memory 1K: $err"
if [[ $capped == 1 ]]; then
  err=$("$lb" run --datasets "linear(n=300000,d=60)" --losses mse --optimizers sgd --epochs 1 --max-memory 256M \
    --quiet --db "$work/e.db" 2>&1 >/dev/null); rc=$?
  [[ $rc != 0 && $err == *"out of memory while loading it (raise --max-memory"* ]] || bad "dataset over the cap -> $rc: $err"
fi

[[ $fail == 0 ]] && echo "every adversarial reproduction behaves"
exit $fail
