// Adamax (Kingma & Ba 2015, section 7), as torch.optim.Adamax:
//   g = g + weight_decay x
//   m = beta1 m + (1 - beta1) g
//   u = max(beta2 u, |g| + eps)
//   x = x - lr / (1 - beta1^t) * m / u
#include <lossbench/sdk.hpp>

#include <cmath>

class Adamax final : public lossbench::Optimizer {
 public:
  Adamax(const lossbench::Params& p, lossbench::Index n)
      : beta1_(p["beta1"]),
        beta2_(p["beta2"]),
        eps_(p["eps"]),
        weight_decay_(p["weight_decay"]),
        g_(n),
        m_(Eigen::VectorXd::Zero(n)),
        u_(Eigen::VectorXd::Zero(n)) {}
  void step(lossbench::VectorView x, lossbench::ConstVectorView grad, double lr,
            uint64_t t) override {
    g_ = grad + weight_decay_ * x;
    m_ = beta1_ * m_ + (1.0 - beta1_) * g_;
    u_ = (beta2_ * u_).cwiseMax((g_.array().abs() + eps_).matrix());
    x.array() -= lr / (1.0 - std::pow(beta1_, double(t))) * m_.array() / u_.array();
  }

 private:
  const double beta1_, beta2_, eps_, weight_decay_;
  Eigen::VectorXd g_, m_, u_;
};

LOSSBENCH_OPTIMIZER(Adamax, "adamax", "Adamax: Adam with an infinity-norm second moment",
                    {"beta1", 0.9, 0.0, 0.999999999, "decay of the first-moment estimate"},
                    {"beta2", 0.999, 0.0, 1.0, "decay of the infinity-norm estimate"},
                    {"eps", 1e-8, 0.0, 1.0, "added to |g| for stability"},
                    {"weight_decay", 0.0, 0.0, 10.0, "L2 penalty added to the gradient"})
