#!/usr/bin/env bash
# The report page in a real browser (headless Chromium): every chart of every section drew, no
# console message, the best leaderboard rows and the curves' last points the DOM shows are the
# database's, and a page whose data is broken is caught by the same checks. Skipped (exit 77)
# where Chromium is not installed: `scripts/install-deps.sh --dev` installs it, as CI does.
# usage: report_browser.sh LOSSBENCH
set -uo pipefail
lb=$1
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
  echo "SKIP: no chromium (scripts/install-deps.sh --dev installs it)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
db=$work/b.db

"$lb" run --datasets "iris,linear(n=200,d=4,noise=0.3,outliers=0.1)" \
  --models "linear;mlp(hidden=8x8,activation=sigmoid)" --losses auto --optimizers sgd,adam \
  --lr 0.01,0.1,30 --seeds 0,1 --epochs 4 --quiet --db "$db" >"$work/run.out" 2>&1 ||
  bad "run failed: $(cat "$work/run.out")"
# Against a baseline (a copy, one configuration changed), so that its section draws too.
cp "$db" "$work/base.db"
sqlite3 "$work/base.db" "UPDATE trials SET final_test = final_test + 0.5 WHERE config_id =
  (SELECT config_id FROM leaderboard WHERE is_best AND task = 'regression' LIMIT 1)"
"$lb" report "$db" --baseline "$work/base.db" >/dev/null || bad "report failed"

# The DOM after the scripts ran (virtual time lets the page's timers finish at once), and the
# console on stderr. A fresh profile each time: nothing cached between runs.
render() {  # page dom-file log-file
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$work/profile-$RANDOM" --virtual-time-budget=10000 \
    --enable-logging=stderr --v=0 --dump-dom "file://$1" >"$2" 2>"$3"
}
render "$work/b.html" "$work/dom.html" "$work/console.log" || bad "chromium failed: $(tail -3 "$work/console.log")"
grep ':CONSOLE' "$work/console.log" && bad "console messages (above)"

python3 - "$work/dom.html" "$db" <<'EOF' || bad "rendered page: see above"
import html.parser, re, sqlite3, sys
dom = open(sys.argv[1], encoding="utf-8").read()
db = sqlite3.connect(sys.argv[2])
body = re.search(r'<body([^>]*)>', dom).group(1)
attrs = dict(re.findall(r'data-([a-z]+)="([^"]*)"', body))
if attrs.get("errors") != "0": sys.exit("errors: %r; status: %s" % (attrs, re.search(r'id="render-status"[^>]*>([^<]*)', dom).group(1)))
charts, drawn = int(attrs.get("charts", 0)), int(attrs.get("drawn", -1))
if drawn != charts: sys.exit("%d of %d charts drew" % (drawn, charts))

# What each section drew, by its canvases and diagrams (Chart.js marks a canvas it rendered).
class Sections(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.at = None; self.count = {}; self.cells = []; self.cell = None
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "section": self.at = a["id"]; self.count[self.at] = {"canvas": 0, "svg": 0, "drawn": 0, "table": 0}
        elif self.at and tag in ("canvas", "svg", "table"):
            self.count[self.at][tag] += 1
            if tag == "canvas" and a.get("data-drawn") == "1": self.count[self.at]["drawn"] += 1
        # The test mean of each best leaderboard row.
        if tag == "tr" and a.get("class") == "best": self.cell = "row"
        if tag == "td" and self.cell == "row" and "test" in (a.get("class") or "").split(): self.cell = "test"
    def handle_data(self, data):
        if self.cell == "test": self.cells.append(data); self.cell = None
p = Sections(); p.feed(dom)
c = p.count
problems = db.execute("SELECT count(DISTINCT dataset || model) FROM leaderboard").fetchone()[0]
classification = db.execute("SELECT count(DISTINCT dataset || model) FROM leaderboard WHERE task != 'regression'").fetchone()[0]
models = db.execute("SELECT count(DISTINCT model) FROM trials").fetchone()[0]
groups = db.execute("SELECT count(DISTINCT task || metric) FROM leaderboard").fetchone()[0]
# Per problem: 4 learning curves and the lr chart; across: a profile and an ECDF per loss and per
# optimizer; a critical-difference diagram per task and metric, per loss and per optimizer.
want = {"datasets": ("canvas", 5 * problems), "across": ("canvas", 4), "gradients": ("canvas", models),
        "calibration": ("canvas", classification)}
for sec, (what, n) in want.items():
    if c[sec][what] != n or c[sec]["drawn"] != n: sys.exit("%s: %r, want %d %s drawn" % (sec, c[sec], n, what))
if c["across"]["svg"] != 2 * groups: sys.exit("across: %d diagrams, want %d" % (c["across"]["svg"], 2 * groups))
if c["summary"]["table"] < 4 or c["failures"]["table"] != 1 or c["baseline"]["table"] != 1:
    sys.exit("tables: %r" % c)
# The best rows the DOM shows are the view's, to 4 significant digits.
best = sorted(float("%.4g" % v) for (v,) in db.execute("SELECT test_mean FROM leaderboard WHERE is_best"))
shown = sorted(float(x) for x in p.cells)
if shown != best: sys.exit("best test means shown %r, view %r" % (shown, best))
# The curves drawn: each "validation ... against epochs" chart's last points (its label says them)
# are the entries' mean validation metric at the last epoch, recomputed from the raw curves.
js_num = lambda v: float("%.4g" % v)
labels = re.findall(r'<canvas[^>]*aria-label="validation [^"]* against epochs\. Last points: ([^"]*)"', dom)
shown = sorted((p.split(" (")[0], float(p.rsplit(": ", 1)[1].split(" at ")[0])) for l in labels for p in l.split("; "))
want = sorted((loss, js_num(v)) for loss, v in db.execute(
    "SELECT e.entry, avg(c.val_metric) FROM entries e JOIN trials t ON t.config_id = e.config_id"
    " AND t.status = 'done' JOIN curves c ON c.trial_id = t.id AND c.epoch = t.epochs"
    " WHERE e.by = 'loss' GROUP BY e.dataset, e.model, e.entry"))
if not shown or shown != want: sys.exit("last curve points shown %r, curves %r" % (shown, want))
print("browser: %d charts drew, %d diagrams, %d best rows and %d curve ends match" % (charts, c["across"]["svg"], len(best), len(shown)))
EOF

# The checks catch a broken page: data the script cannot parse leaves it unrendered, with a
# console error.
sed 's/"leaderboard": {"columns"/"leaderboard": {"colums"/' "$work/b.html" >"$work/broken.html"
render "$work/broken.html" "$work/broken-dom.html" "$work/broken.log"
grep -q ':CONSOLE.*Uncaught' "$work/broken.log" || bad "a broken page logged no console error"
grep -q 'data-errors="0"' "$work/broken-dom.html" && bad "a broken page claims no errors"

[[ $fail == 0 ]] && echo "report_browser: all checks passed"
exit $fail
