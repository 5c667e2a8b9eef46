// Cross-entropy on logits, as torch.nn.functional.cross_entropy(label_smoothing=eps): the target
// is q = (1 - eps) onehot(y) + eps / K over K classes, and
//   l(z, y) = logsumexp(z) - sum_j q_j z_j
//           = (1 - eps) (logsumexp(z) - z_y) + eps (logsumexp(z) - mean(z))
//   dl/dz   = softmax(z) - q
// Both brackets are non-negative and taken around the row's maximum m (logsumexp(z) - m =
// log sum exp(z - m)), so logits of +-1000 are exact and no large terms cancel.
#include <lossbench/sdk.hpp>

#include <cmath>

class CrossEntropy final : public lossbench::Loss {
 public:
  CrossEntropy(const lossbench::Params& p, const lossbench::LossSetup&)
      : eps_(p["label_smoothing"]) {}
  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const double n = double(pred.rows());
    const double k = double(pred.cols());
    double total = 0;
    for (lossbench::Index i = 0; i < pred.rows(); ++i) {
      const auto z = pred.row(i).array();
      const auto y = static_cast<lossbench::Index>(target(i, 0));
      const double m = z.maxCoeff();
      auto e = grad.row(i).array();
      e = (z - m).exp();  // once: the sum and the gradient both want it
      const double sum = e.sum();
      const double log_sum = std::log(sum);
      total += (1.0 - eps_) * (log_sum + (m - z(y)));
      if (eps_ > 0) total += eps_ * (log_sum + (m - z).mean());
      e = e / (sum * n) - eps_ / (k * n);
      grad(i, y) -= (1.0 - eps_) / n;
    }
    return total / n;
  }

 private:
  double eps_;
};

LOSSBENCH_LOSS(CrossEntropy, "cross_entropy",
               "softmax cross-entropy on logits (F.cross_entropy with label_smoothing)",
               lossbench::kMulticlass,
               {"label_smoothing", 0.0, 0.0, 1.0,
                "eps: the target is (1 - eps) one-hot + eps / K uniform; 0 is plain cross-entropy"})
