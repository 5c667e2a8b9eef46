// AdaGrad (Duchi et al. 2011), as torch.optim.Adagrad:
//   g   = g + weight_decay x
//   lr' = lr / (1 + (t - 1) lr_decay)
//   s   = s + g^2                      (s starts at initial_accumulator)
//   x   = x - lr' g / (sqrt(s) + eps)
#include <lossbench/sdk.hpp>

class Adagrad final : public lossbench::Optimizer {
 public:
  Adagrad(const lossbench::Params& p, lossbench::Index n)
      : eps_(p["eps"]),
        lr_decay_(p["lr_decay"]),
        weight_decay_(p["weight_decay"]),
        g_(n),
        s_(Eigen::VectorXd::Constant(n, p["initial_accumulator"])) {}
  void step(lossbench::VectorView x, lossbench::ConstVectorView grad, double lr,
            uint64_t t) override {
    g_ = grad + weight_decay_ * x;
    const double clr = lr / (1.0 + double(t - 1) * lr_decay_);
    s_.array() += g_.array().square();
    x.array() -= clr * g_.array() / (s_.array().sqrt() + eps_);
  }

 private:
  const double eps_, lr_decay_, weight_decay_;
  Eigen::VectorXd g_, s_;
};

LOSSBENCH_OPTIMIZER(Adagrad, "adagrad",
                    "AdaGrad: per-parameter rates from summed squared gradients",
                    {"eps", 1e-10, 0.0, 1.0, "added to the denominator for stability"},
                    {"lr_decay", 0.0, 0.0, 1e3, "lr is divided by 1 + (t - 1) lr_decay"},
                    {"initial_accumulator", 0.0, 0.0, 1e6,
                     "starting value of the squared-gradient sum"},
                    {"weight_decay", 0.0, 0.0, 10.0, "L2 penalty added to the gradient"})
