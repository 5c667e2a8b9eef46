// Adam (Kingma & Ba 2015), as torch.optim.Adam: weight decay is an L2 term added to the
// gradient before the moments (g = g + weight_decay x). The update rule is in adam_update.hpp.
#include "adam_update.hpp"

class Adam final : public lossbench::Optimizer {
 public:
  Adam(const lossbench::Params& p, lossbench::Index n)
      : update_(p, n), weight_decay_(p["weight_decay"]), g_(n) {}
  void step(lossbench::VectorView x, lossbench::ConstVectorView grad, double lr,
            uint64_t t) override {
    if (weight_decay_ == 0) return update_.apply(x, grad, lr, t);  // as torch: no pass adding 0 x
    g_ = grad + weight_decay_ * x;
    update_.apply(x, g_, lr, t);
  }

 private:
  AdamUpdate update_;
  const double weight_decay_;
  Eigen::VectorXd g_;
};

LOSSBENCH_OPTIMIZER(Adam, "adam", "Adam: bias-corrected moment estimates (torch.optim.Adam)",
                    LOSSBENCH_ADAM_HYPERPARAMS(0.0, "L2 penalty added to the gradient"))
