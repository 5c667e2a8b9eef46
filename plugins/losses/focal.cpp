// Focal loss (Lin et al. 2017), on the task's own link function.
//
// Multiclass, on softmax probabilities p = softmax(z), q = p_y:
//   l = -(1 - q)^gamma log q
//   dl/dz_j = [gamma (1 - q)^gamma q log q / (1 - q) - (1 - q)^gamma] (onehot_j - p_j)
// log q = z_y - logsumexp(z) stays exact for logits of +-1000, and 1 - q is summed from the other
// classes' probabilities rather than subtracted, so it keeps its precision as q approaches 1.
// gamma = 0 is cross-entropy. alpha does not apply: it weights a positive class against a
// negative one, and softmax focal has none (torchvision defines alpha for the sigmoid form only).
//
// Binary, as torchvision.ops.sigmoid_focal_loss(x, y, alpha, gamma, reduction='mean'). With
// s = x for y = 0 and s = -x for y = 1 (the logit pointing at the wrong class), 1 - p_t =
// sigmoid(s) and the cross-entropy is softplus(s), so
//   l = a_t sigmoid(s)^gamma softplus(s)
//   dl/ds = a_t sigmoid(s)^gamma (gamma sigmoid(-s) softplus(s) + sigmoid(s)),  dl/dx = +-dl/ds
// with a_t = alpha for y = 1, 1 - alpha for y = 0, and 1 when alpha = -1 (torchvision's "ignore").
// sigmoid(+-s) from exp(-|s|) and softplus(s) = max(s, 0) + log1p(exp(-|s|)) never overflow, and
// 1 - p_t is sigmoid(s) itself rather than torchvision's subtraction, which rounds it to 0 for a
// confident right answer (|x| > 37) and so loses its loss and gradient.
// gamma = 0 with alpha = -1 is bce.
#include <lossbench/sdk.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

class Focal final : public lossbench::Loss {
 public:
  Focal(const lossbench::Params& p, const lossbench::LossSetup& s)
      : gamma_(p["gamma"]), alpha_(p["alpha"]), binary_(s.task == lossbench::Task::Binary) {
    // Every negative alpha means "no weighting" in torchvision; one spelling keeps a sweep from
    // running the same loss under several names.
    if (alpha_ < 0 && alpha_ != -1.0)
      throw std::invalid_argument("alpha is in [0, 1], or -1 for no class weighting, not " +
                                  std::to_string(alpha_));
  }

  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    return binary_ ? sigmoid_focal(pred, target, grad) : softmax_focal(pred, target, grad);
  }

 private:
  double sigmoid_focal(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                       lossbench::MatrixView grad) const {
    const double n = double(pred.rows());
    double total = 0;
    for (lossbench::Index i = 0; i < pred.rows(); ++i) {
      const bool positive = target(i, 0) > 0.5;
      const double s = positive ? -pred(i, 0) : pred(i, 0);
      const double e = std::exp(-std::abs(s));
      const double sig = s >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
      const double sig_neg = s >= 0 ? e / (1.0 + e) : 1.0 / (1.0 + e);
      const double softplus = std::max(s, 0.0) + std::log1p(e);
      const double a = alpha_ < 0 ? 1.0 : positive ? alpha_ : 1.0 - alpha_;
      const double w = a * std::pow(sig, gamma_);
      total += w * softplus;
      const double ds = w * (gamma_ * sig_neg * softplus + sig);
      grad(i, 0) = (positive ? -ds : ds) / n;
    }
    return total / n;
  }

  double softmax_focal(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                       lossbench::MatrixView grad) const {
    const double n = double(pred.rows());
    double total = 0;
    for (lossbench::Index i = 0; i < pred.rows(); ++i) {
      const auto z = pred.row(i).array();
      const auto y = static_cast<lossbench::Index>(target(i, 0));
      const double m = z.maxCoeff();
      double sum = 0, others = 0;
      for (lossbench::Index j = 0; j < z.size(); ++j) {
        const double e = std::exp(z(j) - m);
        sum += e;
        if (j != y) others += e;
      }
      const double log_q = z(y) - m - std::log(sum);
      const double q = std::exp(log_q);
      const double one_minus_q = others / sum;
      const double w = std::pow(one_minus_q, gamma_);
      total += -w * log_q;
      // d l / d q times q, written to stay finite as 1 - q -> 0.
      const double dq = gamma_ > 0 && one_minus_q > 0 ? gamma_ * w * q * log_q / one_minus_q : 0.0;
      const double c = (dq - w) / n;
      grad.row(i) = (-c * (z - m).exp() / sum).matrix();
      grad(i, y) += c;
    }
    return total / n;
  }

  double gamma_;
  double alpha_;
  bool binary_;
};

LOSSBENCH_LOSS(Focal, "focal",
               "focal loss: softmax -(1-p_y)^gamma log p_y (multiclass), "
               "torchvision's sigmoid_focal_loss (binary)",
               lossbench::kClassification,
               {"gamma", 2.0, 0.0, 100.0, "focusing strength; 0 is cross-entropy (bce)"},
               {"alpha", 0.25, -1.0, 1.0,
                "binary only: weight of the positive class (1 - alpha the negative's); -1 none"})
