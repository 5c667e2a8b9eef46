#!/usr/bin/env bash
# --format csv|json of status, plugins and datasets: what Python's csv and (strict) json modules
# read back, with the rows the table output and the database say there are; an unknown format is
# a one-line usage error.
# usage: formats.sh LOSSBENCH FIXTURE_DIR
set -uo pipefail
lb=$1 fixtures=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# check_csv HEADER ROWS: stdin is CSV with exactly this header line and this many records.
check_csv() {
  python3 -c '
import csv, sys
rows = list(csv.reader(sys.stdin))
header, n = sys.argv[1].split(","), int(sys.argv[2])
if rows[0] != header: sys.exit("header %r, wanted %r" % (rows[0], header))
if len(rows) - 1 != n: sys.exit("%d records, wanted %d" % (len(rows) - 1, n))
if any(len(r) != len(header) for r in rows): sys.exit("a record with another field count")
' "$1" "$2"
}
# check_json EXPR: stdin is JSON without NaN or Infinity, and the Python expression EXPR holds
# for it (as d).
check_json() {
  python3 -c '
import json, sys
def no(c): sys.exit("not JSON: " + c)
d = json.load(sys.stdin, parse_constant=no)
if not eval("(" + sys.argv[1] + ")"): sys.exit("does not hold: " + sys.argv[1] + "\n" + json.dumps(d)[:2000])
' "$1"
}

# A tiny sweep with two statuses: the learning rate 1e6 diverges.
"$lb" run --datasets iris --losses cross_entropy --optimizers sgd,adam --lr 0.1,1e6 --epochs 2 \
  --quiet --db "$work/x.db" >/dev/null 2>&1 || bad "run"
done_n=$(sqlite3 "$work/x.db" "SELECT count(*) FROM trials WHERE status = 'done'")
div_n=$(sqlite3 "$work/x.db" "SELECT count(*) FROM trials WHERE status = 'diverged'")
[[ $done_n -gt 0 && $div_n -gt 0 ]] || bad "the sweep should have done and diverged trials: $done_n, $div_n"

out=$("$lb" status "$work/x.db" --format csv) || bad "status --format csv exited $?"
check_csv status,trials,seconds 2 <<<"$out" || bad "status csv: $out"
python3 -c '
import csv, sys
rows = {r["status"]: r for r in csv.DictReader(sys.stdin)}
assert int(rows["done"]["trials"]) == int(sys.argv[1]) and int(rows["diverged"]["trials"]) == int(sys.argv[2]), rows
assert all(float(r["seconds"]) >= 0 for r in rows.values()), rows
' "$done_n" "$div_n" <<<"$out" || bad "status csv counts: $out"

out=$("$lb" status "$work/x.db" --format json) || bad "status --format json exited $?"
check_json "sorted(s['status'] for s in d['statuses']) == ['diverged', 'done']
  and sum(s['trials'] for s in d['statuses']) == $((done_n + div_n))
  and all(isinstance(s['seconds'], float) for s in d['statuses'])
  and d['last_sweep']['id'] == 1 and d['last_sweep']['ended_at'] is not None
  and d['last_sweep']['trials'] == $((done_n + div_n))
  and len(d['failures']) == $div_n and all(f['status'] == 'diverged' for f in d['failures'])
  and all(f['lr'] == 1e6 and isinstance(f['diverged_step'], int) for f in d['failures'])" \
  <<<"$out" || bad "status json"

# The table is unchanged in substance, and no line ends in a space.
out=$("$lb" status "$work/x.db") || bad "status exited $?"
[[ $out == *"diverged  $div_n"* && $out == *"first failures:"* ]] || bad "status table: $out"
[[ $(grep -c ' $' <<<"$out") == 0 ]] || bad "status table has trailing spaces: $out"

# plugins: as many rows as the table lists losses and optimizers.
table=$("$lb" plugins) || bad "plugins exited $?"
n_loss=$(sed -n 's/^losses (\([0-9]*\))$/\1/p' <<<"$table")
n_opt=$(sed -n 's/^optimizers (\([0-9]*\))$/\1/p' <<<"$table")
[[ $n_loss -gt 3 && $n_opt -gt 1 ]] || bad "plugins table counts: '$n_loss' '$n_opt'"
out=$("$lb" plugins --format csv) || bad "plugins --format csv exited $?"
check_csv name,kind,tasks,description,hyperparameters,path,sha256,abi $((n_loss + n_opt)) <<<"$out" ||
  bad "plugins csv"
[[ $out == *'huber,loss,regression,'*'delta=1['* ]] || bad "plugins csv: huber's row: $out"
out=$("$lb" plugins --format json) || bad "plugins --format json exited $?"
check_json "len(d) == $((n_loss + n_opt))
  and [p['kind'] for p in d].count('loss') == $n_loss
  and all(p['tasks'] is None for p in d if p['kind'] == 'optimizer')
  and all(len(p['sha256']) == 64 and p['path'].endswith('.so') for p in d)
  and [h['default'] for p in d if p['name'] == 'huber' for h in p['hyperparameters']] == [1.0]
  and any(h['name'] == 'momentum' for p in d if p['name'] == 'sgd' for h in p['hyperparameters'])" \
  <<<"$out" || bad "plugins json"
# A broken plugin file: still valid JSON on stdout, the failure on stderr, exit 1.
out=$("$lb" plugins --plugin-dir "$fixtures" --format json 2>"$work/err"); rc=$?
[[ $rc == 1 ]] || bad "plugins with broken fixtures, --format json, exited $rc"
check_json "any(p['name'] == 'fixture_half_mse' for p in d)" <<<"$out" || bad "plugins json with fixtures"
grep -q "wrong_abi.so" "$work/err" || bad "plugins json: failure not on stderr: $(cat "$work/err")"

# datasets: the five shipped ones and as many generators as the table lists.
table=$("$lb" datasets) || bad "datasets exited $?"
n_gen=$(sed -n '/^generators/,/^$/p' <<<"$table" | grep -c '^  [a-z]')
[[ $n_gen -gt 5 ]] || bad "datasets table: $n_gen generators"
out=$("$lb" datasets --format csv) || bad "datasets --format csv exited $?"
check_csv name,kind,task,parameters,description $((5 + n_gen)) <<<"$out" || bad "datasets csv"
out=$("$lb" datasets --format json) || bad "datasets --format json exited $?"
check_json "len(d) == 5 + $n_gen
  and [(x['name'], x['task']) for x in d if x['kind'] == 'shipped'] == [('iris', 'multiclass'),
      ('wine', 'multiclass'), ('breast_cancer', 'binary'), ('diabetes', 'regression'),
      ('digits', 'multiclass')]
  and all(x['parameters'] is None for x in d if x['kind'] == 'shipped')
  and all('n=' in x['parameters'] for x in d if x['kind'] == 'generator')" \
  <<<"$out" || bad "datasets json"

# An unknown format: one line naming the option, a usage exit, nothing on stdout.
for cmd in "status $work/x.db" plugins datasets; do
  # shellcheck disable=SC2086  # the database is a separate word
  out=$("$lb" $cmd --format xml 2>"$work/err"); rc=$?
  err=$(cat "$work/err")
  [[ $rc == 2 && -z $out && $(wc -l <<<"$err") == 1 &&
    $err == *"--format: 'xml' is not one of table, csv, json"* ]] ||
    bad "$cmd --format xml: exit $rc, stdout '$out', stderr '$err'"
done

[[ $fail -eq 0 ]] && echo "status, plugins and datasets write csv and json that parse back"
exit $fail
