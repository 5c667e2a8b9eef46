#!/usr/bin/env bash
# `lossbench report` without a browser, on a real sweep with diverged trials: the page lands next
# to the database, loads nothing from elsewhere, has every section heading in order, and its data
# match the database (leaderboard rows, a curve point recomputed by sqlite3, every failure), the
# --baseline difference and interval of a configuration changed by hand; and
# the one-line errors of a missing database, a foreign file, and an output that cannot be written.
# usage: report.sh LOSSBENCH
set -uo pipefail
lb=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
db=$work/r.db
q() { sqlite3 -cmd ".timeout 5000" "$db" "$1"; }

# lr 30 diverges some trials: the failures section has rows.
"$lb" run --datasets "iris,linear(n=200,d=4,noise=0.3,outliers=0.1)" \
  --models "linear;mlp(hidden=8x8,activation=sigmoid)" --losses auto --optimizers sgd,adam \
  --lr 0.01,0.1,30 --seeds 0,1 --epochs 4 --quiet --db "$db" >"$work/run.out" 2>&1 ||
  bad "run failed: $(cat "$work/run.out")"
[[ $(q "SELECT count(*) FROM failures") -gt 0 ]] || bad "the sweep has no failure to report"

out=$("$lb" report "$db" 2>&1) || bad "report failed: $out"
page=$work/r.html
[[ -s $page ]] || bad "no $page next to the database"
[[ $out == "wrote $page ("*" KB: 4 problems, "*" finished trials, "*" failures)" ]] ||
  bad "summary line: $out"

# Offline: no element loads a script, style, image or frame from anywhere (everything is inline),
# and no style imports or fetches.
grep -Eio '<(script|link|img|iframe|source|embed)[^>]*(src|href)=' "$page" &&
  bad "the page loads something from a file or the network"
sed -n '/<style>/,/<\/style>/p' "$page" | grep -Ei '@import|url\(' && bad "the style fetches something"
[[ $(grep -c '<script' "$page") == 3 ]] || bad "want 3 inline scripts (data, Chart.js, report)"

python3 - "$page" "$db" <<'EOF' || bad "page data: see above"
import html.parser, json, re, sqlite3, sys
text = open(sys.argv[1], encoding="utf-8").read()
db = sqlite3.connect(sys.argv[2])
# Every section heading, in the issue's order.
heads = re.findall(r'<section id="([a-z]+)">\s*<h2>([^<]*)</h2>', text)
want = [("summary", "Summary"), ("datasets", "Per dataset"), ("across", "Across datasets"),
        ("gradients", "Gradients"), ("calibration", "Calibration"), ("failures", "Failures")]
if heads != want: sys.exit("sections %r" % heads)
block = re.search(r'<script type="application/json" id="lossbench-data">\n(.*?)\n</script>', text, re.S)
d = json.loads(block.group(1))
rows = lambda t: [dict(zip(t["columns"], r)) for r in t["rows"]]
lb = rows(d["leaderboard"])
n = db.execute("SELECT count(*) FROM leaderboard").fetchone()[0]
if len(lb) != n: sys.exit("leaderboard: %d rows in the page, %d in the view" % (len(lb), n))
for r in lb:
    ref = db.execute("SELECT test_mean FROM leaderboard WHERE config_id = ?", (r["config_id"],)).fetchone()
    if ref[0] is not None and abs(r["test_mean"] - ref[0]) > 1e-5 * abs(ref[0]):
        sys.exit("test mean of %s: page %r, view %r" % (r["config_id"], r["test_mean"], ref[0]))
marks = {r["marks"] for r in lb}
if not any("*" in m for m in marks): sys.exit("no best marked: %r" % marks)
# A curve point: the last epoch of each loss's tuned configuration, recomputed from the raw curves.
checked = 0
for e in rows(d["entries"]):
    pts = [c for c in rows(d["curves"]) if c["problem"] == e["problem"] and c["loss"] == e["loss"]]
    last = pts[-1]
    val, lo, hi, seeds = db.execute(
        "SELECT avg(c.val_metric), min(c.val_metric), max(c.val_metric), count(*) FROM curves c"
        " JOIN trials t ON t.id = c.trial_id WHERE t.config_id = ? AND t.status = 'done'"
        " AND c.epoch = ?", (e["config_id"], last["epoch"])).fetchone()
    for name, want_v in (("val", val), ("val_lo", lo), ("val_hi", hi)):
        if abs(last[name] - want_v) > 1e-5 * max(1.0, abs(want_v)):
            sys.exit("curve %s %s epoch %d %s: page %r, curves %r" % (e["problem"], e["loss"], last["epoch"], name, last[name], want_v))
    if last["seeds"] != seeds or last["epoch"] != 4: sys.exit("curve point %r" % last)
    checked += 1
if checked != len({(r["problem"], r["loss"]) for r in lb}): sys.exit("%d entries for %d (problem, loss)" % (checked, len(lb)))
fails = rows(d["failures"])
want_f = db.execute("SELECT trial_id, message FROM failures ORDER BY trial_id").fetchall()
if [(f["trial_id"], f["message"]) for f in fails] != want_f or d["failures_total"] != len(want_f):
    sys.exit("failures: page %r, view %r" % (fails, want_f))
grads = rows(d["gradients"])
layers = {(g["model"], g["layer"]) for g in grads}
if ("mlp(hidden=8x8,activation=sigmoid,init=xavier)", 2) not in layers or ("linear", 0) not in layers:
    sys.exit("gradient layers %r" % sorted(layers))
print("report data: %d leaderboard rows, %d curve checks, %d failures" % (len(lb), checked, len(fails)))
EOF

# --out, and the same page again (only the time it was made differs).
"$lb" report "$db" --out "$work/other.html" >/dev/null || bad "report --out failed"
diff <(grep -v generated_at "$page") <(grep -v generated_at "$work/other.html") >/dev/null ||
  bad "two reports of one database differ"
# A database without the .db extension gets .html appended, never its own name.
cp "$db" "$work/plain"
"$lb" report "$work/plain" >/dev/null && [[ -s $work/plain.html ]] || bad "no plain.html"

# --baseline: a copy whose one tuned configuration tested worse by 0.5 and 0.51 on its two seeds.
cp "$db" "$work/base.db"
changed=$(q "SELECT config_id FROM leaderboard WHERE is_best AND task = 'regression' LIMIT 1")
sqlite3 "$work/base.db" "UPDATE trials SET final_test = final_test + 0.5 + 0.01 * seed WHERE config_id = '$changed'"
"$lb" report "$db" --baseline "$work/base.db" --out "$work/against.html" >/dev/null ||
  bad "report --baseline failed"
python3 - "$work/against.html" "$db" <<'EOF' || bad "baseline section: see above"
import json, re, sqlite3, sys
text = open(sys.argv[1], encoding="utf-8").read()
db = sqlite3.connect(sys.argv[2])
if '<section id="baseline">\n<h2>Against the baseline</h2>' not in text: sys.exit("no baseline section")
d = json.loads(re.search(r'id="lossbench-data">\n(.*?)\n</script>', text, re.S).group(1))
b = d["baseline"]
want = db.execute("SELECT count(DISTINCT config_id) FROM trials WHERE status = 'done' AND final_test IS NOT NULL").fetchone()[0]
if (b["matched"], b["better"], b["worse"]) != (want, 1, 0): sys.exit("counts %r, want %d matched, 1 better" % (b, want))
rows = [dict(zip(b["tuned"]["columns"], r)) for r in b["tuned"]["rows"]]
moved = [r for r in rows if r["diff"] != 0]
if len(moved) != 1 or any(r["ci_low"] != 0 or r["ci_high"] != 0 for r in rows if r["diff"] == 0): sys.exit("rows %r" % moved)
# Differences -0.5 and -0.51: mean -0.505, half-width t(0.975, 1) * sd / sqrt(2).
half = 12.706204736174707 * (0.01 / 2 ** 0.5) / 2 ** 0.5
r = moved[0]
if abs(r["diff"] + 0.505) > 1e-5 or abs(r["ci_low"] - (-0.505 - half)) > 1e-5 or abs(r["ci_high"] - (-0.505 + half)) > 1e-5:
    sys.exit("changed configuration %r, want -0.505 +- %.6f" % (r, half))
EOF

# One-line errors with a non-zero exit.
one_line() {  # expected-exit pattern command...
  local want=$1 pattern=$2
  shift 2
  local err rc
  err=$("$@" 2>&1 >/dev/null)
  rc=$?
  [[ $rc == "$want" ]] || bad "$*: exit $rc, want $want ($err)"
  [[ $(wc -l <<<"$err") == 1 && $err == *$pattern* ]] || bad "$*: want one line with '$pattern': $err"
}
one_line 1 "$work/none.db: no such database" "$lb" report "$work/none.db"
echo "not a database" >"$work/text.db"
one_line 1 "not a lossbench results database" "$lb" report "$work/text.db"
sqlite3 "$work/other.db" "CREATE TABLE t (x)"
one_line 1 "not a lossbench results database" "$lb" report "$work/other.db"
one_line 1 "$work/no/such/dir/x.html: cannot write" "$lb" report "$db" --out "$work/no/such/dir/x.html"
one_line 1 "is a directory" "$lb" report "$db" --out "$work"
one_line 2 "is the database itself" "$lb" report "$db" --out "$db"
one_line 2 "one database at a time" "$lb" report "$db" "$db"
one_line 1 "$work/none.db: no such database (--baseline)" "$lb" report "$db" --baseline "$work/none.db"
one_line 2 "unknown option '--outt' (did you mean '--out'?)" "$lb" report "$db" --outt x.html
[[ ! -e $work/no ]] || bad "a failed report left files behind"
ls "$work"/*.tmp 2>/dev/null && bad "a temporary file was left behind"
"$lb" report --help | grep -q -- "--out" || bad "report --help does not show --out"

[[ $fail == 0 ]] && echo "report: all checks passed"
exit $fail
