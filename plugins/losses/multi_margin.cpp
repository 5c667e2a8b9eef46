// Multi-class hinge, as torch.nn.functional.multi_margin_loss (p = 1):
//   l(z, y) = 1/K sum_{j != y} max(0, margin - z_y + z_j)
//   dl/dz_j = 1/K for each active j,  dl/dz_y = -(number of active j)/K
#include <lossbench/sdk.hpp>

class MultiMargin final : public lossbench::Loss {
 public:
  MultiMargin(const lossbench::Params& p, const lossbench::LossSetup&) : margin_(p["margin"]) {}
  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const double n = double(pred.rows()), k = double(pred.cols());
    double total = 0;
    for (lossbench::Index i = 0; i < pred.rows(); ++i) {
      const auto y = static_cast<lossbench::Index>(target(i, 0));
      const auto h = margin_ - pred(i, y) + pred.row(i).array();  // h_y = margin, excluded below
      const auto active = (h > 0).cast<double>();
      grad.row(i) = (active / (k * n)).matrix();
      const double count = active.sum() - (margin_ > 0 ? 1.0 : 0.0);
      grad(i, y) = -count / (k * n);
      total += (h.max(0.0).sum() - std::max(margin_, 0.0)) / k;
    }
    return total / n;
  }

 private:
  double margin_;
};

LOSSBENCH_LOSS(MultiMargin, "multi_margin", "multi-class hinge loss (F.multi_margin_loss, p=1)",
               lossbench::kMulticlass,
               {"margin", 1.0, 0.0, 1e6,
                "required gap between the true class's logit and the others"})
