// AdamW (Loshchilov & Hutter 2019), as torch.optim.AdamW: weight decay is decoupled from the
// gradient, x = x (1 - lr weight_decay), then the Adam update of adam_update.hpp.
#include "adam_update.hpp"

class AdamW final : public lossbench::Optimizer {
 public:
  AdamW(const lossbench::Params& p, lossbench::Index n)
      : update_(p, n), weight_decay_(p["weight_decay"]) {}
  void step(lossbench::VectorView x, lossbench::ConstVectorView grad, double lr,
            uint64_t t) override {
    x *= 1.0 - lr * weight_decay_;
    update_.apply(x, grad, lr, t);
  }

 private:
  AdamUpdate update_;
  const double weight_decay_;
};

LOSSBENCH_OPTIMIZER(AdamW, "adamw", "AdamW: Adam with decoupled weight decay (torch.optim.AdamW)",
                    LOSSBENCH_ADAM_HYPERPARAMS(0.01, "decoupled decay: x *= 1 - lr weight_decay"))
