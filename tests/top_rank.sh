#!/usr/bin/env bash
# `lossbench top` and `rank` end to end on a real sweep with hyperparameter axes: one leaderboard
# row per (loss, optimizer), the configuration chosen as sqlite3 computes it independently, the
# seed counts, a partial cell, the 100-column table and its marks, csv and json that Python reads,
# filters, one-line errors, and the majority baseline of a classification problem.
# usage: top_rank.sh LOSSBENCH
set -uo pipefail
lb=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
db=$work/hp.db
q() { sqlite3 -cmd ".timeout 5000" "$db" "$1"; }

"$lb" run --datasets "linear(n=200,d=4,noise=0.3,outliers=0.1)" --models linear --losses mse,huber \
  --optimizers sgd --lr 0.01,0.1 --loss.huber.delta 0.5,2 --optimizer.sgd.momentum 0,0.9 \
  --seeds 1,2 --epochs 3 --quiet --db "$db" >"$work/run.out" 2>&1 || bad "run failed: $(cat "$work/run.out")"
# mse: 2 lrs x 2 momenta; huber: x 2 deltas; 2 seeds each.
[[ $(q "SELECT count(*) FROM trials") == 24 ]] || bad "expected 24 trials"

csv=$("$lb" top "$db" --format csv) || bad "top --format csv failed"
required="dataset,model,loss,loss_params,optimizer,optimizer_params,lr,metric,seeds_done,seeds_planned,val_mean,test_mean,test_sd,test_ci_low,test_ci_high,tied_with_best,at_grid_edge"
python3 - "$required" "$csv" <<'EOF' || bad "top csv: see above"
import csv, io, sys
required, text = sys.argv[1].split(","), sys.argv[2]
rows = list(csv.DictReader(io.StringIO(text)))
header = next(csv.reader(io.StringIO(text)))
if header[:len(required)] != required: sys.exit("header %r" % header)
cells = sorted((r["loss"], r["optimizer"]) for r in rows)
if cells != [("huber", "sgd"), ("mse", "sgd")]: sys.exit("rows %r: want one per (loss, optimizer)" % cells)
for r in rows:
    if (r["seeds_done"], r["seeds_planned"]) != ("2", "2"): sys.exit("seeds %r" % r)
    if not float(r["test_ci_low"]) <= float(r["test_mean"]) <= float(r["test_ci_high"]): sys.exit("ci %r" % r)
    print(r["loss"], r["loss_params"], r["optimizer_params"], repr(float(r["lr"])))
EOF
# The chosen configuration, independently: the best mean final_val over seeds per cell.
for loss in mse huber; do
  want=$(q "SELECT loss_params || ' ' || optimizer_params || ' ' || lr FROM trials WHERE loss = '$loss'
            GROUP BY loss_params, optimizer_params, lr ORDER BY avg(final_val) LIMIT 1")
  got=$(python3 -c '
import csv, io, sys
for r in csv.DictReader(io.StringIO(sys.argv[1])):
    if r["loss"] == sys.argv[2]: print(r["loss_params"], r["optimizer_params"], repr(float(r["lr"])))
' "$csv" "$loss")
  [[ $got == "$want" ]] || bad "$loss: top chose '$got', the best validation mean is '$want'"
done

table=$("$lb" top "$db") || bad "top failed"
long=$(awk 'length($0) > 100' <<<"$table")
[[ -z $long ]] || bad "top lines over 100 columns: $long"
trailing=$(grep -c ' $' <<<"$table")
[[ $trailing == 0 ]] || bad "top: $trailing lines end in a space"
[[ $table == *"marks: * best test mean"* ]] || bad "top: no line explaining the marks: $table"
[[ $table == *"delta="* ]] || bad "top: the tuned delta is not shown: $table"

# A cell with a seed still pending is partial, in csv and in the table.
q "UPDATE trials SET status = 'pending', final_val = NULL, final_test = NULL WHERE id = (SELECT max(id) FROM trials WHERE loss = 'mse')"
part=$("$lb" top "$db" --loss mse --format json) || bad "top --loss mse --format json failed"
python3 -c '
import json, sys
rows = json.loads(sys.argv[1])
assert len(rows) == 1 and rows[0]["loss"] == "mse", rows
assert rows[0]["partial"] == 1, rows
assert rows[0]["seeds_planned"] == 2, rows
' "$part" || bad "partial cell: $part"
table=$("$lb" top "$db" --loss mse)
# One seed left to pair with the best: the best itself ('*') or untestable ('?'), never '=' or
# nothing.
grep -Eq '^[*?]~' <<<"$table" || bad "partial cell not marked '*~' or '?~': $table"

rank=$("$lb" rank "$db" --format csv) || bad "rank --format csv failed"
[[ $(head -1 <<<"$rank") == task,metric,problems_ranked,loss,datasets,mean_rank,wins,p_vs_best* ]] ||
  bad "rank csv header: $rank"
[[ $(wc -l <<<"$rank") == 3 ]] || bad "rank csv: want 2 losses: $rank"
rj=$("$lb" rank "$db" --by optimizer --format json) || bad "rank --by optimizer failed"
python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d[0]["optimizer"] == "sgd", d' "$rj" ||
  bad "rank json: $rj"
rt=$("$lb" rank "$db") || bad "rank failed"
[[ $rt == *"mean_rank"* && $rt == *"Holm"* ]] || bad "rank table: $rt"

# One-line errors.
check_error() {  # EXPECTED_RC PATTERN ARGS...
  local want=$1 pattern=$2
  shift 2
  local out rc
  out=$("$lb" "$@" 2>&1 >/dev/null); rc=$?
  [[ $rc == "$want" && $(wc -l <<<"$out") == 1 && $out == *"$pattern"* ]] ||
    bad "lossbench $*: exit $rc, want $want with one line containing '$pattern': $out"
}
check_error 1 "no leaderboard row matches" top "$db" --loss nope
check_error 1 "no leaderboard row matches" rank "$db" --dataset nothing
check_error 2 "--format: 'xml'" top "$db" --format xml
check_error 1 "--by: 'lr' is not one of loss, optimizer" rank "$db" --by lr
check_error 1 "no such database" top "$work/missing.db"
echo "not a database" >"$work/text.db"
check_error 1 "not a lossbench results database" top "$work/text.db"
check_error 2 "--limit: -1 is below 0" top "$db" --limit -1
check_error 2 "one database at a time" top "$db" "$db"
# A generator spec's own commas stay in it: this selects exactly one dataset.
"$lb" run --datasets "linear(n=120,d=3)" --models linear --losses mse --optimizers sgd --lr 0.1 \
  --seeds 1 --epochs 2 --quiet --db "$db" >/dev/null 2>&1 || bad "second dataset run failed"
one=$("$lb" top "$db" --dataset "linear(n=120,d=3)" --format csv)
[[ $(wc -l <<<"$one") == 2 ]] || bad "--dataset with a spec's commas: $one"

# The majority baseline: on 5% positives (a stratified test split of 10 in 200) predicting the
# majority scores 0.95 accuracy and a constant score's pr_auc is the positive rate, 0.05; each
# problem's section says so, and csv has it per row.
bdb=$work/baseline.db
for metric in accuracy pr_auc; do
  "$lb" run --datasets "imbalanced(n=1000,d=5,ratio=0.05)" --models linear --losses bce,hinge \
    --optimizers adam --lr 0.01 --seeds 0 --epochs 2 --metric $metric --quiet --db "$bdb" \
    >"$work/run.out" 2>&1 || bad "baseline run ($metric) failed: $(cat "$work/run.out")"
done
bt=$("$lb" top "$bdb") || bad "top on the baseline database failed"
for want in "majority baseline: accuracy 0.95 on test" "majority baseline: pr_auc 0.05 on test"; do
  [[ $(grep -c "^$want" <<<"$bt") == 1 ]] || bad "top: no line '$want' in: $bt"
done
[[ $(awk 'length($0) > 100' <<<"$bt") == "" ]] || bad "top: baseline line over 100 columns: $bt"
python3 - "$("$lb" top "$bdb" --format csv)" <<'EOF' || bad "top csv test_baseline: see above"
import csv, io, sys
rows = list(csv.DictReader(io.StringIO(sys.argv[1])))
got = sorted({(r["metric"], r["test_baseline"]) for r in rows})
if got != [("accuracy", "0.95"), ("pr_auc", "0.05")]: sys.exit("test_baseline %r" % got)
EOF
# A regression problem's constant is the training mean.
[[ $("$lb" top "$db") == *"mean baseline: rmse "* ]] || bad "top: no mean baseline for rmse"

[[ $fail == 0 ]] && echo "top_rank: all checks passed"
exit $fail
