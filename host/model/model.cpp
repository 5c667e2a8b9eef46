#include "model/model.hpp"

#include "util/spec.hpp"
#include "util/strings.hpp"

#include <cmath>
#include <stdexcept>

namespace lossbench {

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::Identity:
      return "identity";
    case Activation::Tanh:
      return "tanh";
    case Activation::Sigmoid:
      return "sigmoid";
    case Activation::Relu:
      return "relu";
  }
  return "?";
}

Activation parse_activation(const std::string& s) {
  for (Activation a :
       {Activation::Identity, Activation::Tanh, Activation::Sigmoid, Activation::Relu})
    if (s == activation_name(a)) return a;
  throw std::invalid_argument("unknown activation '" + s + "'" +
                              did_you_mean(s, {"identity", "tanh", "sigmoid", "relu"}));
}

ModelSpec ModelSpec::parse(const std::string& text) {
  const std::string s = trim(text);
  ModelSpec m;
  if (s == "linear") {
    m.text = "linear";
    m.activation = Activation::Identity;
    m.init = Init::Xavier;
    return m;
  }
  CallSpec call;
  try {
    call = parse_call(s);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("model '" + s + "': " + e.what() +
                                " (expected mlp(key=value,...))");
  }
  if (call.name != "mlp")
    throw std::invalid_argument("unknown model '" + s + "'" +
                                did_you_mean(call.name, {"linear", "mlp"}) +
                                " (models: linear, mlp(hidden=64x64,activation=relu,init=he))");
  m.hidden = {64};
  bool init_given = false;
  for (const auto& [k, v] : call.args) {
    if (k == "hidden") {
      m.hidden.clear();
      for (const auto& w : split(v, 'x')) {
        char* end = nullptr;
        long n = std::strtol(w.c_str(), &end, 10);
        if (w.empty() || *end || n < 1 || n > 100000)
          throw std::invalid_argument("model '" + s + "': hidden=" + v +
                                      " must be widths like 64x64");
        m.hidden.push_back(int(n));
      }
    } else if (k == "activation") {
      m.activation = parse_activation(v);
    } else if (k == "init") {
      if (v != "xavier" && v != "he")
        throw std::invalid_argument("model '" + s + "': init must be xavier or he, not '" + v +
                                    "'");
      m.init = v == "he" ? Init::He : Init::Xavier;
      init_given = true;
    } else {
      throw std::invalid_argument("model '" + s + "': unknown key '" + k + "'" +
                                  did_you_mean(k, {"hidden", "activation", "init"}));
    }
  }
  if (!init_given) m.init = m.activation == Activation::Relu ? Init::He : Init::Xavier;
  std::string h;
  for (size_t i = 0; i < m.hidden.size(); ++i) h += (i ? "x" : "") + std::to_string(m.hidden[i]);
  m.text = "mlp(hidden=" + h + ",activation=" + activation_name(m.activation) +
           ",init=" + (m.init == Init::He ? "he" : "xavier") + ")";
  return m;
}

Model::Model(std::vector<Layer> layers, Eigen::Index max_rows) : layers_(std::move(layers)) {
  Eigen::Index total = 0;
  for (const auto& l : layers_) {
    offset_.push_back(total);
    total += Eigen::Index(l.in) * l.out + l.out;
    act_.emplace_back(max_rows, l.out);
    delta_.emplace_back(max_rows, l.out);
  }
  params_ = Eigen::VectorXd::Zero(total);
  grads_ = Eigen::VectorXd::Zero(total);
}

Model Model::from_spec(const ModelSpec& spec, int in, int out, Eigen::Index max_rows) {
  std::vector<Layer> layers;
  int prev = in;
  for (int h : spec.hidden) {
    layers.push_back({prev, h, spec.activation});
    prev = h;
  }
  layers.push_back({prev, out, Activation::Identity});
  return Model(std::move(layers), max_rows);
}

double Model::bytes_needed(const ModelSpec& spec, int in, int out, Eigen::Index max_rows,
                           int state_copies) {
  double params = 0, units = 0;
  int prev = in;
  for (int h : spec.hidden) {
    params += double(prev) * h + h;
    units += h;
    prev = h;
  }
  params += double(prev) * out + out;
  units += out;
  return sizeof(double) * ((2.0 + state_copies) * params + 2 * double(max_rows) * units);
}

void Model::initialize(Init init, Rng& rng) {
  for (size_t l = 0; l < layers_.size(); ++l) {
    const double fan_in = layers_[l].in, fan_out = layers_[l].out;
    // Xavier/Glorot uniform: U(-a, a), a = sqrt(6 / (in + out)); He normal: N(0, 2 / in).
    const double a = std::sqrt(6.0 / (fan_in + fan_out)), sd = std::sqrt(2.0 / fan_in);
    auto w = W(l, params_);
    for (Eigen::Index i = 0; i < w.size(); ++i)
      w.data()[i] = init == Init::He ? sd * rng.normal() : rng.uniform(-a, a);
    b(l, params_).setZero();
  }
}

namespace {
// tanh, vectorized: Eigen 3.4's double tanh calls libm one element at a time, which was half of
// a tanh MLP's training time. One pass over packets: tanh|x| = (1 - t) / (1 + t), t = exp(-2|x|)
// (t never overflows; absolute error ~1e-16, so relative error < 3e-15 for |x| >= 0.04); near 0,
// where 1 - t cancels, the Taylor series to x^9 (truncation < 1e-16 relative); the sign restored.
void vector_tanh(double* z, Eigen::Index n) {
  namespace ei = Eigen::internal;
  using P = ei::packet_traits<double>::type;
  constexpr Eigen::Index W = ei::packet_traits<double>::size;
  const P one = ei::pset1<P>(1.0), m2 = ei::pset1<P>(-2.0), zero = ei::pset1<P>(0.0),
          small = ei::pset1<P>(0.04);
  const P c3 = ei::pset1<P>(-1.0 / 3), c5 = ei::pset1<P>(2.0 / 15), c7 = ei::pset1<P>(-17.0 / 315),
          c9 = ei::pset1<P>(62.0 / 2835);
  Eigen::Index i = 0;
  for (; i + W <= n; i += W) {
    const P x = ei::ploadu<P>(z + i), a = ei::pabs(x);
    const P t = ei::pexp(ei::pmul(m2, a));
    const P far = ei::pdiv(ei::psub(one, t), ei::padd(one, t));
    const P x2 = ei::pmul(a, a);
    const P near = ei::pmul(
        a, ei::pmadd(x2, ei::pmadd(x2, ei::pmadd(x2, ei::pmadd(x2, c9, c7), c5), c3), one));
    const P r = ei::pselect(ei::pcmp_lt(a, small), near, far);
    ei::pstoreu(z + i, ei::pselect(ei::pcmp_lt(x, zero), ei::pnegate(r), r));
  }
  for (; i < n; ++i) z[i] = std::tanh(z[i]);
}

// Applies the activation in place (z: contiguous rows).
template <class M>
void activate(Activation a, M&& z) {
  switch (a) {
    case Activation::Identity:
      break;
    case Activation::Tanh:
      vector_tanh(z.data(), z.size());
      break;
    case Activation::Sigmoid:
      z = (1.0 / (1.0 + (-z.array()).exp()));
      break;
    case Activation::Relu:
      z = z.array().max(0.0);
      break;
  }
}
// delta *= act'(z), written with the activation's output y.
template <class D, class Y>
void times_derivative(Activation a, D&& delta, const Y& y) {
  switch (a) {
    case Activation::Identity:
      break;
    case Activation::Tanh:
      delta.array() *= 1.0 - y.array().square();
      break;
    case Activation::Sigmoid:
      delta.array() *= y.array() * (1.0 - y.array());
      break;
    case Activation::Relu:
      delta.array() *= (y.array() > 0.0).template cast<double>();
      break;
  }
}
}  // namespace

Eigen::Block<RowMatrix, Eigen::Dynamic, Eigen::Dynamic, true> Model::forward(
    const Eigen::Ref<const RowMatrix>& X) {
  rows_ = X.rows();
  if (X.cols() != layers_.front().in || X.outerStride() != X.cols())
    throw std::invalid_argument("forward: input must be contiguous rows of width " +
                                std::to_string(layers_.front().in));
  input_ = X.data();
  for (size_t l = 0; l < layers_.size(); ++l) {
    // The bias first, then the product added onto it: `out = X * W` would zero out first and
    // need a second pass for the bias.
    auto out = act_[l].topRows(rows_);
    const auto bias = b(l, params_);
    for (Eigen::Index i = 0; i < rows_; ++i)
      out.row(i) = bias;  // replicate() would divide per element
    if (l == 0)
      out.noalias() += input() * W(l, params_);
    else
      out.noalias() += act_[l - 1].topRows(rows_) * W(l, params_);
    activate(layers_[l].act, out);
  }
  return act_.back().topRows(rows_);
}

void Model::backward(const double* dout) {
  const size_t L = layers_.size();
  delta_[L - 1].topRows(rows_) = Eigen::Map<const RowMatrix>(dout, rows_, layers_[L - 1].out);
  for (size_t l = L; l-- > 0;) {
    auto d = delta_[l].topRows(rows_);
    times_derivative(layers_[l].act, d, act_[l].topRows(rows_));
    auto gw = W(l, grads_);
    if (l == 0)
      gw.noalias() = input().transpose() * d;
    else
      gw.noalias() = act_[l - 1].topRows(rows_).transpose() * d;
    b(l, grads_) = d.colwise().sum();
    if (l > 0) delta_[l - 1].topRows(rows_).noalias() = d * W(l, params_).transpose();
  }
}

void Model::layer_grad_norms(std::vector<double>& out) const {
  out.resize(layers_.size());
  for (size_t l = 0; l < layers_.size(); ++l) {
    const Eigen::Index n = Eigen::Index(layers_[l].in) * layers_[l].out + layers_[l].out;
    out[l] = grads_.segment(offset_[l], n).norm();
  }
}

}  // namespace lossbench
