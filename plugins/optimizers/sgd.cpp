// Stochastic gradient descent, as torch.optim.SGD (dampening 0):
//   g = g + weight_decay x
//   b = g                          at t = 1
//   b = momentum b + g             after
//   x = x - lr (g + momentum b)    with nesterov
//   x = x - lr b                   otherwise (plain SGD when momentum = 0)
#include <lossbench/sdk.hpp>

#include <stdexcept>

class Sgd final : public lossbench::Optimizer {
 public:
  Sgd(const lossbench::Params& p, lossbench::Index n)
      : momentum_(p["momentum"]),
        nesterov_(p.flag("nesterov")),
        weight_decay_(p["weight_decay"]),
        g_(n),
        b_(n) {
    if (nesterov_ && momentum_ <= 0) throw std::invalid_argument("nesterov needs momentum > 0");
  }
  void step(lossbench::VectorView x, lossbench::ConstVectorView grad, double lr,
            uint64_t t) override {
    g_ = grad + weight_decay_ * x;
    if (momentum_ == 0) {
      x -= lr * g_;
      return;
    }
    if (t == 1)
      b_ = g_;
    else
      b_ = momentum_ * b_ + g_;
    if (nesterov_)
      x -= lr * (g_ + momentum_ * b_);
    else
      x -= lr * b_;
  }

 private:
  const double momentum_;
  const bool nesterov_;
  const double weight_decay_;
  Eigen::VectorXd g_, b_;
};

LOSSBENCH_OPTIMIZER(Sgd, "sgd", "SGD with optional momentum and Nesterov (torch.optim.SGD)",
                    {"momentum", 0.0, 0.0, 1.0, "momentum factor (0: plain SGD)"},
                    {"nesterov", 0.0, 0.0, 1.0, "1: Nesterov momentum (needs momentum > 0)"},
                    {"weight_decay", 0.0, 0.0, 10.0, "L2 penalty added to the gradient"})
