// Binary cross-entropy on logits, as torch.nn.functional.binary_cross_entropy_with_logits:
//   l(x, y) = max(x, 0) - x y + log1p(exp(-|x|))      dl/dx = sigmoid(x) - y
// The max/log1p form never overflows: logits of +-1000 give exact, finite values.
#include <lossbench/sdk.hpp>

class Bce final : public lossbench::Loss {
 public:
  Bce(const lossbench::Params&, const lossbench::LossSetup&) {}
  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const double n = double(pred.rows());
    const auto x = pred.col(0).array();
    const auto y = target.col(0).array();
    // sigmoid(x) = 1 / (1 + exp(-x)) for x >= 0 and exp(x) / (1 + exp(x)) below: no overflow.
    const auto ex = (-x.abs()).exp();
    const auto sig = (x >= 0).select(1.0 / (1.0 + ex), ex / (1.0 + ex));
    grad.col(0) = ((sig - y) / n).matrix();
    return (x.max(0.0) - x * y + ex.log1p()).sum() / n;
  }
};

LOSSBENCH_LOSS(Bce, "bce", "binary cross-entropy on logits (F.binary_cross_entropy_with_logits)",
               lossbench::kBinary)
