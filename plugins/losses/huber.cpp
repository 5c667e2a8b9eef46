// Huber loss, as torch.nn.functional.huber_loss(delta):
//   e = p - y
//   l(e) = e^2 / 2                   if |e| <= delta
//        = delta (|e| - delta / 2)   otherwise
//   dl/de = clamp(e, -delta, delta); L and dL/dp are means over the N elements.
#include <lossbench/sdk.hpp>

class Huber final : public lossbench::Loss {
 public:
  Huber(const lossbench::Params& p, const lossbench::LossSetup&) : delta_(p["delta"]) {}
  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const double n = double(pred.size());
    const auto e = (pred - target).array();
    const auto a = e.abs();
    grad = e.max(-delta_).min(delta_) / n;
    return (a <= delta_).select(0.5 * e.square(), delta_ * (a - 0.5 * delta_)).sum() / n;
  }

 private:
  double delta_;
};

LOSSBENCH_LOSS(Huber, "huber",
               "Huber loss, quadratic within delta and linear beyond (F.huber_loss)",
               lossbench::kRegression,
               {"delta", 1.0, 1e-12, 1e12,
                "residual size where the loss turns from quadratic to linear"})
