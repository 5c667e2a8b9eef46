// Adadelta (Zeiler 2012), as torch.optim.Adadelta:
//   g  = g + weight_decay x
//   s  = rho s + (1 - rho) g^2
//   dx = sqrt(u + eps) / sqrt(s + eps) * g
//   u  = rho u + (1 - rho) dx^2
//   x  = x - lr dx                    (PyTorch's default lr for Adadelta is 1.0)
#include <lossbench/sdk.hpp>

class Adadelta final : public lossbench::Optimizer {
 public:
  Adadelta(const lossbench::Params& p, lossbench::Index n)
      : rho_(p["rho"]),
        eps_(p["eps"]),
        weight_decay_(p["weight_decay"]),
        g_(n),
        s_(Eigen::VectorXd::Zero(n)),
        u_(Eigen::VectorXd::Zero(n)),
        dx_(n) {}
  void step(lossbench::VectorView x, lossbench::ConstVectorView grad, double lr,
            uint64_t) override {
    g_ = grad + weight_decay_ * x;
    s_ = rho_ * s_ + (1.0 - rho_) * g_.cwiseAbs2();
    dx_.array() = (u_.array() + eps_).sqrt() / (s_.array() + eps_).sqrt() * g_.array();
    u_ = rho_ * u_ + (1.0 - rho_) * dx_.cwiseAbs2();
    x -= lr * dx_;
  }

 private:
  const double rho_, eps_, weight_decay_;
  Eigen::VectorXd g_, s_, u_, dx_;
};

LOSSBENCH_OPTIMIZER(Adadelta, "adadelta", "Adadelta: unit-corrected rates from moving averages",
                    {"rho", 0.9, 0.0, 1.0,
                     "decay of the squared-gradient and squared-update averages"},
                    {"eps", 1e-6, 0.0, 1.0, "added inside both square roots"},
                    {"weight_decay", 0.0, 0.0, 10.0, "L2 penalty added to the gradient"})
