#pragma once
// Distributions and rank tests for comparing entries over many data sets (Demšar, JMLR 7, 2006).
// The lowest layer: standard library only. Each function is checked against SciPy in
// tests/test_stats.cpp (values from scripts/gen_stats_reference.py).
#include <cmath>
#include <cstddef>
#include <vector>

namespace lossbench::stats {
// The distributions hold about 1e-13 relative accuracy, tails included, for degrees of freedom up
// to ~1e6 (SciPy's own values are checked to 1e-10 and closed forms to 1e-12 in the test); with
// both F parameters, or the chi2 df, near 1e10 a few digits go at the mean. t with df >= 1e20 is
// the normal; chi2 and F beyond df ~1e12 are NaN rather than a partial sum.
double normal_cdf(double z);  // Phi(z)
// Inverse of normal_cdf, p in (0,1) (-inf/+inf at 0/1); not in SciPy's naming but needed by the
// t quantile at df = inf.
double normal_quantile(double p);
// df > 0, non-integer allowed; df = inf is the normal distribution. NaN for NaN or df <= 0.
double student_t_cdf(double t, double df);
// Inverse of student_t_cdf for p in (0,1), to ~1e-13 relative; -inf/+inf at p = 0/1, NaN outside.
double student_t_quantile(double p, double df);
double chi2_sf(double x, double df);          // P(X > x), X ~ chi2(df)
double f_sf(double x, double d1, double d2);  // P(X > x), X ~ F(d1, d2)

// Ranks 1..n, smallest value rank 1, ties share the average of their ranks (scipy.stats.rankdata's
// 'average'). Any NaN makes every rank NaN, as rankdata's default nan_policy does.
std::vector<double> average_ranks(const std::vector<double>& values);

// a - b with the digits below the 12th significant digit of max(|a|, |b|) rounded off: metrics
// printed with a few decimals subtract to differences that are equal (or zero) in decimal but not
// in binary (0.768 - 0.763 vs 0.936 - 0.931, 0.1 + 0.2 vs 0.3), and a rank test must see those
// as ties (or zeros). Exact for differences that are representable at that precision.
double rounded_difference(double a, double b);

struct TestResult {
  double statistic = NAN, p = NAN;
  size_t n = 0;
};
// Two-sided paired t-test of a vs b (same length, else std::invalid_argument), as
// scipy.stats.ttest_rel. n < 2: statistic and p NaN. When every rounded_difference is the same the
// variance is 0 (or float noise): all 0 gives statistic 0 and p = 1 (SciPy: NaN), else +-inf and
// p = 0.
TestResult paired_t(const std::vector<double>& a, const std::vector<double>& b);
// Two-sided Wilcoxon signed-rank test of d = rounded_difference(a, b) (same length, else
// std::invalid_argument). Zero differences are ranked and their rank sum split evenly between R+
// and R- (Demšar; SciPy's zero_method='zsplit'); statistic = min(R+, R-). p: the exact null
// distribution when n <= 50 and no |d| is zero or tied, else the normal approximation with the
// tie-corrected variance and no continuity correction (SciPy's correction=False). SciPy 1.10's
// method='auto' differs only for ties without zeros, n <= 50: it applies the exact distribution
// to R+ truncated to an integer; here that case is approximate, as its method='approx'. n = pairs;
// n == 0 or a NaN difference: statistic and p NaN.
TestResult wilcoxon(const std::vector<double>& a, const std::vector<double>& b);

struct Friedman {
  size_t n = 0, k = 0;             // blocks (data sets), treatments (entries)
  std::vector<double> mean_ranks;  // per treatment, rank 1 = smallest value in the block
  double chi2 = NAN, p = NAN;  // Friedman's statistic with SciPy's tie correction; chi2(k-1) tail
  // Iman and Davenport's F_F = (n-1) chi2 / (n(k-1) - chi2) on F(k-1, (k-1)(n-1)); NaN when n < 2.
  double iman_davenport_f = NAN, iman_davenport_p = NAN;
};
// blocks[i][j]: value of treatment j on block i; every row the same length k >= 2 and n >= 1, else
// std::invalid_argument. Lower value = better = rank 1 (negate higher-is-better metrics). chi2 and
// p as scipy.stats.friedmanchisquare (which wants k >= 3); values are ranked as given, not rounded.
// Every block all tied: chi2 and p NaN (0/0, as in SciPy).
Friedman friedman(const std::vector<std::vector<double>>& blocks);
// Friedman's chi2 from the mean ranks of n blocks (Demšar's equation, no tie correction).
double friedman_chi2_from_ranks(const std::vector<double>& mean_ranks, size_t n);
// Nemenyi's critical value at alpha 0.05: q(0.95; k, inf) / sqrt(2), the studentized range
// quantile, for k = 2..100 (Demšar's Table 5a for k <= 10); NaN outside.
double nemenyi_q05(size_t k);
// Critical difference of mean ranks, q05(k) sqrt(k(k+1) / (6n)); NaN for n == 0.
double nemenyi_cd(size_t k, size_t n);
// Holm's step-down adjusted p-values in the input order: monotone in p, capped at 1. NaN inputs
// stay NaN and do not count towards the number of hypotheses.
std::vector<double> holm(const std::vector<double>& p);
}  // namespace lossbench::stats
