#pragma once
// Accuracy metrics of model outputs on a split. Regression metrics are in the target's original
// units; classification metrics read outputs as logits (sigmoid for one column, softmax for K).
//
// kMetrics is the one place a metric is defined: its name, the task it applies to, its direction
// and how it is computed. The curve columns (val_NAME, test_NAME), the JSON summaries, the sort
// direction of every ranking and the choices of --metric all come from it. Adding a metric is a
// line here, its function in metrics.cpp and its test.
#include "data/dataset.hpp"

#include <array>
#include <iterator>
#include <string>
#include <vector>

namespace lossbench {

// What one pass over a split's outputs gathers; every metric is a function of it.
struct Tally {
  static constexpr int kBins = 15;  // ECE with 15 equal-width confidence bins (Guo et al., 2017)
  double n = 0;
  double se = 0, ae = 0,
         ss = 0;  // regression: squared and absolute errors, sum of squares about the mean
  double correct = 0, log_loss = 0;
  std::vector<double> tp, predicted, actual;  // per class
  std::array<double, kBins> bin_conf{}, bin_acc{}, bin_n{};
};

enum class MetricTask { Regression, Classification };

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

}  // namespace lossbench
