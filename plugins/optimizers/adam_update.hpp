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
      : beta1_(p["beta1"]),
        beta2_(p["beta2"]),
        eps_(p["eps"]),
        amsgrad_(p.flag("amsgrad")),
        m_(Eigen::VectorXd::Zero(n)),
        v_(Eigen::VectorXd::Zero(n)),
        vmax_(Eigen::VectorXd::Zero(amsgrad_ ? n : 0)) {}

  // One pass over memory: m, v (and vmax) and x are updated element by element, which the
  // compiler vectorizes (built-ins are compiled with -fno-math-errno, so sqrt needs no branch).
  template <class G>
  void apply(lossbench::VectorView x, const G& g, double lr, uint64_t t) {
    const double bc1 = 1.0 - std::pow(beta1_, double(t));
    const double bc2_sqrt = std::sqrt(1.0 - std::pow(beta2_, double(t)));
    const double step = lr / bc1, b1 = beta1_, b2 = beta2_, c1 = 1.0 - beta1_, c2 = 1.0 - beta2_,
                 eps = eps_;
    const lossbench::Index n = x.size();
    double* __restrict xp = x.data();
    const double* __restrict gp = g.data();
    double* __restrict m = m_.data();
    double* __restrict v = v_.data();
    if (amsgrad_) {
      double* __restrict vmax = vmax_.data();
      for (lossbench::Index i = 0; i < n; ++i) {
        m[i] = b1 * m[i] + c1 * gp[i];
        v[i] = b2 * v[i] + c2 * gp[i] * gp[i];
        vmax[i] = vmax[i] > v[i] ? vmax[i] : v[i];
        xp[i] -= step * m[i] / (std::sqrt(vmax[i]) / bc2_sqrt + eps);
      }
    } else {
      for (lossbench::Index i = 0; i < n; ++i) {
        m[i] = b1 * m[i] + c1 * gp[i];
        v[i] = b2 * v[i] + c2 * gp[i] * gp[i];
        xp[i] -= step * m[i] / (std::sqrt(v[i]) / bc2_sqrt + eps);
      }
    }
  }

 private:
  const double beta1_, beta2_, eps_;
  const bool amsgrad_;
  Eigen::VectorXd m_, v_, vmax_;
};

#define LOSSBENCH_ADAM_HYPERPARAMS(weight_decay_default, weight_decay_doc)             \
  {"beta1", 0.9, 0.0, 0.999999999, "decay of the first-moment (mean) estimate"},       \
      {"beta2", 0.999, 0.0, 0.999999999, "decay of the second-moment estimate"},       \
      {"eps", 1e-8, 0.0, 1.0, "added to the denominator for stability"},               \
      {"amsgrad", 0.0, 0.0, 1.0, "1: use the running maximum of the second moment"}, { \
    "weight_decay", weight_decay_default, 0.0, 10.0, weight_decay_doc                  \
  }
