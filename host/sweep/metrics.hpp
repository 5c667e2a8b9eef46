#pragma once
// Accuracy metrics of model outputs on a split. Regression metrics are in the target's original
// units; classification metrics read outputs as logits (sigmoid for one column, softmax for K).
#include "data/dataset.hpp"

#include <array>
#include <string>
#include <vector>

namespace lossbench {

struct Metrics {
  // regression
  double rmse = NAN, mae = NAN, r2 = NAN;
  // classification
  double accuracy = NAN, balanced_accuracy = NAN, precision = NAN, recall = NAN, f1 = NAN,
         log_loss = NAN, ece = NAN;
  // Every metric, in metric_names() order.
  std::array<double, 10> values() const {
    return {rmse, mae, r2, accuracy, balanced_accuracy, precision, recall, f1, log_loss, ece};
  }
  // The named metric; throws std::invalid_argument for a name that is not one of metric_names().
  double get(const std::string& name) const;
  std::string json(lb_task task) const;
};

const std::vector<std::string>& metric_names();
bool higher_is_better(const std::string& metric);
const char* default_metric(lb_task task);

// out: rows x output_cols (logits or standardized values); y: rows x 1 (standardized value or
// class index). y_mean / y_std undo the standardization of regression targets.
Metrics compute_metrics(lb_task task, int n_classes, const Eigen::Ref<const RowMatrix>& out,
                        const Eigen::Ref<const RowMatrix>& y, double y_mean, double y_std);

}  // namespace lossbench
