// An out-of-tree loss: the "Cauchy" (Lorentzian) loss, robust to outliers like Huber but with a
// gradient that fades for huge residuals instead of staying constant.
//   l(e) = c^2 / 2 log(1 + (e / c)^2)        dl/de = e / (1 + (e / c)^2)
#include <lossbench/sdk.hpp>

class Cauchy final : public lossbench::Loss {
 public:
  Cauchy(const lossbench::Params& p, const lossbench::LossSetup&) : c_(p["c"]) {}

  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const double n = double(pred.size());
    const auto r = ((pred - target) / c_).array();  // scaled residual
    grad = (c_ * r / (1.0 + r.square()) / n).matrix();
    return 0.5 * c_ * c_ * r.square().log1p().sum() / n;
  }

 private:
  double c_;
};

LOSSBENCH_LOSS(Cauchy, "cauchy", "Cauchy (Lorentzian) loss: robust, with a fading gradient",
               lossbench::kRegression,
               {"c", 1.0, 1e-6, 1e6, "residual scale where the loss turns logarithmic"})
