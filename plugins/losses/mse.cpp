// Mean squared error, as torch.nn.functional.mse_loss:
//   L = 1/N sum (p - y)^2          dL/dp = 2 (p - y) / N          (N = rows x cols)
#include <lossbench/sdk.hpp>

class Mse final : public lossbench::Loss {
 public:
  Mse(const lossbench::Params&, const lossbench::LossSetup&) {}
  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const double n = double(pred.size());
    grad = (pred - target) * (2.0 / n);
    return (pred - target).squaredNorm() / n;
  }
};

LOSSBENCH_LOSS(Mse, "mse", "mean squared error (F.mse_loss)", lossbench::kRegression)
