#!/usr/bin/env bash
# Bad input, each case: one line on stderr saying what and where, a non-zero exit, and nothing
# already recorded lost.
# usage: bad_input.sh LOSSBENCH
set -uo pipefail
lb=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
base=(--quiet --db "$work/x.db")  # each case adds the options it is about
d=(--datasets iris)

expect() {  # expect PATTERN -- ARGS...   (stderr must be exactly one line holding PATTERN)
  local pattern=$1; shift 2
  local err; err=$("$lb" "$@" 2>&1 >/dev/null); local rc=$?
  if [[ $rc -eq 0 ]] || [[ $err != *"$pattern"* ]] || [[ $(printf '%s\n' "$err" | wc -l) -ne 1 ]]; then
    echo "FAIL: lossbench $* -> exit $rc, stderr: $err (wanted one line with '$pattern')"; fail=1
  fi
}

# Command-line options: wrong type, zero or negative, unknown names, missing files.
expect "option 'epochs': 'x' is not a number" -- run "${base[@]}" "${d[@]}" --epochs x
expect "option 'epochs': '0' must be an integer from 1 to 1000000000" -- run "${base[@]}" "${d[@]}" --epochs 0
expect "option 'batch_size': '-4' must be" -- run "${base[@]}" "${d[@]}" --batch_size -4
expect "option 'lr': -0.1 must be > 0" -- run "${base[@]}" "${d[@]}" --lr -0.1
expect "option 'lr': 'fast' is not a number" -- run "${base[@]}" "${d[@]}" --lr fast
expect "option 'seeds': '1.5' must be" -- run "${base[@]}" "${d[@]}" --seeds 1.5
expect "option 'split': split '0.6,0.4' must be three fractions" -- run "${base[@]}" "${d[@]}" --split 0.6,0.4
expect "option 'split': split '0.6,0.3,0.3': the fractions sum to 1.2, not 1" -- run "${base[@]}" "${d[@]}" --split 0.6,0.3,0.3
expect "option 'split_seed': 'x' must be" -- run "${base[@]}" "${d[@]}" --split_seed 0,x
expect "too few to split 0.9,0.1,0" -- run "${base[@]}" "${d[@]}" --split 0.9,0.1,0
expect "the sweep has no trials: no loss fits the tasks of its datasets" -- run "${base[@]}" "${d[@]}" --losses mse
expect "standardize_target=0 applies to regression targets" -- run "${base[@]}" --datasets "iris?standardize_target=0"
expect "corrupt=all applies to a generator that corrupts" -- dataset "moons?corrupt=all"
t=(trace --datasets iris --losses cross_entropy --optimizers adam --epochs 2)
expect "option 'lr': trace trains one trial, give one value (2 given)" -- "${t[@]}" --lr 0.1,0.2 --out "$work/t"
expect "option '--out' is required" -- "${t[@]}"
expect "option '--steps': '7' must be an integer from 1 to 6" -- "${t[@]}" --steps 7 --out "$work/t"
expect "the options give 0 trials" -- trace --datasets iris --losses mse --optimizers adam --out "$work/t"
expect "option 'threads': '-1' must be" -- run "${base[@]}" "${d[@]}" --threads -1
expect "option 'time_budget': must be >= 0" -- run "${base[@]}" "${d[@]}" --time_budget -1
expect "option 'divergence_factor': must be > 1" -- run "${base[@]}" "${d[@]}" --divergence_factor 0.5
expect "option 'eval_every': '0' must be" -- run "${base[@]}" "${d[@]}" --eval_every 0
expect "option 'schedule': 'cosin' is not constant, step or cosine (did you mean 'cosine'?)" -- run "${base[@]}" "${d[@]}" --schedule cosin
expect "unknown metric 'acuracy' (did you mean 'accuracy'?)" -- run "${base[@]}" "${d[@]}" --metric acuracy
expect "metric 'f1_pos' does not apply to dataset 'iris' (multiclass)" -- run "${base[@]}" "${d[@]}" --metric f1_pos
expect "option 'max-memory': '4Q' is not a size" -- run "${base[@]}" "${d[@]}" --max-memory 4Q
expect "unknown option '--epoch' (did you mean '--epochs'?)" -- run "${base[@]}" "${d[@]}" --epoch 3
expect "unknown optimizer 'adma' (did you mean 'adam'" -- run "${base[@]}" "${d[@]}" --optimizers adma
expect "unknown loss 'cross_entrop' (did you mean 'cross_entropy'?)" -- run "${base[@]}" "${d[@]}" --losses cross_entrop
expect "unknown dataset 'irsi' (did you mean 'iris'?)" -- run "${base[@]}" --datasets irsi
expect "unknown model 'mpl(hidden=8)'" -- run "${base[@]}" "${d[@]}" --models "mpl(hidden=8)"
expect "has no hyperparameter 'beta3' (did you mean 'beta1' or 'beta2'?)" -- run "${base[@]}" "${d[@]}" --optimizer.adam.beta3 0.9
expect "beta2 = 2 is outside its range" -- run "${base[@]}" "${d[@]}" --optimizers adam --optimizer.adam.beta2 2
expect "missing.csv: cannot open: No such file or directory" -- run "${base[@]}" --datasets "csv:$work/missing.csv"
expect "--config $work/missing.ini: cannot open" -- run --config "$work/missing.ini"

# CSV files: each malformed one named with its line, and how to get past it where there is a way.
printf 'a,y\n1,0\n"2,1\n3,0\n' > "$work/quote.csv"
expect "quote.csv:3: a quoted field opens here and is never closed" -- dataset "csv:$work/quote.csv"
printf 'a;y\n1;0\nNA;1\n' > "$work/na.csv"
expect "na.csv:3: missing value ('NA') in column 1 (a); ?na=drop" -- dataset "csv:$work/na.csv"
expect "na must be error or drop, not 'skip'" -- dataset "csv:$work/na.csv?na=skip"
printf 'id\ty\nu1\t0\nu2\t1\nu3\t0\n' > "$work/ids.tsv"
expect "ids.tsv:4: column 1 (id) has more than 2 distinct text values ('u3' is one more); drop it with ?drop=id" -- dataset "csv:$work/ids.tsv?max_categories=2"
expect "ids.tsv:1: ?drop: no column 'ie' (did you mean 'id'" -- dataset "csv:$work/ids.tsv?drop=ie"
printf 'a,y\n1,yes\n2,no\n3,maybe\n' > "$work/labels.csv"
expect "labels.csv:2: target 'yes' in column 2 (y) is text; task=regression needs numbers" -- dataset "csv:$work/labels.csv?task=regression"
expect "binary task needs 2 classes, column 2 (y) has 3" -- run "${base[@]}" --datasets "csv:$work/labels.csv?task=binary"
printf 'a,y\n1,0\n2,1\noops,0\n' > "$work/stray.csv"
expect "stray.csv:4: 'oops' in column 1 (a) is not a number, while 2 of its 3 values are" -- run "${base[@]}" --datasets "csv:$work/stray.csv"
expect "sep must be ',', ';' or 'tab', not 'x'" -- dataset "csv:$work/stray.csv?sep=x"
expect "no datasets" -- run --epochs 3

# INI keys: the same checks, with the file named.
printf 'datasets = iris\nepochs = 0\n' > "$work/a.ini"
expect "option 'epochs': '0' must be an integer from 1 to" -- run --config "$work/a.ini" --db "$work/x.db"
printf 'datasets = iris\nlearning_rate = 0.1\n' > "$work/b.ini"
expect "b.ini: unknown option 'learning_rate'" -- run --config "$work/b.ini" --db "$work/x.db"
printf 'datasets = iris\n[optimizer.sgd]\nmomentum = lots\n' > "$work/c.ini"
expect "option 'optimizer.sgd.momentum': 'lots' is not a number" -- run --config "$work/c.ini" --db "$work/x.db"

# Databases: unwritable path, not a database, another program's, another schema version.
expect "--db /proc/lossbench/x.db: cannot create folder /proc/lossbench" -- run --quiet "${d[@]}" --db /proc/lossbench/x.db
chmod 500 "$work" 2>/dev/null
[[ $(id -u) != 0 ]] && expect "cannot open database" -- run --quiet "${d[@]}" --db "$work/ro.db"
chmod 700 "$work"
head -c 4096 /dev/urandom > "$work/noise.db"
expect "noise.db" -- run --quiet "${d[@]}" --db "$work/noise.db"
sqlite3 "$work/other.db" "CREATE TABLE t(x)"
expect "an SQLite database of another program" -- run --quiet "${d[@]}" --db "$work/other.db"
"$lb" run --quiet "${d[@]}" --epochs 1 --db "$work/v.db" >/dev/null
sqlite3 "$work/v.db" "UPDATE meta SET value = '99' WHERE key = 'schema_version'"
expect "schema version 99, this lossbench writes " -- run --quiet "${d[@]}" --db "$work/v.db"

# A full disk (a file-size limit): the run stops with one line, and what it committed stays.
full=(--datasets "digits,iris,wine" --models "mlp(hidden=16)" --losses cross_entropy,focal,multi_margin
      --optimizers sgd,adam --lr 0.01,0.1 --seeds 0,1,2 --epochs 30 --quiet --threads 1 --db "$work/full.db")
# 600 KiB: room for the schema and a few trials, not for the whole sweep.
err=$( (ulimit -f 600; "$lb" run "${full[@]}") 2>&1 >/dev/null); rc=$?
if [[ $rc -eq 0 || $err != *"full.db"* || $err != *"finished trials are safe"* ]]; then
  echo "FAIL: full disk -> exit $rc: $err"; fail=1
fi
kept=$(sqlite3 "$work/full.db" "SELECT count(*) FROM trials WHERE status = 'done'")
orphans=$(sqlite3 "$work/full.db" "SELECT count(*) FROM trials t WHERE status = 'done' AND NOT EXISTS (SELECT 1 FROM curves c WHERE c.trial_id = t.id)")
[[ $kept -gt 0 && $orphans == 0 && $(sqlite3 "$work/full.db" "PRAGMA integrity_check") == ok ]] ||
  { echo "FAIL: after a full disk: $kept done, $orphans without curves"; fail=1; }
# With room again, the same command resumes and completes.
"$lb" run "${full[@]}" >/dev/null || { echo "FAIL: resume after a full disk"; fail=1; }
[[ $(sqlite3 "$work/full.db" "SELECT count(*) FROM trials WHERE status NOT IN ('done','diverged')") == 0 ]] ||
  { echo "FAIL: resume after a full disk left trials unfinished"; fail=1; }

[[ $fail == 0 ]] && echo "every bad input got one line and a non-zero exit; a full disk kept $kept trials"
exit $fail
