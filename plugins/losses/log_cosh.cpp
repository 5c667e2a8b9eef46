// Log-cosh loss: L = 1/N sum log cosh(p - y), dL/dp = tanh(p - y) / N.
// cosh overflows for |e| > 710, so use the identity
//   log cosh(e) = |e| + log1p(exp(-2|e|)) - log 2
// which is exact for every finite e.
#include <lossbench/sdk.hpp>

#include <cmath>

class LogCosh final : public lossbench::Loss {
 public:
  LogCosh(const lossbench::Params&, const lossbench::LossSetup&) {}
  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const double n = double(pred.size());
    const auto e = (pred - target).array();
    grad = e.tanh() / n;
    return (e.abs() + (-2.0 * e.abs()).exp().log1p() - std::log(2.0)).sum() / n;
  }
};

LOSSBENCH_LOSS(LogCosh, "log_cosh", "log-cosh loss: quadratic near 0, linear in the tails",
               lossbench::kRegression)
