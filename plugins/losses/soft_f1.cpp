// Soft F1: 1 - mean over classes of 2TP / (2TP + FP + FN + 1e-8), with soft counts summed over
// the batch (a batch-level loss, not a mean of per-row losses):
//   TP_k = sum_i P_ik Y_ik    FP_k = sum_i P_ik (1 - Y_ik)    FN_k = sum_i (1 - P_ik) Y_ik
// P = softmax(z) (multiclass) or sigmoid(z) for the positive class only (binary, one column).
// With D_k = 2TP_k + FP_k + FN_k + eps:  dF1_k / dP_ik = (2 Y_ik D_k - 2 TP_k) / D_k^2,
// then through softmax (dP_ik/dz_ij = P_ik (delta_kj - P_ij)) or sigmoid (P (1 - P)).
#include <lossbench/sdk.hpp>

#include <cmath>

class SoftF1 final : public lossbench::Loss {
 public:
  SoftF1(const lossbench::Params&, const lossbench::LossSetup& s)
      : P_(s.max_rows, s.cols), tp_(s.cols), d_(s.cols) {}

  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const auto rows = pred.rows(), k = pred.cols();
    auto P = P_.topRows(rows);
    const bool binary = k == 1;
    for (lossbench::Index i = 0; i < rows; ++i) {
      if (binary) {
        const double x = pred(i, 0), e = std::exp(-std::abs(x));
        P(i, 0) = x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
      } else {
        const double m = pred.row(i).maxCoeff();
        P.row(i) = (pred.row(i).array() - m).exp().matrix();
        P.row(i) /= P.row(i).sum();
      }
    }
    // Soft counts. With Y one-hot, FP = sum_i P_ik - TP and FN = n_k - TP, so
    // D_k = 2TP + FP + FN + eps = sum_i P_ik + n_k + eps, and dD_k/dP_ik = 1.
    tp_.setZero();
    d_.setZero();
    for (lossbench::Index i = 0; i < rows; ++i) {
      const auto y = static_cast<lossbench::Index>(target(i, 0));
      if (binary) {
        if (y == 1) tp_(0) += P(i, 0), d_(0) += 1.0;
      } else {
        tp_(y) += P(i, y);
        d_(y) += 1.0;
      }
    }
    d_ += P.colwise().sum().transpose();
    d_.array() += 1e-8;
    const double f1 = (2.0 * tp_.array() / d_.array()).mean();

    // G_ik = dL/dP_ik = -(1/K) (2 Y_ik D_k - 2 TP_k) / D_k^2, then through the link function.
    for (lossbench::Index i = 0; i < rows; ++i) {
      const auto y = static_cast<lossbench::Index>(target(i, 0));
      grad.row(i) = (2.0 * tp_.array() / d_.array().square() / double(k)).matrix().transpose();
      if (!binary)
        grad(i, y) -= 2.0 / (d_(y) * double(k));
      else if (y == 1)
        grad(i, 0) -= 2.0 / d_(0);
      if (binary) {
        grad(i, 0) *= P(i, 0) * (1.0 - P(i, 0));
      } else {
        const double dot = grad.row(i).dot(P.row(i));
        grad.row(i) = (P.row(i).array() * (grad.row(i).array() - dot)).matrix();
      }
    }
    return 1.0 - f1;
  }

 private:
  lossbench::RowMatrix P_;
  Eigen::VectorXd tp_, d_;
};

LOSSBENCH_LOSS(SoftF1, "soft_f1", "1 - macro F1 over soft counts of the batch (differentiable F1)",
               lossbench::kClassification)
