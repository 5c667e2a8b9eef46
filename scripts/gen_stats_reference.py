#!/usr/bin/python3
"""Writes tests/data/stats_reference.json: SciPy's values for the test of lossbench::stats.

Run once with Debian's python3-scipy (/usr/bin/python3, not a python3 earlier on PATH); the JSON is
committed and the `stats` test compares lossbench::stats against it, so neither CI nor users need
SciPy.
    /usr/bin/python3 scripts/gen_stats_reference.py
    /usr/bin/python3 scripts/gen_stats_reference.py --nemenyi-table
The second prints host/util/stats.cpp's table of Nemenyi's q_0.05 for k = 2..100 (paste it over the
old one and run scripts/format.sh, which lines the columns up).

Conventions the C++ side relies on:
- wilcoxon: zero_method='zsplit', correction=False, two-sided. The exact null distribution is used
  only when n <= 50 with no zero and no tied |d|; every other case is asked of SciPy with
  method='approx'. (SciPy 1.10's method='auto' also takes the exact path when |d| has ties but no
  zeros, truncating the half-integer R+ to an integer; lossbench does not copy that. Each case
  records what 'auto' gives as scipy_auto_p.) The inputs have few decimals, and SciPy is given
  their differences rounded to 12 significant digits: the d lossbench ranks.
- friedmanchisquare ranks lower values first; its inputs are given as blocks (rows) x treatments.
- chi2_sf and f_sf cases with even degrees of freedom also carry "exact_sf", from closed forms
  (a Poisson sum, a binomial tail) in high precision, since SciPy's Cephes values are off by up
  to ~5e-13 at (d1, d2) = (40, 2000).
- t_quantile: "t" is stats.t.ppf polished by Newton steps on stats.t.cdf (see t_quantile_polished),
  "scipy_ppf" the unpolished value.
- NaN and infinities are written as the strings "nan", "inf", "-inf" (JSON has no literal for them).
"""
import decimal
import json
import math
import os
import sys
import warnings
from fractions import Fraction

import numpy as np
import scipy
from scipy import stats

warnings.simplefilter("ignore")  # SciPy warns on small-n approximations: their values are wanted


def nemenyi_q05():
    # df = inf is supported by studentized_range in this SciPy (the asymptotic range distribution).
    return [(k, stats.studentized_range.ppf(0.95, k, np.inf) / math.sqrt(2)) for k in range(2, 101)]


if "--nemenyi-table" in sys.argv[1:]:
    print("// q(0.95; k, inf) / sqrt(2) for k = 2..100: scipy.stats.studentized_range.ppf, SciPy "
          + scipy.__version__ + ",")
    print("// printed by scripts/gen_stats_reference.py --nemenyi-table (6 significant digits).")
    print("constexpr double kNemenyiQ05[] = {")
    vals = ["%.6g" % q for _, q in nemenyi_q05()]
    line = "   "
    for v in vals:
        if len(line) + len(v) + 2 > 100:
            print(line)
            line = "   "
        line += " " + v + ","
    print(line)
    print("};")
    sys.exit(0)

rng = np.random.default_rng(20260311)


def num(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


t_cdf, t_quantile, chi2_sf, f_sf = [], [], [], []
for df in [1, 2, 3.5, 7, 30, 1000, 1e6]:
    for t in [-40.0, -6.5, -2.0, -0.3, 0.0, 1e-8, 0.7, 2.5, 12.0, 300.0]:
        t_cdf.append({"t": t, "df": df, "cdf": num(stats.t.cdf(t, df))})


def t_quantile_polished(p, df):
    """stats.t.ppf (Cephes' stdtrit in this SciPy) is only good to ~2e-9 (t.ppf(0.5, df) is 7e-17,
    not 0); Newton steps on stats.t.cdf / t.sf (stdtr, good to ~1e-15) bring it to the root of
    SciPy's own cdf. The upper half works on the upper tail, where 1 - p is exact."""
    if p == 0.5:
        return 0.0
    t = stats.t.ppf(p, df)
    for _ in range(3):
        if p < 0.5:
            t -= (stats.t.cdf(t, df) - p) / stats.t.pdf(t, df)
        else:
            t += (stats.t.sf(t, df) - (1 - p)) / stats.t.pdf(t, df)
    return t


for df in [0.5, 1, 2, 3.5, 5, 30, 1000, 1e6]:
    for p in [1e-12, 1e-6, 0.001, 0.025, 0.3, 0.5, 0.51, 0.9, 0.975, 0.999999]:
        t_quantile.append({"p": p, "df": df, "t": num(t_quantile_polished(p, df)),
                           "scipy_ppf": num(stats.t.ppf(p, df))})


def chi2_sf_exact(x, df):
    """For even df, P(X > x) = exp(-x/2) sum_{j < df/2} (x/2)^j / j!, here in 50-digit decimals
    at the exact double x: a check on SciPy's chdtrc, not only a copy of it."""
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        h = decimal.Decimal(x) / 2
        term, total = decimal.Decimal(1), decimal.Decimal(0)
        for j in range(int(df) // 2):
            total += term
            term = term * h / (j + 1)
        return float((-h).exp() * total)


def f_sf_exact(x, d1, d2):
    """For even d1, d2, P(F > x) = I_z(d2/2, d1/2), z = d2 / (d2 + d1 x), is a binomial tail:
    P(Binomial(n, z) >= d2/2) with n = (d1 + d2)/2 - 1, summed in exact fractions."""
    a, b = int(d2) // 2, int(d1) // 2
    n = a + b - 1
    z = Fraction(int(d2)) / (int(d2) + int(d1) * Fraction(x))
    return float(sum(math.comb(n, j) * z**j * (1 - z)**(n - j) for j in range(a, n + 1)))


for df in [1, 2, 3, 4.5, 10, 57, 400]:
    for q in [1e-9, 0.01, 0.5, 0.99, 0.999999999]:
        x = float(stats.chi2.ppf(q, df))
        case = {"x": x, "df": df, "sf": num(stats.chi2.sf(x, df))}
        if df % 2 == 0:
            case["exact_sf"] = num(chi2_sf_exact(x, df))
        chi2_sf.append(case)
    chi2_sf.append({"x": 0.0, "df": df, "sf": num(stats.chi2.sf(0.0, df))})
for d1, d2 in [(1, 1), (2, 5), (3, 39), (5, 145), (9, 18), (2.5, 7.5), (4, 10), (12, 300),
               (40, 2000)]:
    for x in [0.0, 0.05, 0.5, 1.0, 2.2, 4.7, 30.0]:
        case = {"x": x, "d1": d1, "d2": d2, "sf": num(stats.f.sf(x, d1, d2))}
        if d1 % 2 == 0 and d2 % 2 == 0 and x > 0:
            case["exact_sf"] = num(f_sf_exact(x, d1, d2))
        f_sf.append(case)

rankdata = []
for values in [[3.0, 1.0, 2.0], [1.0, 1.0, 1.0], [0.5, 0.25, 0.5, 0.75, 0.25, 0.5, -1.0],
               [], [7.0], [-0.0, 0.0, 1e-300, -1e-300],
               np.round(rng.normal(0, 1, 25), 1).tolist()]:
    rankdata.append({"values": [num(v) for v in values],
                     "ranks": [num(r) for r in stats.rankdata(values)] if values else []})

ttest = []


def add_ttest(name, a, b):
    r = stats.ttest_rel(a, b)
    ttest.append({"name": name, "a": [num(v) for v in a], "b": [num(v) for v in b],
                  "statistic": num(r.statistic), "p": num(r.pvalue)})


add_ttest("n=2", [0.81, 0.77], [0.79, 0.74])
add_ttest("n=3", [1.0, 2.0, 4.0], [0.5, 2.5, 3.0])
add_ttest("n=10", rng.normal(0.80, 0.05, 10).tolist(), rng.normal(0.78, 0.05, 10).tolist())
a = rng.normal(0.6, 0.1, 40)
add_ttest("n=40 small effect", a.tolist(), (a + rng.normal(0.01, 0.03, 40)).tolist())
a = rng.normal(10, 3, 25)
add_ttest("n=25 large effect", a.tolist(), (a - 5 + rng.normal(0, 0.5, 25)).tolist())

wilcoxon = []


def add_wilcoxon(name, a, b, exact):
    a, b = np.asarray(a, float), np.asarray(b, float)
    d = np.array([float("%.12g" % v) for v in a - b])  # the decimal difference, see the docstring
    absd = np.abs(d)
    has_zero = bool((d == 0).any())
    has_ties = len(np.unique(absd)) < len(absd)
    assert exact == (len(d) <= 50 and not has_zero and not has_ties), name
    r = stats.wilcoxon(d, zero_method="zsplit", correction=False,
                       method="exact" if exact else "approx")
    auto = stats.wilcoxon(d, zero_method="zsplit", correction=False)
    wilcoxon.append({"name": name, "a": a.tolist(), "b": b.tolist(), "exact": exact,
                     "statistic": num(r.statistic), "p": num(r.pvalue),
                     "scipy_auto_p": num(auto.pvalue)})


def scores(n, shift, decimals=3):
    a = np.round(rng.uniform(0.5, 0.95, n), decimals)
    b = np.round(a + shift + rng.normal(0, 0.03, n), decimals)
    return a, b


def distinct_scores(n, shift):
    # Whole thousandths with distinct nonzero |a - b|: the exact path.
    a = rng.integers(500, 950, n)
    steps = rng.permutation(np.arange(1, 4 * n))[:n]  # distinct sizes
    steps = np.where(rng.uniform(size=n) < 0.5 + shift, steps, -steps)  # b above a with 1/2 + shift
    return a / 1000, (a + steps) / 1000


add_wilcoxon("exact n=6", [0.61, 0.72, 0.55, 0.83, 0.64, 0.70],
             [0.62, 0.74, 0.58, 0.87, 0.69, 0.64], True)
for n, shift in [(10, 0.0), (10, 0.45), (20, 0.2), (20, -0.5), (50, 0.1)]:
    add_wilcoxon("exact n=%d shift %g" % (n, shift), *distinct_scores(n, shift), True)
# One tie among |d| and no zero: SciPy's 'auto' still takes the exact path (scipy_auto_p differs).
add_wilcoxon("ties without zeros n=12",
             [0.70, 0.81, 0.66, 0.59, 0.90, 0.75, 0.62, 0.68, 0.77, 0.85, 0.58, 0.73],
             [0.72, 0.84, 0.65, 0.63, 0.95, 0.81, 0.69, 0.76, 0.75, 0.94, 0.68, 0.84], False)
a, b = scores(15, 0.01, 2)
add_wilcoxon("ties n=15", a, b, False)
a, b = scores(18, 0.02, 2)
b[[2, 7, 11]] = a[[2, 7, 11]]
add_wilcoxon("zeros and ties n=18", a, b, False)
add_wilcoxon("all zero n=4", [0.5, 0.6, 0.7, 0.8], [0.5, 0.6, 0.7, 0.8], False)
add_wilcoxon("one zero n=1", [0.5], [0.5], False)
a, b = scores(60, 0.01)
add_wilcoxon("approx n=60", a, b, False)
a, b = scores(200, -0.005, 4)
add_wilcoxon("approx n=200", a, b, False)

friedman = []


def add_friedman(name, blocks):
    blocks = np.asarray(blocks, float)
    r = stats.friedmanchisquare(*blocks.T)
    n, k = blocks.shape
    # Demšar's Iman-Davenport statistic from SciPy's (tie-corrected) chi2, on F(k-1, (k-1)(n-1)).
    denom = n * (k - 1) - r.statistic
    ff = (n - 1) * r.statistic / denom if denom > 0 else np.inf
    friedman.append({"name": name, "n": n, "k": k, "blocks": blocks.ravel().tolist(),
                     "chi2": num(r.statistic), "p": num(r.pvalue),
                     "mean_ranks": np.mean([stats.rankdata(r) for r in blocks], axis=0).tolist(),
                     "iman_davenport_f": num(ff),
                     "iman_davenport_p": num(stats.f.sf(ff, k - 1, (k - 1) * (n - 1)))})


for k, n in [(3, 5), (4, 14), (5, 20), (6, 30), (3, 30)]:
    effect = np.linspace(0, 0.04, k)
    add_friedman("no ties k=%d n=%d" % (k, n),
                 rng.uniform(0.6, 0.9, (n, 1)) + effect + rng.normal(0, 0.02, (n, k)))
for k, n in [(3, 8), (4, 10), (5, 25), (6, 12)]:
    effect = np.linspace(0, 0.02, k)
    add_friedman("ties k=%d n=%d" % (k, n),
                 np.round(rng.uniform(0.6, 0.9, (n, 1)) + effect + rng.normal(0, 0.02, (n, k)), 2))
add_friedman("identical rankings k=4 n=6", np.tile([0.1, 0.2, 0.3, 0.4], (6, 1)))

reference = {
    "format": 1,
    "generator": "scipy " + scipy.__version__ + ", numpy " + np.__version__,
    "conventions": "wilcoxon: zero_method='zsplit', correction=False, method 'exact' iff "
                   "n <= 50 with no zero and no tied |d| else 'approx' (scipy_auto_p: SciPy's "
                   "method='auto'); friedman blocks row-major n x k; t_quantile t: t.ppf polished "
                   "on t.cdf, scipy_ppf: raw; nan/inf as strings",
    "t_cdf": t_cdf, "t_quantile": t_quantile, "chi2_sf": chi2_sf, "f_sf": f_sf,
    "rankdata": rankdata, "ttest_rel": ttest, "wilcoxon": wilcoxon, "friedman": friedman,
    "nemenyi_q05": [{"k": k, "q": q} for k, q in nemenyi_q05() if k <= 10],
}
path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "stats_reference.json")
with open(path, "w") as f:
    json.dump(reference, f, indent=1)
    f.write("\n")
print("wrote %d t cdf, %d t quantile, %d chi2, %d F, %d rankdata, %d ttest_rel, %d wilcoxon, "
      "%d friedman cases to %s" % (len(t_cdf), len(t_quantile), len(chi2_sf), len(f_sf),
                                   len(rankdata), len(ttest), len(wilcoxon), len(friedman),
                                   os.path.normpath(path)))
