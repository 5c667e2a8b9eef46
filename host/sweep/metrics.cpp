#include "sweep/metrics.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace lossbench {

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> n = {"rmse", "mae", "r2", "accuracy", "balanced_accuracy",
                                             "precision", "recall", "f1", "log_loss", "ece"};
  return n;
}

bool higher_is_better(const std::string& m) {
  return m == "r2" || m == "accuracy" || m == "balanced_accuracy" || m == "precision" || m == "recall" || m == "f1";
}

const char* default_metric(lb_task task) { return task == LB_TASK_REGRESSION ? "rmse" : "accuracy"; }

double Metrics::get(const std::string& name) const {
  const auto v = values();
  const auto& n = metric_names();
  for (size_t i = 0; i < n.size(); ++i)
    if (n[i] == name) return v[i];
  throw std::invalid_argument("unknown metric '" + name + "'" + did_you_mean(name, n));
}

std::string Metrics::json(lb_task task) const {
  std::string s = "{";
  const auto& n = metric_names();
  for (size_t i = 0; i < n.size(); ++i) {
    const bool reg = i < 3;
    if (reg != (task == LB_TASK_REGRESSION)) continue;
    const double v = get(n[i]);
    if (s.size() > 1) s += ",";
    s += "\"" + n[i] + "\":" + (std::isfinite(v) ? format_double(v) : "null");
  }
  return s + "}";
}

Metrics compute_metrics(lb_task task, int n_classes, const Eigen::Ref<const RowMatrix>& out,
                        const Eigen::Ref<const RowMatrix>& y, double y_mean, double y_std) {
  Metrics m;
  const Eigen::Index n = out.rows();
  // Outputs of a model that diverged (NaN, +-inf) have no meaningful metric: every one is NaN,
  // which the trial records as divergence. Read on, they would index the ECE bins with
  // int(NaN * 15) and class counts with a NaN's argmax.
  if (n == 0 || !out.allFinite()) return m;
  if (task == LB_TASK_REGRESSION) {
    double se = 0, ae = 0, mean = 0, ss = 0;
    for (Eigen::Index i = 0; i < n; ++i) mean += y(i, 0) * y_std + y_mean;
    mean /= double(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double t = y(i, 0) * y_std + y_mean, p = out(i, 0) * y_std + y_mean;
      se += (p - t) * (p - t);
      ae += std::abs(p - t);
      ss += (t - mean) * (t - mean);
    }
    m.rmse = std::sqrt(se / double(n));
    m.mae = ae / double(n);
    m.r2 = ss > 0 ? 1.0 - se / ss : NAN;
    return m;
  }
  const int k = n_classes;
  std::vector<double> tp(size_t(k), 0), pred_count(size_t(k), 0), true_count(size_t(k), 0);
  constexpr int kBins = 15;  // ECE with 15 equal-width confidence bins, as in Guo et al. (2017)
  double bin_conf[kBins] = {}, bin_acc[kBins] = {}, bin_n[kBins] = {};
  double ll = 0, correct = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double yl = y(i, 0);
    if (!(yl >= 0 && yl < k)) throw std::invalid_argument("class label " + format_double(yl) + " outside [0, " +
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
    ll += -std::log(std::clamp(p_true, std::numeric_limits<double>::epsilon(), 1.0));
    correct += pred == label;
    tp[size_t(label)] += pred == label;
    pred_count[size_t(pred)] += 1;
    true_count[size_t(label)] += 1;
    const int b = std::clamp(int(conf * kBins), 0, kBins - 1);
    bin_conf[b] += conf, bin_acc[b] += pred == label, bin_n[b] += 1;
  }
  m.accuracy = correct / double(n);
  m.log_loss = ll / double(n);
  m.ece = 0;
  for (int b = 0; b < kBins; ++b)
    if (bin_n[b] > 0) m.ece += std::abs(bin_acc[b] - bin_conf[b]) / double(n);
  // Macro averages over the labels present in truth or predictions (scikit-learn's convention),
  // a class never predicted has precision 0.
  double P = 0, R = 0, F = 0, bal = 0;
  int labels = 0, present = 0;
  for (int c = 0; c < k; ++c) {
    if (true_count[size_t(c)] == 0 && pred_count[size_t(c)] == 0) continue;
    ++labels;
    const double p = pred_count[size_t(c)] > 0 ? tp[size_t(c)] / pred_count[size_t(c)] : 0;
    const double r = true_count[size_t(c)] > 0 ? tp[size_t(c)] / true_count[size_t(c)] : 0;
    P += p, R += r, F += p + r > 0 ? 2 * p * r / (p + r) : 0;
    if (true_count[size_t(c)] > 0) bal += r, ++present;
  }
  m.precision = P / labels, m.recall = R / labels, m.f1 = F / labels;
  m.balanced_accuracy = bal / present;
  return m;
}

}  // namespace lossbench
