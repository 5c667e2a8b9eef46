// Hinge loss for binary labels: with s = 2y - 1 in {-1, +1},
//   l = max(0, 1 - s x)        dl/dx = -s where 1 - s x > 0, else 0
#include <lossbench/sdk.hpp>

class Hinge final : public lossbench::Loss {
 public:
  Hinge(const lossbench::Params&, const lossbench::LossSetup&) {}
  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const double n = double(pred.rows());
    const auto x = pred.col(0).array();
    const auto s = 2.0 * target.col(0).array() - 1.0;
    const auto margin = 1.0 - s * x;
    grad.col(0) = ((margin > 0).cast<double>() * -s / n).matrix();
    return margin.max(0.0).sum() / n;
  }
};

LOSSBENCH_LOSS(Hinge, "hinge", "hinge loss max(0, 1 - s x) with labels s = +-1 (SVM margin)",
               lossbench::kBinary)
