// Seeded synthetic datasets, each built to show one thing a loss or optimizer does:
// outliers and heavy tails (MSE vs MAE/Huber), imbalance and label noise (cross-entropy vs focal
// and soft F1), nonlinear shapes (linear vs MLP), sparse high-dimensional signal.
#include "data/dataset.hpp"
#include "util/rng.hpp"
#include "util/spec.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

namespace lossbench {

namespace {

using Params = std::map<std::string, double>;
constexpr double kMaxGeneratedValues = 2.5e8;  // 2 GB of doubles

struct Generator {
  GeneratorInfo info;
  Params defaults;
  std::function<Dataset(const Params&, Rng&)> make;
};

int as_int(const Params& p, const char* k, int lo, int hi) {
  double v = p.at(k);
  if (v != std::floor(v) || v < lo || v > hi)
    throw DataError(std::string("generator parameter ") + k + " = " + format_double(v) +
                    " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                    "]");
  return int(v);
}
double in_range(const Params& p, const char* k, double lo, double hi) {
  double v = p.at(k);
  if (!(v >= lo && v <= hi))
    throw DataError(std::string("generator parameter ") + k + " = " + format_double(v) +
                    " must be in [" + format_double(lo) + ", " + format_double(hi) + "]");
  return v;
}

Dataset regression(int n, int d) {
  Dataset ds;
  ds.task = LB_TASK_REGRESSION;
  ds.X.resize(n, d);
  ds.y.resize(n);
  return ds;
}
Dataset classification(int n, int d, int k) {
  Dataset ds;
  ds.task = k == 2 ? LB_TASK_BINARY : LB_TASK_MULTICLASS;
  ds.n_classes = k;
  ds.X.resize(n, d);
  ds.y.resize(n);
  return ds;
}

// Generated data must be the same bits in every build (its hash is part of each trial's
// identity), so sums run in one fixed order here, never through Eigen's vectorized reductions
// (whose order follows the packet width), and this file is compiled with -ffp-contract=off.
double ordered_dot(const double* a, const double* b, int n) {
  double s = 0;
  for (int j = 0; j < n; ++j) s += a[j] * b[j];
  return s;
}

// k cluster centers, uniform in [-half_width, half_width]^d.
RowMatrix uniform_centers(int k, int d, double half_width, Rng& r) {
  RowMatrix c(k, d);
  for (Eigen::Index i = 0; i < c.size(); ++i) c.data()[i] = half_width * r.uniform(-1, 1);
  return c;
}

// y = X w + noise; noise Gaussian (df = 0) or Student-t with df degrees of freedom; a fraction
// of rows gets a gross outlier of outlier_scale standard deviations of y, which only the training
// split sees (y_clean keeps the targets before).
Dataset linear_family(const Params& p, Rng& r, bool t_noise) {
  const int n = as_int(p, "n", 10, 10000000), d = as_int(p, "d", 1, 100000);
  const double noise = in_range(p, "noise", 0, 1e6);
  Dataset ds = regression(n, d);
  Eigen::VectorXd w(d);
  for (int j = 0; j < d; ++j) w[j] = r.normal();
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) ds.X(i, j) = r.normal();
  for (int i = 0; i < n; ++i) ds.y[i] = ordered_dot(&ds.X(i, 0), w.data(), d);
  const double df = t_noise ? in_range(p, "df", 0.5, 1e6) : 0;
  for (int i = 0; i < n; ++i) {
    double e = r.normal();
    if (t_noise) {  // t = z / sqrt(chi2_df / df), chi2 by summing squared normals (df rounded up)
      double chi = 0;
      int k = std::max(1, int(std::ceil(df)));
      for (int m = 0; m < k; ++m) chi += std::pow(r.normal(), 2);
      e /= std::sqrt(chi / k);
    }
    ds.y[i] += noise * e;
  }
  if (!t_noise) {
    const double frac = in_range(p, "outliers", 0, 1), scale = in_range(p, "outlier_scale", 0, 1e6);
    double mean = 0, ss = 0;
    for (int i = 0; i < n; ++i) mean += ds.y[i];
    mean /= n;
    for (int i = 0; i < n; ++i) ss += (ds.y[i] - mean) * (ds.y[i] - mean);
    const double sd = std::sqrt(ss / n);
    if (frac > 0) ds.y_clean = ds.y;  // outliers corrupt training only (see Dataset::y_clean)
    for (int i = 0; i < n; ++i)
      if (r.uniform() < frac)
        ds.y[i] += (r.uniform() < 0.5 ? -1 : 1) * scale * sd * (1 + r.uniform());
  }
  return ds;
}

const std::vector<Generator>& table() {
  static const std::vector<Generator> t = {
      {{"linear", "regression", "",
        "y = Xw + Gaussian noise; a fraction `outliers` of training targets shifted by "
        "outlier_scale sd (validation and test stay clean)"},
       {{"n", 1000},
        {"d", 10},
        {"noise", 0.1},
        {"outliers", 0},
        {"outlier_scale", 10},
        {"seed", 0}},
       [](const Params& p, Rng& r) { return linear_family(p, r, false); }},
      {{"heavy_tailed", "regression", "",
        "y = Xw + Student-t noise with df degrees of freedom (df=1: Cauchy)"},
       {{"n", 1000}, {"d", 10}, {"noise", 0.5}, {"df", 2}, {"seed", 0}},
       [](const Params& p, Rng& r) { return linear_family(p, r, true); }},
      {{"friedman1", "regression", "",
        "Friedman #1: 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise, x ~ U(0,1)^d"},
       {{"n", 1000}, {"d", 10}, {"noise", 1.0}, {"seed", 0}},
       [](const Params& p, Rng& r) {
         const int n = as_int(p, "n", 10, 10000000), d = as_int(p, "d", 5, 100000);
         Dataset ds = regression(n, d);
         for (int i = 0; i < n; ++i) {
           for (int j = 0; j < d; ++j) ds.X(i, j) = r.uniform();
           auto x = ds.X.row(i);
           ds.y[i] = 10 * std::sin(M_PI * x[0] * x[1]) + 20 * std::pow(x[2] - 0.5, 2) + 10 * x[3] +
                     5 * x[4] + p.at("noise") * r.normal();
         }
         return ds;
       }},
      {{"blobs", "binary/multiclass", "",
        "k Gaussian blobs, label = row mod k, centers uniform in [-1,1]^d, noise sd"},
       {{"n", 1000}, {"d", 2}, {"k", 3}, {"sd", 0.5}, {"seed", 0}},
       [](const Params& p, Rng& r) {
         const int n = as_int(p, "n", 10, 10000000), d = as_int(p, "d", 1, 100000),
                   k = as_int(p, "k", 2, 1000);
         const double sd = in_range(p, "sd", 0, 1e6);
         Dataset ds = classification(n, d, k);
         const RowMatrix c = uniform_centers(k, d, 1.0, r);
         for (int i = 0; i < n; ++i) {
           ds.y[i] = i % k;
           for (int j = 0; j < d; ++j) ds.X(i, j) = c(i % k, j) + sd * r.normal();
         }
         return ds;
       }},
      {{"imbalanced", "binary", "",
        "two Gaussian classes, a fraction `ratio` positive, centers `sep` apart"},
       {{"n", 2000}, {"d", 5}, {"ratio", 0.05}, {"sep", 1.5}, {"seed", 0}},
       [](const Params& p, Rng& r) {
         const int n = as_int(p, "n", 10, 10000000), d = as_int(p, "d", 1, 100000);
         const double ratio = in_range(p, "ratio", 1e-4, 0.5), sep = in_range(p, "sep", 0, 1e6);
         Dataset ds = classification(n, d, 2);
         for (int i = 0; i < n; ++i) {
           const bool pos = i < std::max(2, int(std::round(ratio * n)));
           ds.y[i] = pos;
           for (int j = 0; j < d; ++j)
             ds.X(i, j) = r.normal() + (pos ? sep / std::sqrt(double(d)) : 0.0);
         }
         return ds;
       }},
      {{"label_noise", "binary/multiclass", "",
        "separable blobs whose training labels are flipped to a random other class with rate "
        "`flip` "
        "(validation and test stay clean)"},
       {{"n", 1000}, {"d", 5}, {"k", 3}, {"flip", 0.2}, {"seed", 0}},
       [](const Params& p, Rng& r) {
         const int n = as_int(p, "n", 10, 10000000), d = as_int(p, "d", 1, 100000),
                   k = as_int(p, "k", 2, 1000);
         const double flip = in_range(p, "flip", 0, 1);
         Dataset ds = classification(n, d, k);
         const RowMatrix c = uniform_centers(k, d, 3.0, r);
         if (flip > 0) ds.y_clean.resize(n);  // flips corrupt training only (Dataset::y_clean)
         for (int i = 0; i < n; ++i) {
           int label = i % k;
           for (int j = 0; j < d; ++j) ds.X(i, j) = c(label, j) + 0.7 * r.normal();
           if (flip > 0) ds.y_clean[i] = label;
           if (r.uniform() < flip) label = (label + 1 + int(r.below(uint64_t(k - 1)))) % k;
           ds.y[i] = label;
         }
         return ds;
       }},
      {{"moons", "binary", "", "two interleaving half circles (not linearly separable)"},
       {{"n", 1000}, {"noise", 0.1}, {"seed", 0}},
       [](const Params& p, Rng& r) {
         const int n = as_int(p, "n", 10, 10000000);
         Dataset ds = classification(n, 2, 2);
         for (int i = 0; i < n; ++i) {
           const bool upper = i % 2 == 0;
           const double a = M_PI * r.uniform();
           ds.X(i, 0) = upper ? std::cos(a) : 1 - std::cos(a);
           ds.X(i, 1) = upper ? std::sin(a) : 0.5 - std::sin(a);
           ds.X(i, 0) += p.at("noise") * r.normal();
           ds.X(i, 1) += p.at("noise") * r.normal();
           ds.y[i] = upper ? 0 : 1;
         }
         return ds;
       }},
      {{"circles", "binary", "", "a circle inside another (radius ratio `factor`)"},
       {{"n", 1000}, {"noise", 0.05}, {"factor", 0.5}, {"seed", 0}},
       [](const Params& p, Rng& r) {
         const int n = as_int(p, "n", 10, 10000000);
         const double f = in_range(p, "factor", 0, 1);
         Dataset ds = classification(n, 2, 2);
         for (int i = 0; i < n; ++i) {
           const bool inner = i % 2 == 1;
           const double a = 2 * M_PI * r.uniform(), rad = inner ? f : 1.0;
           ds.X(i, 0) = rad * std::cos(a) + p.at("noise") * r.normal();
           ds.X(i, 1) = rad * std::sin(a) + p.at("noise") * r.normal();
           ds.y[i] = inner;
         }
         return ds;
       }},
      {{"spirals", "binary/multiclass", "", "k interleaved spiral arms"},
       {{"n", 1000}, {"k", 3}, {"noise", 0.1}, {"seed", 0}},
       [](const Params& p, Rng& r) {
         const int n = as_int(p, "n", 10, 10000000), k = as_int(p, "k", 2, 100);
         Dataset ds = classification(n, 2, k);
         for (int i = 0; i < n; ++i) {
           const int c = i % k;
           const double t = r.uniform(), a = 4 * t + 2 * M_PI * c / k;
           ds.X(i, 0) = t * std::sin(a) + p.at("noise") * r.normal() * 0.2;
           ds.X(i, 1) = t * std::cos(a) + p.at("noise") * r.normal() * 0.2;
           ds.y[i] = c;
         }
         return ds;
       }},
      {{"xor", "binary", "", "label = sign(x1) xor sign(x2) in d dimensions (the rest are noise)"},
       {{"n", 1000}, {"d", 2}, {"seed", 0}},
       [](const Params& p, Rng& r) {
         const int n = as_int(p, "n", 10, 10000000), d = as_int(p, "d", 2, 100000);
         Dataset ds = classification(n, d, 2);
         for (int i = 0; i < n; ++i) {
           for (int j = 0; j < d; ++j) ds.X(i, j) = r.uniform(-1, 1);
           ds.y[i] = (ds.X(i, 0) > 0) != (ds.X(i, 1) > 0);
         }
         return ds;
       }},
      {{"sparse", "binary", "", "d features of which `informative` carry a linear signal"},
       {{"n", 1000}, {"d", 200}, {"informative", 5}, {"seed", 0}},
       [](const Params& p, Rng& r) {
         const int n = as_int(p, "n", 10, 10000000), d = as_int(p, "d", 1, 100000);
         const int inf = as_int(p, "informative", 1, d);
         Dataset ds = classification(n, d, 2);
         Eigen::VectorXd w = Eigen::VectorXd::Zero(d);
         for (int j = 0; j < inf; ++j) w[j] = r.normal() + (r.uniform() < 0.5 ? -1 : 1);
         for (int i = 0; i < n; ++i) {
           for (int j = 0; j < d; ++j) ds.X(i, j) = r.normal();
           ds.y[i] = ordered_dot(&ds.X(i, 0), w.data(), d) + 0.5 * r.normal() > 0;
         }
         return ds;
       }},
  };
  return t;
}

std::string params_text(const Params& p) {
  std::vector<std::string> v;
  for (const auto& [k, x] : p) v.push_back(k + "=" + format_double(x));
  return join(v, ", ");
}

}  // namespace

const std::vector<GeneratorInfo>& generators() {
  static const std::vector<GeneratorInfo> v = [] {
    std::vector<GeneratorInfo> out;
    for (const auto& g : table()) {
      GeneratorInfo i = g.info;
      i.params = params_text(g.defaults);
      out.push_back(i);
    }
    return out;
  }();
  return v;
}

GeneratorSpec parse_generator_spec(const std::string& spec) {
  CallSpec call;
  try {
    call = parse_call(spec);
  } catch (const std::invalid_argument& e) {
    throw DataError("dataset '" + spec + "': " + e.what());
  }
  GeneratorSpec out;
  out.name = call.name;
  std::vector<std::string> names;
  const Generator* g = nullptr;
  for (const auto& t : table()) {
    names.push_back(t.info.name);
    if (t.info.name == out.name) g = &t;
  }
  if (!g)
    throw DataError("unknown generator '" + out.name + "'" + did_you_mean(out.name, names) +
                    " in dataset '" + spec + "'");
  out.params = g->defaults;
  for (const auto& [k, v] : call.args) {
    if (!out.params.count(k)) {
      std::vector<std::string> keys;
      for (auto& [key, x] : g->defaults) keys.push_back(key);
      throw DataError("dataset '" + spec + "': " + out.name + " has no parameter '" + k + "'" +
                      did_you_mean(k, keys) + " (it takes " + params_text(g->defaults) + ")");
    }
    double x = 0;
    if (!parse_double(v, x) || !std::isfinite(x))
      throw DataError("dataset '" + spec + "': " + k + " = '" + v + "' is not a number");
    out.params[k] = x;
  }
  // Integer parameters and sizes are checked before anything is allocated.
  const Params& p = out.params;
  as_int(p, "seed", 0, 2147483647);
  const double n = double(as_int(p, "n", 10, 10000000));
  const double d = p.count("d") ? double(as_int(p, "d", 1, 100000)) : 2.0;
  if (n * d > kMaxGeneratedValues)
    throw DataError("dataset '" + spec + "': n x d = " + format_double(n * d) + " values (" +
                    format_double(std::round(n * d * 8 / 1e9 * 10) / 10) +
                    " GB) exceeds the limit of " + format_double(kMaxGeneratedValues) +
                    " values for generated data");
  return out;
}

// "name(k=v, ...)" -> generated dataset. Unknown names and keys are errors with suggestions.
Dataset generate(const std::string& spec) {
  const GeneratorSpec gs = parse_generator_spec(spec);
  const Generator* g = nullptr;
  for (const auto& t : table())
    if (t.info.name == gs.name) g = &t;
  Rng rng(mix_seed(hash_string(gs.name), uint64_t(gs.params.at("seed"))));
  Dataset d = g->make(gs.params, rng);
  for (Eigen::Index j = 0; j < d.X.cols(); ++j)
    d.feature_names.push_back("x" + std::to_string(j + 1));
  return d;
}

}  // namespace lossbench
