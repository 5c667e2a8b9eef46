// Quantile (pinball) loss: with e = y - p,
//   l(e) = max(tau e, (tau - 1) e)      dl/dp = -tau if e > 0, 1 - tau if e < 0
// At e = 0 the two branches tie and, as torch.maximum does, the gradient is split evenly.
// tau = 0.5 gives half the MAE; tau = 0.9 fits the 90th percentile.
#include <lossbench/sdk.hpp>

class Quantile final : public lossbench::Loss {
 public:
  Quantile(const lossbench::Params& p, const lossbench::LossSetup&) : tau_(p["tau"]) {}
  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const double n = double(pred.size());
    const auto e = (target - pred).array();
    grad = (-tau_ * (e > 0).cast<double>() + (1.0 - tau_) * (e < 0).cast<double>() +
            (0.5 - tau_) * (e == 0).cast<double>()) /
           n;
    return (tau_ * e).max((tau_ - 1.0) * e).sum() / n;
  }

 private:
  double tau_;
};

LOSSBENCH_LOSS(Quantile, "quantile",
               "quantile (pinball) loss: fits the tau-th conditional quantile",
               lossbench::kRegression,
               {"tau", 0.5, 0.0, 1.0, "the quantile to fit (0.5 is the median)"})
