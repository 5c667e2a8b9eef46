// NAdam (Dozat 2016), as torch.optim.NAdam:
//   g      = g + weight_decay x
//   mu_t   = beta1 (1 - 0.5 * 0.96^(t momentum_decay)),  mu_{t+1} likewise
//   prod   = prod * mu_t                                  (product of all mu so far)
//   m      = beta1 m + (1 - beta1) g
//   v      = beta2 v + (1 - beta2) g^2
//   d      = sqrt(v / (1 - beta2^t)) + eps
//   x      = x - lr (1 - mu_t) / (1 - prod) g / d - lr mu_{t+1} / (1 - prod mu_t mu_{t+1}) m / d
// The last denominator counts mu_t twice. That is what PyTorch 1.13 computes
// (mu_product_next = mu_product * mu * mu_next after mu_product *= mu), and the oracle pins it:
// a name must mean what it means in PyTorch, so we keep it.
#include <lossbench/sdk.hpp>

#include <cmath>

class Nadam final : public lossbench::Optimizer {
 public:
  Nadam(const lossbench::Params& p, lossbench::Index n)
      : beta1_(p["beta1"]),
        beta2_(p["beta2"]),
        eps_(p["eps"]),
        momentum_decay_(p["momentum_decay"]),
        weight_decay_(p["weight_decay"]),
        g_(n),
        m_(Eigen::VectorXd::Zero(n)),
        v_(Eigen::VectorXd::Zero(n)),
        d_(n) {}
  void step(lossbench::VectorView x, lossbench::ConstVectorView grad, double lr,
            uint64_t t) override {
    g_ = grad + weight_decay_ * x;
    const double tt = double(t);
    const double mu = beta1_ * (1.0 - 0.5 * std::pow(0.96, tt * momentum_decay_));
    const double mu_next = beta1_ * (1.0 - 0.5 * std::pow(0.96, (tt + 1.0) * momentum_decay_));
    mu_product_ *= mu;
    const double mu_product_next = mu_product_ * mu * mu_next;
    m_ = beta1_ * m_ + (1.0 - beta1_) * g_;
    v_ = beta2_ * v_ + (1.0 - beta2_) * g_.cwiseAbs2();
    d_.array() = (v_.array() / (1.0 - std::pow(beta2_, tt))).sqrt() + eps_;
    x.array() -= lr * (1.0 - mu) / (1.0 - mu_product_) * g_.array() / d_.array();
    x.array() -= lr * mu_next / (1.0 - mu_product_next) * m_.array() / d_.array();
  }

 private:
  const double beta1_, beta2_, eps_, momentum_decay_, weight_decay_;
  double mu_product_ = 1.0;
  Eigen::VectorXd g_, m_, v_, d_;
};

LOSSBENCH_OPTIMIZER(Nadam, "nadam", "NAdam: Adam with Nesterov momentum (torch.optim.NAdam)",
                    {"beta1", 0.9, 0.0, 0.999999999, "decay of the first-moment estimate"},
                    {"beta2", 0.999, 0.0, 0.999999999, "decay of the second-moment estimate"},
                    {"eps", 1e-8, 0.0, 1.0, "added to the denominator for stability"},
                    {"momentum_decay", 4e-3, 0.0, 1.0,
                     "how fast the momentum schedule mu_t warms up"},
                    {"weight_decay", 0.0, 0.0, 10.0, "L2 penalty added to the gradient"})
