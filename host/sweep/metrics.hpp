#pragma once
// Accuracy metrics of model outputs on a split. Regression metrics are in the target's original
// units; classification metrics read outputs as logits (sigmoid for one column, softmax for K).
// The ranking metrics (roc_auc, pr_auc) rank rows by the logit (binary) or the log-probability of
// each class (multiclass): the order of the probabilities, without the ties sigmoid and softmax
// make where they round to 0 or 1.
//
// kMetrics is the one place a metric is defined: its name, the task it applies to, its direction
// and how it is computed. The curve columns (val_NAME, test_NAME), the JSON summaries, the sort
// direction of every ranking and the choices of --metric all come from it. Adding a metric is a
// line here, its function in metrics.cpp and its test.
#include "data/dataset.hpp"

#include <array>
#include <cstdint>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace lossbench {

// What one pass over a split's outputs gathers; every metric is a function of it. A Tally passed
// to compute_metrics again reuses its buffers: sized once (reserve), it allocates nothing.
struct Tally {
  static constexpr int kBins = 15;  // ECE with 15 equal-width confidence bins (Guo et al., 2017)
  double n = 0;
  double se = 0, ae = 0,
         ss = 0;  // regression: squared and absolute errors, sum of squares about the mean
  double correct = 0, log_loss = 0;
  std::vector<double> tp, predicted, actual;  // per class
  std::array<double, kBins> bin_conf{}, bin_acc{}, bin_n{};
  // Per class (binary: the positive class only), one-vs-rest over the rows' scores: the area
  // under the ROC curve and the average precision; NaN where the split lacks positives (and, for
  // the ROC, negatives).
  std::vector<double> roc_auc, avg_precision;

  void reserve(int n_classes, Eigen::Index rows);
  void clear(int n_classes);  // zero counts for a new split, keeping the buffers

  // Scratch of the ranking pass: each row's log of softmax's denominator (multiclass), and
  // (score as a key ordered as the score descending, is positive) of every row, sorted once per
  // class (a radix sort: the second buffer).
  std::vector<double> log_norm;
  std::vector<std::pair<uint64_t, bool>> ranked, ranked_tmp;
};

// Classification applies to binary and multiclass tasks, Binary to binary only (a positive class).
enum class MetricTask { Regression, Classification, Binary };

struct MetricDef {
  const char* name;
  MetricTask task;
  bool higher_is_better;
  double (*compute)(const Tally&);
};

namespace metric_fn {
double rmse(const Tally&);
double mae(const Tally&);
double r2(const Tally&);
double accuracy(const Tally&);
double balanced_accuracy(const Tally&);
double precision(const Tally&);
double recall(const Tally&);
double f1(const Tally&);
double log_loss(const Tally&);
double ece(const Tally&);
double roc_auc(const Tally&);
double pr_auc(const Tally&);
double f1_pos(const Tally&);
double mcc(const Tally&);
}  // namespace metric_fn

inline constexpr MetricDef kMetrics[] = {
    {"rmse", MetricTask::Regression, false, metric_fn::rmse},
    {"mae", MetricTask::Regression, false, metric_fn::mae},
    {"r2", MetricTask::Regression, true, metric_fn::r2},
    {"accuracy", MetricTask::Classification, true, metric_fn::accuracy},
    {"balanced_accuracy", MetricTask::Classification, true, metric_fn::balanced_accuracy},
    {"precision", MetricTask::Classification, true, metric_fn::precision},  // macro over labels
    {"recall", MetricTask::Classification, true, metric_fn::recall},        // macro over labels
    {"f1", MetricTask::Classification, true, metric_fn::f1},                // macro over labels
    {"log_loss", MetricTask::Classification, false, metric_fn::log_loss},
    {"ece", MetricTask::Classification, false, metric_fn::ece},
    {"roc_auc", MetricTask::Classification, true, metric_fn::roc_auc},  // one-vs-rest macro
    {"pr_auc", MetricTask::Classification, true, metric_fn::pr_auc},    // one-vs-rest macro
    {"f1_pos", MetricTask::Binary, true, metric_fn::f1_pos},            // of class 1
    {"mcc", MetricTask::Classification, true, metric_fn::mcc},
};
inline constexpr size_t kMetricCount = std::size(kMetrics);

// Every metric of a split, in kMetrics order; NaN where the task has none or the outputs were
// not finite.
class Metrics {
 public:
  Metrics() { values_.fill(NAN); }
  const std::array<double, kMetricCount>& values() const { return values_; }
  double& operator[](size_t i) { return values_[i]; }
  // The named metric; throws std::invalid_argument for a name that is not in kMetrics.
  double get(const std::string& name) const;
  std::string json(lb_task task) const;

 private:
  std::array<double, kMetricCount> values_;
};

const std::vector<std::string>& metric_names();
// The metric's entry; throws std::invalid_argument naming the closest metric.
const MetricDef& metric_def(const std::string& name);
bool higher_is_better(const std::string& metric);
bool metric_applies(const MetricDef& m, lb_task task);
const char* default_metric(lb_task task);
// "'rmse','mae',...": the metrics where lower is better, for SQL that ranks by any of them.
std::string lower_is_better_sql_list();

// out: rows x output_cols (logits or standardized values); y: rows x 1 (standardized value or
// class index). y_mean / y_std undo the standardization of regression targets.
Metrics compute_metrics(lb_task task, int n_classes, const Eigen::Ref<const RowMatrix>& out,
                        const Eigen::Ref<const RowMatrix>& y, double y_mean, double y_std);
// The same in the buffers of `scratch`: no allocation once it is reserved for the rows.
Metrics compute_metrics(lb_task task, int n_classes, const Eigen::Ref<const RowMatrix>& out,
                        const Eigen::Ref<const RowMatrix>& y, double y_mean, double y_std,
                        Tally& scratch);

// What a model that ignores its input scores on (y_eval): a constant fit on y_train, the training
// split's mean for regression, and for classification the training split's class frequencies as
// probabilities, so that it predicts the majority class (scikit-learn's DummyClassifier with
// strategy="prior"). The floor under every metric: accuracy the majority's share, roc_auc 0.5,
// pr_auc the positive rate, f1_pos 0 and mcc 0 when the majority is negative.
Metrics baseline_metrics(lb_task task, int n_classes, const Eigen::Ref<const RowMatrix>& y_train,
                         const Eigen::Ref<const RowMatrix>& y_eval, double y_mean, double y_std);

}  // namespace lossbench
