// Focal loss (Lin et al. 2017) on softmax probabilities p = softmax(z), q = p_y:
//   l = -(1 - q)^gamma log q
//   dl/dz_j = [gamma (1 - q)^gamma q log q / (1 - q) - (1 - q)^gamma] (onehot_j - p_j)
// log q = z_y - logsumexp(z) stays exact for logits of +-1000, and 1 - q is summed from the other
// classes' probabilities rather than subtracted, so it keeps its precision as q approaches 1.
// gamma = 0 is cross-entropy.
#include <lossbench/sdk.hpp>

#include <cmath>

class Focal final : public lossbench::Loss {
 public:
  Focal(const lossbench::Params& p, const lossbench::LossSetup&) : gamma_(p["gamma"]) {}
  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
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

 private:
  double gamma_;
};

LOSSBENCH_LOSS(Focal, "focal", "focal loss -(1-p_y)^gamma log p_y: down-weights easy examples",
               lossbench::kMulticlass,
               {"gamma", 2.0, 0.0, 100.0, "focusing strength; 0 is cross-entropy"})
