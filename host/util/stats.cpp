#include "util/stats.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace lossbench::stats {
namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNormalDf = 1e20;  // t with more degrees of freedom is computed as the normal
// The series and fractions need about sqrt(a) terms near the mean; this many reach a ~ 1e12, and
// beyond that the answer is NaN rather than a partial sum.
constexpr int kMaxTerms = 10000000;

// q(0.95; k, inf) / sqrt(2) for k = 2..100: scipy.stats.studentized_range.ppf, SciPy 1.10.1,
// printed by scripts/gen_stats_reference.py --nemenyi-table (6 significant digits).
constexpr double kNemenyiQ05[] = {
    1.95996, 2.3437,  2.56903, 2.72777, 2.84971, 2.94832, 3.03088, 3.10173, 3.16368, 3.21865,
    3.268,   3.31274, 3.35362, 3.39123, 3.42604, 3.45842, 3.48868, 3.51707, 3.5438,  3.56904,
    3.59295, 3.61565, 3.63725, 3.65786, 3.67756, 3.69641, 3.7145,  3.73187, 3.74858, 3.76467,
    3.78019, 3.79518, 3.80966, 3.82368, 3.83725, 3.85041, 3.86318, 3.87558, 3.88763, 3.89934,
    3.91075, 3.92185, 3.93267, 3.94322, 3.95352, 3.96357, 3.97338, 3.98297, 3.99234, 4.00151,
    4.01048, 4.01927, 4.02787, 4.0363,  4.04456, 4.05265, 4.0606,  4.06839, 4.07604, 4.08355,
    4.09092, 4.09817, 4.10528, 4.11228, 4.11916, 4.12593, 4.13258, 4.13913, 4.14558, 4.15192,
    4.15817, 4.16432, 4.17038, 4.17635, 4.18224, 4.18804, 4.19375, 4.19939, 4.20495, 4.21044,
    4.21585, 4.22119, 4.22646, 4.23166, 4.23679, 4.24186, 4.24686, 4.25181, 4.25669, 4.26152,
    4.26628, 4.27099, 4.27565, 4.28025, 4.2848,  4.2893,  4.29374, 4.29814, 4.30249,
};

// log(1 + t) - t without the cancellation of the two terms for small t: with u = t / (2 + t),
// log(1 + t) = 2 atanh(u) = 2(u + u^3/3 + ...), and 2u - t = -t u.
double log1pmx(double t) {
  if (std::fabs(t) > 0.5) return std::log1p(t) - t;
  const double u = t / (2 + t), u2 = u * u;
  double sum = 0, power = u * u2;  // |u| <= 1/3: each term at most a ninth of the one before
  for (int j = 3; j < 80; j += 2) {
    const double term = power / j;
    sum += term;
    if (std::fabs(term) <= 1e-17 * std::fabs(sum)) break;
    power *= u2;
  }
  return -t * u + 2 * sum;
}

// lgamma(a) - ((a - 1/2) log a - a + log(2 pi) / 2), by its asymptotic series; a >= 8, where the
// terms up to a^-13 leave an error below 1e-15.
double stirling_error(double a) {
  const double r = 1 / a, r2 = r * r;
  return r * (1.0 / 12 -
              r2 * (1.0 / 360 -
                    r2 * (1.0 / 1260 -
                          r2 * (1.0 / 1680 -
                                r2 * (1.0 / 1188 - r2 * (691.0 / 360360 - r2 * (1.0 / 156)))))));
}
constexpr double kStirlingMin = 8;

// log(x^a e^-x / Gamma(a)). For large a the three terms are each far larger than their sum (a
// chi2 with 1000 degrees of freedom near its mean), so it is written as a log1pmx of x/a - 1.
double log_gamma_prefix(double a, double x) {
  if (a < kStirlingMin) return a * std::log(x) - x - std::lgamma(a);
  return a * log1pmx((x - a) / a) + 0.5 * std::log(a / (2 * kPi)) - stirling_error(a);
}

// log(x^a y^b / B(a, b)) with y = 1 - x given separately (it is what the callers know exactly).
// Large parameters cancel in the same way as in log_gamma_prefix; with Stirling's formula for the
// gammas, what is left are log1pmx terms of the distance of x from a / (a + b).
double log_beta_prefix(double a, double b, double x, double y) {
  const double log_x = x > 0.5 ? std::log1p(-y) : std::log(x);
  const double log_y = y > 0.5 ? std::log1p(-x) : std::log(y);
  if (std::max(a, b) < kStirlingMin)
    return a * log_x + b * log_y - (std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b));
  const double c = a + b;
  if (std::min(a, b) >= kStirlingMin) {
    const double x0 = a / c, y0 = b / c;
    // x - x0 = y0 - y: from the pair of smaller numbers, whose roundings are the smaller
    const double delta = x0 < y0 ? x - x0 : y0 - y;
    return a * log1pmx(delta / x0) + b * log1pmx(-delta / y0) + 0.5 * std::log(a * b / c) -
           0.5 * std::log(2 * kPi) - stirling_error(a) - stirling_error(b) + stirling_error(c);
  }
  // One large (l, at log_l) and one small (s): Gamma(l) / Gamma(l + s) by Stirling.
  const bool a_large = a >= b;
  const double l = a_large ? a : b, s = a_large ? b : a;
  const double log_l = a_large ? log_x : log_y, log_s = a_large ? log_y : log_x;
  return l * log_l + s * log_s - std::lgamma(s) + (l - 0.5) * std::log1p(s / l) + s * std::log(c) -
         s - stirling_error(l) + stirling_error(c);
}

// I_x(a, b) = x^a y^b / (a B(a, b)) / (1 + d1 / (1 + d2 / (1 + ...))) (Abramowitz & Stegun
// 26.5.8); this is the 1 / (1 + ...), in its even contraction 1 / (b0 + a1 / (b1 + a2 / ...)) with
// b0 = 1 + d1, a_m = -d_{2m-1} d_{2m}, b_m = 1 + d_{2m} + d_{2m+1}, by the modified Lentz method.
// Near x = 1 with a large (the t distribution at large df) each 1 + d is a difference of nearly
// equal terms and x has lost the digits of y = 1 - x; multiplied out, b_m is a polynomial in a, b,
// m plus y times another, which keeps those digits. It converges fast for x below the mean.
double beta_fraction(double a, double b, double x, double y) {
  constexpr double tiny = 1e-300;  // keeps a zero partial denominator from dividing by 0
  auto guard = [](double v) { return std::fabs(v) < tiny ? tiny : v; };
  const bool small_y = y < x;
  // (a + 1) - (a + b) x, which is 1 + d1 times a + 1
  const double b0 = (small_y ? (1 - b) + (a + b) * y : (a + 1) - (a + b) * x) / (a + 1);
  double f = guard(b0), c = f, d = 0;
  for (int m = 1; m < kMaxTerms; ++m) {
    const double A = a + 2 * m;
    // a_m = -d_{2m-1} d_{2m}
    const double am =
        (a + m - 1) * (a + b + m - 1) * m * (b - m) * x * x / ((A - 2) * (A - 1) * (A - 1) * A);
    // b_m = ((A - 1) A (A + 1) - x R) / ((A - 1) A (A + 1)), and (A - 1) A (A + 1) - R =
    // A ((a - 1)(1 - b + 2m) + 2m(m + 1)).
    const double R = (a + m) * (a + b + m) * (A - 1) - m * (b - m) * (A + 1);
    const double cube = (A - 1) * A * (A + 1);
    const double bm =
        (small_y ? A * ((a - 1) * (1 - b + 2 * m) + 2.0 * m * (m + 1)) + y * R : cube - x * R) /
        cube;
    d = 1 / guard(bm + am * d);
    c = guard(bm + am / c);
    const double delta = c * d;
    f *= delta;
    if (std::fabs(delta - 1) < 4e-16) return 1 / f;
  }
  return kNaN;
}

struct Tails {
  double lower, upper;  // I_x(a, b) and 1 - I_x(a, b), the smaller one to full relative precision
};
// The regularized incomplete beta function at x, y = 1 - x. The fraction is summed on whichever
// side of the mean x lies (I_x(a, b) = 1 - I_y(b, a)), so the smaller tail never comes from 1 - v.
Tails incomplete_beta(double a, double b, double x, double y) {
  if (x <= 0) return {0, 1};
  if (y <= 0) return {1, 0};
  if (x <= (a + 1) / (a + b + 2)) {
    const double v = std::exp(log_beta_prefix(a, b, x, y)) / a * beta_fraction(a, b, x, y);
    return {v, 1 - v};
  }
  const double v = std::exp(log_beta_prefix(b, a, y, x)) / b * beta_fraction(b, a, y, x);
  return {1 - v, v};
}

// The regularized incomplete gamma functions P(a, x) and Q(a, x): the power series of P below
// x = a + 1, where it converges and P is not close to 1, else Legendre's continued fraction of Q.
Tails incomplete_gamma(double a, double x) {
  if (x <= 0) return {0, 1};
  if (std::isinf(x)) return {1, 0};
  const double prefix = std::exp(log_gamma_prefix(a, x));
  if (x < a + 1) {
    double term = 1 / a, sum = term;
    for (int n = 1; term >= 1e-17 * sum; ++n) {
      if (n == kMaxTerms) return {kNaN, kNaN};
      term *= x / (a + n);
      sum += term;
    }
    const double p = prefix * sum;
    return {p, 1 - p};
  }
  // Q = prefix / (x + 1 - a - 1(1 - a) / (x + 3 - a - 2(2 - a) / (x + 5 - a - ...))), by Lentz.
  constexpr double tiny = 1e-300;
  auto guard = [](double v) { return std::fabs(v) < tiny ? tiny : v; };
  double bn = x + 1 - a;
  double c = 1 / tiny, d = 1 / guard(bn), f = d;
  for (int n = 1; n < kMaxTerms; ++n) {
    const double an = -n * (n - a);
    bn += 2;
    d = 1 / guard(bn + an * d);
    c = guard(bn + an / c);
    const double delta = c * d;
    f *= delta;
    if (std::fabs(delta - 1) < 4e-16) {
      const double q = prefix * f;
      return {1 - q, q};
    }
  }
  return {kNaN, kNaN};
}

// log of Gamma((df + 1) / 2) / Gamma(df / 2) / sqrt(df pi), the t density at 0.
double log_t_density_at_0(double df) {
  const double h = df / 2;
  double log_ratio;
  if (h < kStirlingMin) {
    log_ratio = std::lgamma(h + 0.5) - std::lgamma(h);
  } else {  // lgamma of a huge h would lose the ratio in its rounding
    log_ratio = 0.5 * std::log(h) + h * std::log1p(0.5 / h) - 0.5 + stirling_error(h + 0.5) -
                stirling_error(h);
  }
  return log_ratio - 0.5 * std::log(df * kPi);
}

// P(T > u) and P(0 < T < u) for u >= 0: 0.5 I_x(df/2, 1/2) with x = df / (df + u^2) and its
// complement, each accurate where it is small (the far tail, or u near 0).
Tails t_upper_and_center(double u, double df) {
  if (std::isinf(u)) return {0, 0.5};
  if ((df + 1) * df < 1e-17 * u * u) {
    // So far out that x = df / (df + u^2) may underflow while the tail does not (df = 1,
    // u = 1e200), and the density is its power law f(0) (u^2 / df)^(-(df + 1) / 2) to within a
    // relative (df + 1) df / (2 u^2). Its integral f(0) df^((df - 1) / 2) u^-df takes the power
    // by pow: through exp(log) it would carry the rounding of a log of several hundred.
    const double tail =
        std::exp(log_t_density_at_0(df) - 0.5 * std::log(df)) * std::pow(std::sqrt(df) / u, df);
    return {tail, 0.5 - tail};
  }
  double x, y;
  if (u * u < df) {
    x = df / (df + u * u);
    y = u * u / (df + u * u);
  } else {
    const double r = df / u / u;  // u^2 may overflow where df / u^2 does not matter
    x = r / (1 + r);
    y = 1 / (1 + r);
  }
  const Tails ib = incomplete_beta(df / 2, 0.5, x, y);
  return {0.5 * ib.lower, 0.5 * ib.upper};
}

// log(1 + u^2 / df), also where u^2 overflows.
double log1p_square_over(double u, double df) {
  if (u < 1e150) return std::log1p(u * u / df);
  return 2 * std::log(u) - std::log(df) + std::log1p(df / u / u);
}

// Safeguarded Newton on an increasing function: Newton steps while they stay inside the bracket
// the signs have established so far, bisection otherwise.
template <class F>
double solve_increasing(F&& h, double s) {
  double lo = -kInf, hi = kInf;
  for (int iter = 0; iter < 200; ++iter) {
    double value, slope;
    h(s, value, slope);
    if (value == 0) return s;
    if (value > 0)
      hi = s;
    else
      lo = s;
    double next = s - value / slope;
    if (!std::isfinite(value) || !std::isfinite(next) || !(next > lo && next < hi)) {
      if (std::isfinite(lo) && std::isfinite(hi)) {
        next = 0.5 * (lo + hi);
      } else {  // one side still open: step towards it a fixed amount
        next = value > 0 ? s - 4 : s + 4;
      }
    }
    if (std::fabs(next - s) <= 1e-15 * std::max(1.0, std::fabs(s))) return next;
    s = next;
  }
  return s;
}
}  // namespace

double normal_cdf(double z) {
  // Phi(z) = erfc(x) / 2 at x = -z / sqrt(2). x's rounding error e moves erfc by a factor of about
  // exp(-2 x e), 4e-14 at z = -20: the error, from fma and the constant's own, goes back in by
  // erfc'(x) = -2 / sqrt(pi) exp(-x^2).
  constexpr double k_hi = 0.70710678118654757;      // 1 / sqrt(2) rounded
  constexpr double k_lo = -4.8336466567264567e-17;  // 1 / sqrt(2) - k_hi
  const double x = -z * k_hi;
  const double e = std::fma(-z, k_hi, -x) - z * k_lo;
  const double tail = std::erfc(x);
  if (!(std::fabs(x) > 1)) return 0.5 * tail;  // NaN, and where the factor stays near 1
  return 0.5 * (tail - 2 / std::sqrt(kPi) * std::exp(-x * x) * e);
}

double normal_quantile(double p) {
  if (std::isnan(p) || p < 0 || p > 1) return kNaN;
  if (p == 0) return -kInf;
  if (p == 1) return kInf;
  if (p == 0.5) return 0;
  const double pl = std::min(p, 1 - p);  // 1 - p is exact for p >= 1/2
  // Start from Abramowitz & Stegun 26.2.23 (error < 4.5e-4), then Halley steps on the lower tail,
  // which triple the correct digits each time.
  const double w = std::sqrt(-2 * std::log(pl));
  double z = -(w - (2.515517 + w * (0.802853 + w * 0.010328)) /
                       (1 + w * (1.432788 + w * (0.189269 + w * 0.001308))));
  for (int i = 0; i < 8; ++i) {
    const double density = std::exp(-0.5 * z * z) / std::sqrt(2 * kPi);
    // Near the center Phi(z) - pl is a difference of numbers near 1/2, which would leave z
    // (~1e-16 at p = 0.5 - 2^-54) with few correct digits: there it is erf(z / sqrt 2) / 2 + (1/2 -
    // pl).
    const double residual =
        pl > 0.25 ? 0.5 * std::erf(z / std::sqrt(2.0)) + (0.5 - pl) : normal_cdf(z) - pl;
    const double step = residual / density;
    const double next = z - step / (1 + 0.5 * z * step);
    const bool done = std::fabs(next - z) <= 1e-15 * std::fabs(z);
    z = next;
    if (done) break;
  }
  return p < 0.5 ? z : -z;
}

double student_t_cdf(double t, double df) {
  if (std::isnan(t) || std::isnan(df) || df <= 0) return kNaN;
  // Past 1e20 the t and normal cdfs differ by less than the rounding (t^4 / (4 df) relatively),
  // and the incomplete beta's a + 2m stops moving with m.
  if (df >= kNormalDf) return normal_cdf(t);
  const Tails tails = t_upper_and_center(std::fabs(t), df);
  return t < 0 ? tails.lower : 0.5 + tails.upper;
}

double student_t_quantile(double p, double df) {
  if (std::isnan(p) || std::isnan(df) || df <= 0 || p < 0 || p > 1) return kNaN;
  if (p == 0) return -kInf;
  if (p == 1) return kInf;
  if (df >= kNormalDf) return normal_quantile(p);
  const double pl = std::min(p, 1 - p);  // the lower tail; 1 - p is exact for p >= 1/2
  if (pl == 0.5) return 0;
  double u;  // |t|
  if (df == 1) {
    // Cauchy. tan(pi (1/2 - pl)) near the center: 1/2 - pl is exact there, pi * pl is not.
    u = pl > 0.25 ? std::tan(kPi * (0.5 - pl)) : 1 / std::tan(kPi * pl);
  } else if (df == 2) {
    u = (1 - 2 * pl) / std::sqrt(2 * pl * (1 - pl));
  } else {
    // Newton in s = log u on the log of the tail that is small: P(T < -u) = pl in the tails,
    // P(-u < T < 0) = 1/2 - pl near the center. Both are close to linear in s (u^-df far out,
    // u f(0) near 0), and the logs keep the relative precision of p down to subnormals.
    const bool tail = pl < 0.25;
    const double target = std::log(tail ? pl : 0.5 - pl);
    const double log_f0 = log_t_density_at_0(df);
    auto h = [&](double s, double& value, double& slope) {
      const double uu = std::exp(s);
      const Tails tc = t_upper_and_center(uu, df);
      const double log_density = log_f0 - 0.5 * (df + 1) * log1p_square_over(uu, df);
      if (tail) {  // decreasing in s: negated
        value = target - std::log(tc.lower);
        slope = std::exp(log_density - std::log(tc.lower)) * uu;
      } else {
        value = std::log(tc.upper) - target;
        slope = std::exp(log_density - std::log(tc.upper)) * uu;
      }
    };
    // Start from the Cornish-Fisher expansion about the normal quantile, and in the tail no
    // further out than where the density's power law alone would put it (an upper bound).
    const double z = -normal_quantile(pl);
    double u0 = z + (z * z * z + z) / (4 * df) +
                (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * df * df);
    if (tail) {
      const double log_k = log_f0 + 0.5 * (df + 1) * std::log(df) - std::log(df);
      u0 = std::min(u0, std::exp((log_k - std::log(pl)) / df));
    }
    u = std::exp(solve_increasing(h, std::log(u0)));
    // exp(s) carries the rounding of s (1e-13 relative at s = 460): one Newton step on u itself.
    if (std::isfinite(u) && u > 0) {
      const Tails tc = t_upper_and_center(u, df);
      const double density = std::exp(log_f0 - 0.5 * (df + 1) * log1p_square_over(u, df));
      const double step = tail ? (tc.lower - pl) / density : ((0.5 - pl) - tc.upper) / density;
      if (std::fabs(step) < 1e-8 * u) u += step;
      // The solver stops near the largest double when the quantile is beyond it (df 0.3, p 1e-200).
      if (tail && u > 1e300 && tc.lower > pl * (1 + 1e-10)) u = kInf;
    }
  }
  return p < 0.5 ? -u : u;
}

double chi2_sf(double x, double df) {
  if (std::isnan(x) || std::isnan(df) || df <= 0) return kNaN;
  return incomplete_gamma(df / 2, x / 2).upper;
}

double f_sf(double x, double d1, double d2) {
  if (std::isnan(x) || std::isnan(d1) || std::isnan(d2) || d1 <= 0 || d2 <= 0) return kNaN;
  if (x <= 0) return 1;
  if (std::isinf(x)) return 0;
  // The limits where a chi2 over its degrees of freedom has become the constant 1 (as for t).
  if (d1 >= kNormalDf && d2 >= kNormalDf) return kNaN;
  if (d2 >= kNormalDf) return incomplete_gamma(d1 / 2, d1 * x / 2).upper;
  if (d1 >= kNormalDf) return incomplete_gamma(d2 / 2, d2 / x / 2).lower;
  const double denom = d2 + d1 * x;
  return incomplete_beta(d2 / 2, d1 / 2, d2 / denom, d1 * x / denom).lower;
}

std::vector<double> average_ranks(const std::vector<double>& values) {
  const size_t n = values.size();
  std::vector<double> ranks(n);
  if (std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); })) {
    std::fill(ranks.begin(), ranks.end(), kNaN);
    return ranks;
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t(0));
  std::sort(order.begin(), order.end(), [&](size_t i, size_t j) { return values[i] < values[j]; });
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && values[order[j]] == values[order[i]]) ++j;
    const double rank = 0.5 * double(i + 1 + j);  // mean of ranks i+1 .. j
    for (size_t m = i; m < j; ++m) ranks[order[m]] = rank;
    i = j;
  }
  return ranks;
}

double rounded_difference(double a, double b) {
  const double d = a - b;
  const double scale = std::max(std::fabs(a), std::fabs(b));
  if (d == 0 || !std::isfinite(d) || !std::isfinite(scale)) return d;
  // Keep the decimal digits of d down to the 12th significant digit of the larger operand.
  const int decimals = 11 - int(std::floor(std::log10(scale)));
  if (decimals <= 0) {  // operands of 1e11 and more: whole units or coarser
    const double unit = std::pow(10.0, -decimals);
    return std::round(d / unit) * unit;
  }
  // Printing the decimal and reading it back gives the same double for the same decimal, whatever
  // the operands' magnitude; a scale-and-round would not.
  char text[400];  // decimals <= 11 + 324 digits after the point, < 1e12 before it
  std::snprintf(text, sizeof text, "%.*f", decimals, d);
  return std::strtod(text, nullptr);
}

TestResult paired_t(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("paired_t: samples of different lengths");
  TestResult r;
  r.n = a.size();
  if (r.n < 2) return r;
  const size_t n = r.n;
  std::vector<double> d(n);
  for (size_t i = 0; i < n; ++i) d[i] = a[i] - b[i];
  double first = rounded_difference(a[0], b[0]);
  bool constant = true;
  for (size_t i = 1; i < n && constant; ++i) constant = rounded_difference(a[i], b[i]) == first;
  if (constant && !std::isnan(first)) {
    // A variance of 0 or of float noise (0.1 + 0.2 - 0.3 in every pair): no spread to test
    // against, and the sign of the constant difference is the whole answer.
    r.statistic = first == 0 ? 0 : (first > 0 ? kInf : -kInf);
    r.p = first == 0 ? 1 : 0;
    return r;
  }
  double mean = 0;
  for (double v : d) mean += v;
  mean /= double(n);
  double ss = 0;
  for (double v : d) ss += (v - mean) * (v - mean);
  const double se = std::sqrt(ss / double(n - 1) / double(n));
  r.statistic = mean / se;
  r.p = 2 * student_t_cdf(-std::fabs(r.statistic), double(n - 1));
  return r;
}

TestResult wilcoxon(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("wilcoxon: samples of different lengths");
  TestResult r;
  const size_t n = r.n = a.size();
  if (n == 0) return r;
  std::vector<double> d(n), abs_d(n);
  for (size_t i = 0; i < n; ++i) {
    d[i] = rounded_difference(a[i], b[i]);
    if (std::isnan(d[i])) return r;
    abs_d[i] = std::fabs(d[i]);
  }
  const std::vector<double> ranks = average_ranks(abs_d);
  double r_plus = 0, r_minus = 0;
  bool has_zero = false;
  for (size_t i = 0; i < n; ++i) {
    if (d[i] > 0) {
      r_plus += ranks[i];
    } else if (d[i] < 0) {
      r_minus += ranks[i];
    } else {
      has_zero = true;
      r_plus += 0.5 * ranks[i];
      r_minus += 0.5 * ranks[i];
    }
  }
  r.statistic = std::min(r_plus, r_minus);
  // Tie groups among |d| (zeros included): sum of t^3 - t over groups of size t.
  std::vector<double> sorted = abs_d;
  std::sort(sorted.begin(), sorted.end());
  double ties = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && sorted[j] == sorted[i]) ++j;
    const double t = double(j - i);
    ties += t * t * t - t;
    i = j;
  }
  if (n <= 50 && !has_zero && ties == 0) {
    // Under H0 each rank is in R+ with probability 1/2: count the subsets of 1..n by rank sum. The
    // counts are integers below 2^50, exact in a double.
    const size_t total = n * (n + 1) / 2;
    std::vector<double> count(total + 1, 0.0);
    count[0] = 1;
    for (size_t rank = 1; rank <= n; ++rank)
      for (size_t s = rank * (rank + 1) / 2; s >= rank; --s) count[s] += count[s - rank];
    const size_t t = size_t(r.statistic);  // an integer without ties
    double at_most_t = 0;
    for (size_t s = 0; s <= t; ++s) at_most_t += count[s];
    r.p = std::min(1.0, 2 * at_most_t / std::ldexp(1.0, int(n)));
    return r;
  }
  const double nn = double(n);
  const double mean = nn * (nn + 1) / 4;
  const double var = (nn * (nn + 1) * (2 * nn + 1) - 0.5 * ties) / 24;
  const double z = (r.statistic - mean) / std::sqrt(var);
  r.p = std::erfc(std::fabs(z) / std::sqrt(2.0));
  return r;
}

Friedman friedman(const std::vector<std::vector<double>>& blocks) {
  Friedman f;
  f.n = blocks.size();
  if (f.n == 0) throw std::invalid_argument("friedman: no blocks");
  f.k = blocks[0].size();
  if (f.k < 2) throw std::invalid_argument("friedman: fewer than 2 treatments");
  const double n = double(f.n), k = double(f.k);
  std::vector<double> rank_sums(f.k, 0.0);
  double ties = 0;
  std::vector<double> first_ranks;
  bool all_alike = true;  // every block ranks the entries the same (ties included)
  for (const auto& row : blocks) {
    if (row.size() != f.k) throw std::invalid_argument("friedman: blocks of different lengths");
    const std::vector<double> ranks = average_ranks(row);
    for (size_t j = 0; j < f.k; ++j) rank_sums[j] += ranks[j];
    if (first_ranks.empty()) first_ranks = ranks;
    all_alike = all_alike && ranks == first_ranks;  // halves: exact
    if (std::isnan(ranks[0])) continue;  // a NaN value: every rank NaN, and no order to sort by
    std::vector<double> sorted = row;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < f.k;) {
      size_t j = i + 1;
      while (j < f.k && sorted[j] == sorted[i]) ++j;
      const double t = double(j - i);
      ties += t * t * t - t;
      i = j;
    }
  }
  f.mean_ranks.resize(f.k);
  double ss = 0;
  for (size_t j = 0; j < f.k; ++j) {
    f.mean_ranks[j] = rank_sums[j] / n;
    ss += rank_sums[j] * rank_sums[j];
  }
  // In SciPy's order of operations. Every block all tied leaves 0 / 0 (SciPy's NaN), whatever
  // rounding makes of the numerator.
  const double correction = 1 - ties / (k * (k * k - 1) * n);
  f.chi2 = correction > 0 ? (12 / (n * k * (k + 1)) * ss - 3 * n * (k + 1)) / correction : kNaN;
  f.p = chi2_sf(f.chi2, k - 1);
  if (f.n >= 2 && !std::isnan(f.chi2)) {
    // chi2 is n(k-1) when every block ranks the entries alike, and then F_F is infinite and p 0;
    // computed, it would be the quotient of a rounding error.
    f.iman_davenport_f = all_alike ? kInf : (n - 1) * f.chi2 / (n * (k - 1) - f.chi2);
    f.iman_davenport_p = f_sf(f.iman_davenport_f, k - 1, (k - 1) * (n - 1));
  }
  return f;
}

double friedman_chi2_from_ranks(const std::vector<double>& mean_ranks, size_t n) {
  const double k = double(mean_ranks.size());
  double ss = 0;
  for (double r : mean_ranks) ss += r * r;
  return 12 * double(n) / (k * (k + 1)) * (ss - k * (k + 1) * (k + 1) / 4);
}

double nemenyi_q05(size_t k) {
  constexpr size_t entries = sizeof kNemenyiQ05 / sizeof kNemenyiQ05[0];
  return k >= 2 && k - 2 < entries ? kNemenyiQ05[k - 2] : kNaN;
}

double nemenyi_cd(size_t k, size_t n) {
  if (n == 0) return kNaN;
  return nemenyi_q05(k) * std::sqrt(double(k) * double(k + 1) / (6 * double(n)));
}

std::vector<double> holm(const std::vector<double>& p) {
  std::vector<size_t> order;
  for (size_t i = 0; i < p.size(); ++i)
    if (!std::isnan(p[i])) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return p[i] < p[j]; });
  std::vector<double> adjusted(p.size(), kNaN);
  const size_t m = order.size();
  double running = 0;  // the step-down adjustment never falls below an earlier one
  for (size_t rank = 0; rank < m; ++rank) {
    running = std::max(running, std::min(1.0, double(m - rank) * p[order[rank]]));
    adjusted[order[rank]] = running;
  }
  return adjusted;
}
}  // namespace lossbench::stats
