#pragma once
// Row-major like the plugin ABI's buffers (row i of a batch is contiguous), so a batch passes to
// a plugin without a copy.
#include <Eigen/Core>

namespace lossbench {
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
}  // namespace lossbench
