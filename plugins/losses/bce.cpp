// Binary cross-entropy on logits, as torch.nn.BCEWithLogitsLoss(pos_weight=w):
//   l(x, y) = w y softplus(-x) + (1 - y) softplus(x)
//   dl/dx   = -w sigmoid(-x) if y = 1, sigmoid(x) if y = 0
// softplus(x) = max(x, 0) + log1p(exp(-|x|)) never overflows, so logits of +-1000 give exact,
// finite values. The y = 1 gradient is -sigmoid(-x) rather than sigmoid(x) - 1, whose
// subtraction would round a small gradient (x > 37) to zero.
#include <lossbench/sdk.hpp>

class Bce final : public lossbench::Loss {
 public:
  Bce(const lossbench::Params& p, const lossbench::LossSetup&) : pos_weight_(p["pos_weight"]) {}
  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const double n = double(pred.rows());
    const auto x = pred.col(0).array();
    const auto y = target.col(0).array();
    const auto positive = y > 0.5;
    // sigmoid(x) = 1 / (1 + exp(-x)) for x >= 0 and exp(x) / (1 + exp(x)) below: no overflow.
    const auto ex = (-x.abs()).exp();
    const auto sig = (x >= 0).select(1.0 / (1.0 + ex), ex / (1.0 + ex));
    const auto sig_neg = (x >= 0).select(ex / (1.0 + ex), 1.0 / (1.0 + ex));
    grad.col(0) = (positive.select(-pos_weight_ * sig_neg, sig) / n).matrix();
    const auto log1p_ex = ex.log1p();
    return positive.select(pos_weight_ * ((-x).max(0.0) + log1p_ex), x.max(0.0) + log1p_ex).sum() /
           n;
  }

 private:
  double pos_weight_;
};

LOSSBENCH_LOSS(
    Bce, "bce", "binary cross-entropy on logits (nn.BCEWithLogitsLoss with pos_weight)",
    lossbench::kBinary,
    {"pos_weight", 1.0, 0.0, 1e6,
     "weight of the positive class's term; n_negative / n_positive balances the classes"})
