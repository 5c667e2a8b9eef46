#pragma once
// The models lossbench trains: `linear` (linear, logistic or softmax regression, by the loss on
// top) and `mlp(hidden=64x64,activation=relu,init=he)`.
//
// All parameters live in one contiguous buffer (per layer: W, in x out row-major, then b), so an
// optimizer plugin steps the whole model in one call. Every activation and gradient buffer is
// allocated at construction for the largest batch; forward and backward allocate nothing. Small
// layers' products run on kernels.hpp's (bias and activation fused in), the others on Eigen's.
#include "util/matrix.hpp"
#include "util/rng.hpp"

#include <Eigen/Core>

#include <string>
#include <vector>

namespace lossbench {

enum class Activation { Identity, Tanh, Sigmoid, Relu };
enum class Init { Xavier, He };

const char* activation_name(Activation a);
Activation parse_activation(const std::string& s);

struct ModelSpec {
  std::string text;         // canonical: "linear" or "mlp(hidden=64x64,activation=relu,init=he)"
  std::vector<int> hidden;  // empty for linear
  Activation activation = Activation::Relu;
  Init init = Init::He;
  // Parses "linear" or "mlp(...)"; throws std::invalid_argument naming the bad part.
  static ModelSpec parse(const std::string& s);
};

class Model {
 public:
  struct Layer {
    int in, out;
    Activation act;
  };
  Model(std::vector<Layer> layers, Eigen::Index max_rows);
  // The model a spec describes for inputs of width `in` and `out` outputs.
  static Model from_spec(const ModelSpec& spec, int in, int out, Eigen::Index max_rows);
  // Bytes a trial of such a model allocates (parameters, gradients, activations and deltas, the
  // small layers' transposed weights, and `state_copies` more parameter-sized buffers of
  // optimizer state: Adam keeps two), computed without allocating: a spec too big for memory is
  // refused before it aborts the process.
  static double bytes_needed(const ModelSpec& spec, int in, int out, Eigen::Index max_rows,
                             int state_copies = 2);

  Eigen::Index n_params() const { return Eigen::Index(params_.size()); }
  Eigen::VectorXd& params() { return params_; }
  const Eigen::VectorXd& grads() const { return grads_; }
  void initialize(Init init, Rng& rng);

  // Forward pass over X (contiguous rows); returns the output block (rows x out), valid until
  // the next forward. Keeps what backward needs, X included: X must outlive backward().
  Eigen::Block<RowMatrix, Eigen::Dynamic, Eigen::Dynamic, true> forward(
      const Eigen::Ref<const RowMatrix>& X);
  // Backward from d loss / d output (rows x out, the rows of the last forward) into grads().
  void backward(const double* dout);
  // ||d loss / d (W, b)|| of each layer, from the last backward.
  void layer_grad_norms(std::vector<double>& out) const;

  // Layer l's parameters as they are: W (in x out), b (out). For `lossbench trace`.
  const std::vector<Layer>& layers() const { return layers_; }
  Eigen::Map<const RowMatrix> weight(size_t l) const {
    return {params_.data() + offset_[l], layers_[l].in, layers_[l].out};
  }
  Eigen::Map<const Eigen::RowVectorXd> bias(size_t l) const {
    return {params_.data() + offset_[l] + layers_[l].in * layers_[l].out, layers_[l].out};
  }

 private:
  Eigen::Map<RowMatrix> W(size_t l, Eigen::VectorXd& buf) const {
    return {buf.data() + offset_[l], layers_[l].in, layers_[l].out};
  }
  Eigen::Map<Eigen::RowVectorXd> b(size_t l, Eigen::VectorXd& buf) const {
    return {buf.data() + offset_[l] + layers_[l].in * layers_[l].out, layers_[l].out};
  }

  std::vector<Layer> layers_;
  std::vector<Eigen::Index> offset_;
  Eigen::VectorXd params_, grads_;
  std::vector<RowMatrix> act_;    // act_[l]: output of layer l (max_rows x out)
  std::vector<RowMatrix> delta_;  // delta_[l]: d loss / d pre-activation of layer l
  std::vector<RowMatrix> wt_;     // wt_[l]: W of layer l > 0 transposed, for backward's kernel
  Eigen::VectorXd scratch_;       // the products' last columns, padded to a whole packet
  // The last forward's input, for dW of the first layer: the caller's rows, not a copy (the
  // trial keeps them unchanged until backward).
  const double* input_ = nullptr;
  Eigen::Index rows_ = 0;
  Eigen::Map<const RowMatrix> input() const { return {input_, rows_, layers_.front().in}; }
};

}  // namespace lossbench
