#include "sweep/metrics.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace lossbench {

namespace metric_fn {

double rmse(const Tally& t) { return std::sqrt(t.se / t.n); }
double mae(const Tally& t) { return t.ae / t.n; }
double r2(const Tally& t) { return t.ss > 0 ? 1.0 - t.se / t.ss : NAN; }
double accuracy(const Tally& t) { return t.correct / t.n; }
double log_loss(const Tally& t) { return t.log_loss / t.n; }

double ece(const Tally& t) {
  double e = 0;
  for (int b = 0; b < Tally::kBins; ++b)
    if (t.bin_n[size_t(b)] > 0) e += std::abs(t.bin_acc[size_t(b)] - t.bin_conf[size_t(b)]) / t.n;
  return e;
}

namespace {
// Macro averages over the labels present in truth or predictions (scikit-learn's convention); a
// class never predicted has precision 0.
enum class Macro { Precision, Recall, F1 };
double macro(const Tally& t, Macro what) {
  double sum = 0;
  int labels = 0;
  for (size_t c = 0; c < t.tp.size(); ++c) {
    if (t.actual[c] == 0 && t.predicted[c] == 0) continue;
    ++labels;
    const double p = t.predicted[c] > 0 ? t.tp[c] / t.predicted[c] : 0;
    const double r = t.actual[c] > 0 ? t.tp[c] / t.actual[c] : 0;
    sum += what == Macro::Precision ? p
           : what == Macro::Recall  ? r
           : p + r > 0              ? 2 * p * r / (p + r)
                                    : 0;
  }
  return sum / labels;
}
}  // namespace

double precision(const Tally& t) { return macro(t, Macro::Precision); }
double recall(const Tally& t) { return macro(t, Macro::Recall); }
double f1(const Tally& t) { return macro(t, Macro::F1); }

double balanced_accuracy(const Tally& t) {
  double sum = 0;
  int present = 0;
  for (size_t c = 0; c < t.tp.size(); ++c)
    if (t.actual[c] > 0) sum += t.tp[c] / t.actual[c], ++present;
  return sum / present;
}

}  // namespace metric_fn

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> n = [] {
    std::vector<std::string> v;
    for (const auto& m : kMetrics) v.push_back(m.name);
    return v;
  }();
  return n;
}

const MetricDef& metric_def(const std::string& name) {
  for (const auto& m : kMetrics)
    if (name == m.name) return m;
  throw std::invalid_argument("unknown metric '" + name + "'" + did_you_mean(name, metric_names()));
}

bool higher_is_better(const std::string& m) { return metric_def(m).higher_is_better; }

bool metric_applies(const MetricDef& m, lb_task task) {
  return (m.task == MetricTask::Regression) == (task == LB_TASK_REGRESSION);
}

const char* default_metric(lb_task task) {
  return task == LB_TASK_REGRESSION ? "rmse" : "accuracy";
}

std::string lower_is_better_sql_list() {
  std::string s;
  for (const auto& m : kMetrics)
    if (!m.higher_is_better) s += std::string(s.empty() ? "" : ",") + "'" + m.name + "'";
  return s;
}

double Metrics::get(const std::string& name) const {
  return values_[size_t(&metric_def(name) - std::begin(kMetrics))];
}

std::string Metrics::json(lb_task task) const {
  std::string s = "{";
  for (size_t i = 0; i < kMetricCount; ++i) {
    if (!metric_applies(kMetrics[i], task)) continue;
    if (s.size() > 1) s += ",";
    s += std::string("\"") + kMetrics[i].name +
         "\":" + (std::isfinite(values_[i]) ? format_double(values_[i]) : "null");
  }
  return s + "}";
}

namespace {

Tally regression_tally(const Eigen::Ref<const RowMatrix>& out, const Eigen::Ref<const RowMatrix>& y,
                       double y_mean, double y_std) {
  Tally t;
  const Eigen::Index n = out.rows();
  t.n = double(n);
  double mean = 0;
  for (Eigen::Index i = 0; i < n; ++i) mean += y(i, 0) * y_std + y_mean;
  mean /= t.n;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double truth = y(i, 0) * y_std + y_mean, p = out(i, 0) * y_std + y_mean;
    t.se += (p - truth) * (p - truth);
    t.ae += std::abs(p - truth);
    t.ss += (truth - mean) * (truth - mean);
  }
  return t;
}

Tally classification_tally(int k, const Eigen::Ref<const RowMatrix>& out,
                           const Eigen::Ref<const RowMatrix>& y) {
  Tally t;
  t.n = double(out.rows());
  t.tp.assign(size_t(k), 0), t.predicted.assign(size_t(k), 0), t.actual.assign(size_t(k), 0);
  for (Eigen::Index i = 0; i < out.rows(); ++i) {
    const double yl = y(i, 0);
    if (!(yl >= 0 && yl < k))
      throw std::invalid_argument("class label " + format_double(yl) + " outside [0, " +
                                  std::to_string(k) + ")");
    const int label = int(yl);
    int pred;
    double conf, p_true;
    if (out.cols() == 1) {  // binary: one logit
      const double z = out(i, 0), e = std::exp(-std::abs(z));
      const double p1 = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      pred = p1 >= 0.5 ? 1 : 0;
      conf = std::max(p1, 1 - p1);
      p_true = label == 1 ? p1 : 1 - p1;
    } else {
      const auto row = out.row(i);
      Eigen::Index arg;
      const double mx = row.maxCoeff(&arg);
      const double sum = (row.array() - mx).exp().sum();
      pred = int(arg);
      conf = 1.0 / sum;
      p_true = std::exp(row(label) - mx) / sum;
    }
    // Clipped at machine epsilon, as scikit-learn (>= 1.2, eps="auto") clips probabilities.
    t.log_loss += -std::log(std::clamp(p_true, std::numeric_limits<double>::epsilon(), 1.0));
    t.correct += pred == label;
    t.tp[size_t(label)] += pred == label;
    t.predicted[size_t(pred)] += 1;
    t.actual[size_t(label)] += 1;
    const size_t b = size_t(std::clamp(int(conf * Tally::kBins), 0, Tally::kBins - 1));
    t.bin_conf[b] += conf, t.bin_acc[b] += pred == label, t.bin_n[b] += 1;
  }
  return t;
}

}  // namespace

Metrics compute_metrics(lb_task task, int n_classes, const Eigen::Ref<const RowMatrix>& out,
                        const Eigen::Ref<const RowMatrix>& y, double y_mean, double y_std) {
  Metrics m;
  // Outputs of a model that diverged (NaN, +-inf) have no meaningful metric: every one is NaN,
  // which the trial records as divergence. Read on, they would index the ECE bins with
  // int(NaN * 15) and class counts with a NaN's argmax.
  if (out.rows() == 0 || !out.allFinite()) return m;
  const Tally t = task == LB_TASK_REGRESSION ? regression_tally(out, y, y_mean, y_std)
                                             : classification_tally(n_classes, out, y);
  for (size_t i = 0; i < kMetricCount; ++i)
    if (metric_applies(kMetrics[i], task)) m[i] = kMetrics[i].compute(t);
  return m;
}

}  // namespace lossbench
