#include "sweep/metrics.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

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

double roc_auc(const Tally& t) {
  double sum = 0;
  for (double a : t.roc_auc) sum += a;
  return sum / double(t.roc_auc.size());
}

double pr_auc(const Tally& t) {
  double sum = 0;
  for (double a : t.avg_precision) sum += a;
  return sum / double(t.avg_precision.size());
}

// Undefined (NaN) without a positive row: recall has no denominator. A model that never predicts
// class 1 scores 0, as scikit-learn's f1_score(zero_division=0).
double f1_pos(const Tally& t) {
  if (t.actual.size() != 2 || t.actual[1] == 0) return NAN;
  return 2 * t.tp[1] / (t.predicted[1] + t.actual[1]);
}

// Gorodkin's R_K from the confusion matrix's margins, as scikit-learn's matthews_corrcoef: the
// binary MCC for two classes. Counts are whole numbers, exact in a double up to 2^53, so the
// covariances have no cancellation error. Constant predictions score 0 (scikit-learn's
// convention); a split holding one class has no correlation to measure (NaN).
double mcc(const Tally& t) {
  double pt = 0, pp = 0, tt = 0;
  for (size_t c = 0; c < t.tp.size(); ++c) {
    pt += t.predicted[c] * t.actual[c];
    pp += t.predicted[c] * t.predicted[c];
    tt += t.actual[c] * t.actual[c];
  }
  const double cov_yp = t.correct * t.n - pt, cov_pp = t.n * t.n - pp, cov_yy = t.n * t.n - tt;
  if (cov_yy == 0) return NAN;
  if (cov_pp == 0) return 0;
  return cov_yp / std::sqrt(cov_yy) / std::sqrt(cov_pp);
}

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
  switch (m.task) {
    case MetricTask::Regression:
      return task == LB_TASK_REGRESSION;
    case MetricTask::Classification:
      return task != LB_TASK_REGRESSION;
    case MetricTask::Binary:
      return task == LB_TASK_BINARY;
  }
  return false;
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

void Tally::reserve(int n_classes, Eigen::Index rows) {
  for (auto* v : {&tp, &predicted, &actual, &roc_auc, &avg_precision})
    v->reserve(size_t(n_classes));
  log_norm.reserve(size_t(rows));
  ranked.reserve(size_t(rows));
  ranked_tmp.reserve(size_t(rows));
}

void Tally::clear(int n_classes) {
  n = se = ae = ss = correct = log_loss = 0;
  for (auto* v : {&tp, &predicted, &actual}) v->assign(size_t(n_classes), 0);
  bin_conf.fill(0), bin_acc.fill(0), bin_n.fill(0);
  roc_auc.clear(), avg_precision.clear();
}

namespace {

void regression_tally(const Eigen::Ref<const RowMatrix>& out, const Eigen::Ref<const RowMatrix>& y,
                      double y_mean, double y_std, Tally& t) {
  t.clear(0);
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
}

// A key whose unsigned order is the descending order of the score, one key per value (-0 is +0).
uint64_t descending_key(double score) {
  score += 0.0;
  uint64_t b;
  std::memcpy(&b, &score, sizeof b);
  return b >> 63 ? b : b ^ 0x7fffffffffffffffull;
}

// Sorts t.ranked by key: least significant byte first, each byte a stable counting pass, skipping
// the bytes all keys share. Ten classes' sorts per split were a tenth of a small MLP's training
// time with std::sort, mostly its mispredicted comparisons.
void radix_sort(Tally& t) {
  auto& r = t.ranked;
  const size_t n = r.size();
  uint32_t count[8][256] = {};
  for (const auto& e : r)
    for (int d = 0; d < 8; ++d) ++count[d][(e.first >> (8 * d)) & 0xff];
  t.ranked_tmp.resize(n);
  for (int d = 0; d < 8; ++d) {
    uint32_t* c = count[d];
    if (c[(r.empty() ? 0 : r[0].first >> (8 * d)) & 0xff] == n) continue;
    uint32_t sum = 0;
    for (int v = 0; v < 256; ++v) sum += std::exchange(c[v], sum);
    for (const auto& e : r) t.ranked_tmp[c[(e.first >> (8 * d)) & 0xff]++] = e;
    r.swap(t.ranked_tmp);
  }
}

// The area under the ROC curve and the average precision of one class against the rest, from
// t.ranked (score, is positive), as scikit-learn's roc_auc_score and average_precision_score.
// Rows with equal scores are one threshold: for the ROC a positive and a negative tied count half
// a correctly ordered pair (the trapezoid), and precision is taken after the whole group.
void rank_class(Tally& t) {
  radix_sort(t);
  const auto& r = t.ranked;
  double tps = 0, fps = 0, pairs = 0, precision_sum = 0;
  for (size_t i = 0; i < r.size();) {
    double group_tp = 0, group_fp = 0;
    const uint64_t score = r[i].first;
    for (; i < r.size() && r[i].first == score; ++i) (r[i].second ? group_tp : group_fp) += 1;
    pairs += group_fp * (tps + group_tp / 2);  // each negative: positives above it, half of ties
    tps += group_tp, fps += group_fp;
    if (group_tp > 0) precision_sum += group_tp * (tps / (tps + fps));
  }
  t.roc_auc.push_back(tps > 0 && fps > 0 ? pairs / tps / fps : NAN);
  t.avg_precision.push_back(tps > 0 ? precision_sum / tps : NAN);
}

void classification_tally(int k, const Eigen::Ref<const RowMatrix>& out,
                          const Eigen::Ref<const RowMatrix>& y, Tally& t) {
  t.clear(k);
  t.n = double(out.rows());
  t.log_norm.resize(size_t(out.rows()));
  t.ranked.resize(size_t(out.rows()));
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
      t.log_norm[size_t(i)] = mx + std::log(sum);
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
  if (out.cols() == 1) {  // the positive class, by its logit
    for (Eigen::Index i = 0; i < out.rows(); ++i)
      t.ranked[size_t(i)] = {descending_key(out(i, 0)), y(i, 0) == 1};
    rank_class(t);
    return;
  }
  for (int c = 0; c < k; ++c) {  // each class against the rest, by its log-probability
    for (Eigen::Index i = 0; i < out.rows(); ++i)
      t.ranked[size_t(i)] = {descending_key(out(i, c) - t.log_norm[size_t(i)]), y(i, 0) == c};
    rank_class(t);
  }
}

}  // namespace

Metrics compute_metrics(lb_task task, int n_classes, const Eigen::Ref<const RowMatrix>& out,
                        const Eigen::Ref<const RowMatrix>& y, double y_mean, double y_std,
                        Tally& t) {
  Metrics m;
  // Outputs of a model that diverged (NaN, +-inf) have no meaningful metric: every one is NaN,
  // which the trial records as divergence. Read on, they would index the ECE bins with
  // int(NaN * 15) and class counts with a NaN's argmax.
  if (out.rows() == 0 || !out.allFinite()) return m;
  if (task == LB_TASK_REGRESSION)
    regression_tally(out, y, y_mean, y_std, t);
  else
    classification_tally(n_classes, out, y, t);
  for (size_t i = 0; i < kMetricCount; ++i)
    if (metric_applies(kMetrics[i], task)) m[i] = kMetrics[i].compute(t);
  return m;
}

Metrics compute_metrics(lb_task task, int n_classes, const Eigen::Ref<const RowMatrix>& out,
                        const Eigen::Ref<const RowMatrix>& y, double y_mean, double y_std) {
  Tally t;
  return compute_metrics(task, n_classes, out, y, y_mean, y_std, t);
}

Metrics baseline_metrics(lb_task task, int n_classes, const Eigen::Ref<const RowMatrix>& y_train,
                         const Eigen::Ref<const RowMatrix>& y_eval, double y_mean, double y_std) {
  const Eigen::Index cols = task == LB_TASK_MULTICLASS ? n_classes : 1;
  RowMatrix out(y_eval.rows(), cols);
  if (task == LB_TASK_REGRESSION) {
    out.setConstant(y_train.col(0).mean());
  } else {
    // Logits of the class frequencies; a class the training split lacks gets half a row, so that
    // its logit is finite and it is never the majority.
    std::vector<double> count(size_t(std::max(n_classes, 2)), 0);
    for (Eigen::Index i = 0; i < y_train.rows(); ++i) {
      const double label = y_train(i, 0);
      if (label >= 0 && label < double(count.size())) count[size_t(label)] += 1;
    }
    for (auto& c : count) c = std::log(std::max(c, 0.5));
    if (task == LB_TASK_BINARY)
      out.setConstant(count[1] - count[0]);
    else
      for (Eigen::Index c = 0; c < cols; ++c) out.col(c).setConstant(count[size_t(c)]);
  }
  return compute_metrics(task, n_classes, out, y_eval, y_mean, y_std);
}

}  // namespace lossbench
