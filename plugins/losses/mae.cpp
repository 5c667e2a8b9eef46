// Mean absolute error, as torch.nn.functional.l1_loss:
//   L = 1/N sum |p - y|            dL/dp = sign(p - y) / N   (0 where p = y)
#include <lossbench/sdk.hpp>

class Mae final : public lossbench::Loss {
 public:
  Mae(const lossbench::Params&, const lossbench::LossSetup&) {}
  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const double n = double(pred.size());
    grad = (pred - target).array().sign() / n;
    return (pred - target).array().abs().sum() / n;
  }
};

LOSSBENCH_LOSS(Mae, "mae", "mean absolute error (F.l1_loss)", lossbench::kRegression)
