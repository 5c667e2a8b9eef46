// The Adam update shared by adam.cpp (L2 weight decay in the gradient) and adamw.cpp (decoupled
// weight decay), as torch.optim.Adam / AdamW:
//   m = beta1 m + (1 - beta1) g
//   v = beta2 v + (1 - beta2) g^2
//   vmax = max(vmax, v)                          (amsgrad only; used in place of v)
//   x = x - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#pragma once
#include <lossbench/sdk.hpp>

#include <cmath>

class AdamUpdate {
 public:
  AdamUpdate(const lossbench::Params& p, lossbench::Index n)
      : beta1_(p["beta1"]), beta2_(p["beta2"]), eps_(p["eps"]), amsgrad_(p.flag("amsgrad")),
        m_(Eigen::VectorXd::Zero(n)), v_(Eigen::VectorXd::Zero(n)),
        vmax_(Eigen::VectorXd::Zero(amsgrad_ ? n : 0)) {}

  template <class G>
  void apply(lossbench::VectorView x, const G& g, double lr, uint64_t t) {
    m_ = beta1_ * m_ + (1.0 - beta1_) * g;
    v_ = beta2_ * v_ + (1.0 - beta2_) * g.cwiseAbs2();
    const double bc1 = 1.0 - std::pow(beta1_, double(t));
    const double bc2_sqrt = std::sqrt(1.0 - std::pow(beta2_, double(t)));
    const double step = lr / bc1;
    if (amsgrad_) {
      vmax_ = vmax_.cwiseMax(v_);
      x.array() -= step * m_.array() / (vmax_.array().sqrt() / bc2_sqrt + eps_);
    } else {
      x.array() -= step * m_.array() / (v_.array().sqrt() / bc2_sqrt + eps_);
    }
  }

 private:
  const double beta1_, beta2_, eps_;
  const bool amsgrad_;
  Eigen::VectorXd m_, v_, vmax_;
};

#define LOSSBENCH_ADAM_HYPERPARAMS(weight_decay_default, weight_decay_doc)                  \
  {"beta1", 0.9, 0.0, 0.999999999, "decay of the first-moment (mean) estimate"},           \
      {"beta2", 0.999, 0.0, 0.999999999, "decay of the second-moment estimate"},           \
      {"eps", 1e-8, 0.0, 1.0, "added to the denominator for stability"},                   \
      {"amsgrad", 0.0, 0.0, 1.0, "1: use the running maximum of the second moment"},       \
      {"weight_decay", weight_decay_default, 0.0, 10.0, weight_decay_doc}
