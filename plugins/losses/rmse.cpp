// Root mean squared error, sqrt(F.mse_loss):
//   L = sqrt(1/N sum (p - y)^2)    dL/dp = (p - y) / (N L)
// At L = 0 the derivative is undefined (PyTorch gives NaN); we return 0, the subgradient that
// keeps an optimizer at the minimum instead of poisoning it.
#include <lossbench/sdk.hpp>

#include <cmath>

class Rmse final : public lossbench::Loss {
 public:
  Rmse(const lossbench::Params&, const lossbench::LossSetup&) {}
  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const double n = double(pred.size());
    const double l = (pred - target).norm() / std::sqrt(n);  // norm() scales against overflow
    if (l > 0)
      grad = (pred - target) / (n * l);
    else
      grad.setZero();
    return l;
  }
};

LOSSBENCH_LOSS(Rmse, "rmse", "root mean squared error (sqrt of F.mse_loss)", lossbench::kRegression)
