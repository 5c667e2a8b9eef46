// RMSProp (Hinton's lecture 6e), as torch.optim.RMSprop:
//   g = g + weight_decay x
//   v = alpha v + (1 - alpha) g^2
//   centered:  a = alpha a + (1 - alpha) g;  d = sqrt(v - a^2) + eps
//   otherwise: d = sqrt(v) + eps
//   momentum > 0: b = momentum b + g / d;  x = x - lr b
//   otherwise:    x = x - lr g / d
#include <lossbench/sdk.hpp>

class RmsProp final : public lossbench::Optimizer {
 public:
  RmsProp(const lossbench::Params& p, lossbench::Index n)
      : alpha_(p["alpha"]),
        eps_(p["eps"]),
        momentum_(p["momentum"]),
        centered_(p.flag("centered")),
        weight_decay_(p["weight_decay"]),
        g_(n),
        v_(Eigen::VectorXd::Zero(n)),
        a_(Eigen::VectorXd::Zero(n)),
        b_(Eigen::VectorXd::Zero(n)),
        d_(n) {}
  void step(lossbench::VectorView x, lossbench::ConstVectorView grad, double lr,
            uint64_t) override {
    g_ = grad + weight_decay_ * x;
    v_ = alpha_ * v_ + (1.0 - alpha_) * g_.cwiseAbs2();
    if (centered_) {
      a_ = alpha_ * a_ + (1.0 - alpha_) * g_;
      d_.array() = (v_.array() - a_.array().square()).sqrt() + eps_;
    } else {
      d_.array() = v_.array().sqrt() + eps_;
    }
    if (momentum_ > 0) {
      b_.array() = momentum_ * b_.array() + g_.array() / d_.array();
      x -= lr * b_;
    } else {
      x.array() -= lr * g_.array() / d_.array();
    }
  }

 private:
  const double alpha_, eps_, momentum_;
  const bool centered_;
  const double weight_decay_;
  Eigen::VectorXd g_, v_, a_, b_, d_;
};

LOSSBENCH_OPTIMIZER(RmsProp, "rmsprop", "RMSProp: rates from a moving average of squared gradients",
                    {"alpha", 0.99, 0.0, 1.0, "smoothing constant of the squared-gradient average"},
                    {"eps", 1e-8, 0.0, 1.0, "added to the denominator for stability"},
                    {"momentum", 0.0, 0.0, 1.0, "momentum factor (0: none)"},
                    {"centered", 0.0, 0.0, 1.0,
                     "1: normalise by the gradient's estimated variance"},
                    {"weight_decay", 0.0, 0.0, 10.0, "L2 penalty added to the gradient"})
