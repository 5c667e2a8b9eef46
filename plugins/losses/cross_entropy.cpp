// Cross-entropy on logits, as torch.nn.functional.cross_entropy:
//   l(z, y) = logsumexp(z) - z_y          dl/dz = softmax(z) - onehot(y)
// logsumexp is taken around the row's maximum, so logits of +-1000 are exact.
#include <lossbench/sdk.hpp>

class CrossEntropy final : public lossbench::Loss {
 public:
  CrossEntropy(const lossbench::Params&, const lossbench::LossSetup&) {}
  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const double n = double(pred.rows());
    double total = 0;
    for (lossbench::Index i = 0; i < pred.rows(); ++i) {
      const auto z = pred.row(i).array();
      const auto y = static_cast<lossbench::Index>(target(i, 0));
      const double m = z.maxCoeff();
      const double sum = (z - m).exp().sum();
      total += m + std::log(sum) - z(y);
      grad.row(i) = ((z - m).exp() / (sum * n)).matrix();
      grad(i, y) -= 1.0 / n;
    }
    return total / n;
  }
};

LOSSBENCH_LOSS(CrossEntropy, "cross_entropy", "softmax cross-entropy on logits (F.cross_entropy)",
               lossbench::kMulticlass)
