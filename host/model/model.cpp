#include "model/model.hpp"

#include "model/kernels.hpp"

#include "util/spec.hpp"
#include "util/strings.hpp"

#include <algorithm>
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
    const bool transposed = &l != &layers_.front() && kernels::fits(l.out);
    wt_.emplace_back(transposed ? l.out : 0, transposed ? l.in : 0);
  }
  scratch_.resize(kernels::kScratch);
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
  double params = 0, units = 0, transposed = 0;
  int prev = in;
  std::vector<int> widths = spec.hidden;
  widths.push_back(out);
  for (size_t l = 0; l < widths.size(); ++l) {
    const int w = widths[l];
    params += double(prev) * w + w;
    units += w;
    if (l > 0 && kernels::fits(w)) transposed += double(prev) * w;  // as the constructor's wt_
    prev = w;
  }
  return sizeof(double) * ((2.0 + state_copies) * params + transposed +
                           2 * double(max_rows) * units + double(kernels::kScratch));
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
namespace ei = Eigen::internal;
using kernels::Index;
using kernels::Packet;

// 2^n from k = n + 1023 + 1.5 2^52 (n integral, -1022 <= n <= 1023): k's low bits are n + 1023,
// 2^n's exponent field. Eigen's pldexp does this for any n, at ten times the instructions.
EIGEN_STRONG_INLINE Packet pow2_biased(const Packet& k) {
#if defined(EIGEN_VECTORIZE_AVX512)
  return _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_castpd_si512(k), 52));
#elif defined(EIGEN_VECTORIZE_AVX2)
  return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(k), 52));
#elif defined(EIGEN_VECTORIZE_SSE2) && !defined(EIGEN_VECTORIZE_AVX)
  return _mm_castsi128_pd(_mm_slli_epi64(_mm_castpd_si128(k), 52));
#else
  const Packet shifter = ei::pset1<Packet>(6755399441055744.0 + 1023);
  return ei::pldexp(ei::pset1<Packet>(1.0), ei::psub(k, shifter));
#endif
}

// tanh, vectorized: Eigen 3.4's double tanh calls libm one element at a time, which was half of
// a tanh MLP's training time. tanh|x| = -e / (2 + e), e = expm1(-2|x|), with no cancellation
// anywhere: -2|x| = n ln2 + r (|r| <= ln2 / 2), expm1(r) by a polynomial, e = 2^n expm1(r) +
// (2^n - 1) with 2^n - 1 exact. One division (Eigen's pexp has one of its own). |x| is capped
// at 20, where tanh is 1 in doubles; a NaN stays NaN.
EIGEN_STRONG_INLINE Packet ptanh(const Packet& x) {
  const Packet one = ei::pset1<Packet>(1.0), sign = ei::pset1<Packet>(-0.0);
  const Packet a = ei::pmin(ei::pabs(x), ei::pset1<Packet>(20.0));  // pmin(NaN, 20) is NaN
  const Packet u = ei::pmul(ei::pset1<Packet>(-2.0), a);
  // k = round(u / ln2) + 1023 + 1.5 2^52: the addition rounds to an integer.
  const Packet shifter = ei::pset1<Packet>(6755399441055744.0 + 1023);
  const Packet k = ei::pmadd(u, ei::pset1<Packet>(1.4426950408889634), shifter);
  const Packet n = ei::psub(k, shifter);
  // r = u - n ln2 in two parts (ln2_hi has zeros in its low bits, so n ln2_hi is exact).
  Packet r = ei::pmadd(n, ei::pset1<Packet>(-0.693145751953125), u);
  r = ei::pmadd(n, ei::pset1<Packet>(-1.42860682030941723212e-6), r);
  // expm1(r) = r q(r), q of degree 9 interpolating expm1(r) / r at the Chebyshev nodes of
  // |r| <= 1.0001 ln2 / 2 (relative error < 2e-15; the Taylor series needs 13 terms for that).
  Packet p = ei::pset1<Packet>(2.7620088445409746e-07);
  for (double c : {2.763265575933203e-06, 2.4801521295954376e-05, 0.0001984119061583585,
                   0.0013888888917213717, 0.008333333367332009, 0.04166666666662413,
                   0.16666666666615607, 0.5000000000000001, 1.0000000000000013})
    p = ei::pmadd(p, r, ei::pset1<Packet>(c));
  p = ei::pmul(p, r);  // expm1(r)
  const Packet s = pow2_biased(k);
  const Packet e = ei::pmadd(s, p, ei::psub(s, one));
  // 0 - e, not -e: tanh(+0) is +0. The sign bit of x then goes onto tanh|x| >= 0.
  const Packet t =
      ei::pdiv(ei::psub(ei::pset1<Packet>(0.0), e), ei::padd(ei::pset1<Packet>(2.0), e));
  return ei::por(t, ei::pand(x, sign));
}

// Each activation in packets and in scalars (f), and d loss / d z from d loss / d y and y (d).
struct IdentityFn {
  Packet f(const Packet& z) const { return z; }
  double f(double z) const { return z; }
  Packet d(const Packet& g, const Packet&) const { return g; }
  double d(double g, double) const { return g; }
};
struct TanhFn {
  Packet f(const Packet& z) const { return ptanh(z); }
  double f(double z) const { return std::tanh(z); }
  Packet d(const Packet& g, const Packet& y) const {
    return ei::pmul(g, ei::psub(ei::pset1<Packet>(1.0), ei::pmul(y, y)));
  }
  double d(double g, double y) const { return g * (1.0 - y * y); }
};
struct SigmoidFn {
  Packet f(const Packet& z) const {
    const Packet one = ei::pset1<Packet>(1.0);
    return ei::pdiv(one, ei::padd(one, ei::pexp(ei::pnegate(z))));
  }
  double f(double z) const { return 1.0 / (1.0 + std::exp(-z)); }
  Packet d(const Packet& g, const Packet& y) const {
    return ei::pmul(g, ei::pmul(y, ei::psub(ei::pset1<Packet>(1.0), y)));
  }
  double d(double g, double y) const { return g * (y * (1.0 - y)); }
};
struct ReluFn {
  // pmax(z, 0) as Eigen's z.max(0) computes it, NaN handling included.
  Packet f(const Packet& z) const { return ei::pmax(z, ei::pset1<Packet>(0.0)); }
  double f(double z) const { return Eigen::numext::maxi(z, 0.0); }
  Packet d(const Packet& g, const Packet& y) const {
    const Packet zero = ei::pset1<Packet>(0.0);
    return ei::pmul(g, ei::pand(ei::pcmp_lt(zero, y), ei::pset1<Packet>(1.0)));
  }
  double d(double g, double y) const { return g * (y > 0.0 ? 1.0 : 0.0); }
};

template <class F>
void with_activation(Activation a, F&& f) {
  switch (a) {
    case Activation::Identity:
      return f(IdentityFn{});
    case Activation::Tanh:
      return f(TanhFn{});
    case Activation::Sigmoid:
      return f(SigmoidFn{});
    case Activation::Relu:
      return f(ReluFn{});
  }
}

// Forward: the bias is the first value, the activation the last step.
template <class Fn>
struct AffineOps {
  const double* bias;
  Fn fn;
  Packet first(Index j, Index n) const { return kernels::load(bias + j, n); }
  Packet last(const Packet& v, Index, Index, Index) const { return fn.f(v); }
};
// Backward's weight gradients: from zero, as they are.
struct ZeroOps {
  Packet first(Index, Index) const { return ei::pset1<Packet>(0.0); }
  Packet last(const Packet& v, Index, Index, Index) const { return v; }
};
// Backward's delta of the layer below: its activation's derivative, from its output y.
template <class Fn>
struct DerivativeOps {
  const double* y;
  Index ldy;
  Fn fn;
  Packet first(Index, Index) const { return ei::pset1<Packet>(0.0); }
  Packet last(const Packet& v, Index i, Index j, Index n) const {
    return fn.d(v, kernels::load(y + i * ldy + j, n));
  }
};

// Applies the activation in place (z: contiguous rows).
template <class M>
void activate(Activation a, M&& z) {
  with_activation(a, [&](auto fn) {
    double* p = z.data();
    const Index n = z.size();
    Index i = 0;
    for (; i + kernels::kWidth <= n; i += kernels::kWidth)
      ei::pstoreu(p + i, fn.f(ei::ploadu<Packet>(p + i)));
    for (; i < n; ++i) p[i] = fn.f(p[i]);
  });
}
// delta *= act'(z), written with the activation's output y.
template <class D, class Y>
void times_derivative(Activation a, D&& delta, const Y& y) {
  with_activation(a, [&](auto fn) {
    for (Index i = 0; i < delta.size(); ++i) delta.data()[i] = fn.d(delta.data()[i], y.data()[i]);
  });
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
    const Layer& layer = layers_[l];
    auto out = act_[l].topRows(rows_);
    const double* in = l == 0 ? input_ : act_[l - 1].data();
    const auto bias = b(l, params_);
    if (kernels::fits(layer.in)) {
      with_activation(layer.act, [&](auto fn) {
        kernels::product(rows_, layer.out, layer.in, in, layer.in, 1, W(l, params_).data(),
                         layer.out, out.data(), layer.out, AffineOps<decltype(fn)>{bias.data(), fn},
                         scratch_.data());
      });
      continue;
    }
    // The bias first, then the product added onto it: `out = X * W` would zero out first and
    // need a second pass for the bias.
    for (Eigen::Index i = 0; i < rows_; ++i)
      out.row(i) = bias;  // replicate() would divide per element
    out.noalias() += Eigen::Map<const RowMatrix>(in, rows_, layer.in) * W(l, params_);
    activate(layer.act, out);
  }
  return act_.back().topRows(rows_);
}

void Model::backward(const double* dout) {
  const size_t L = layers_.size();
  delta_[L - 1].topRows(rows_) = Eigen::Map<const RowMatrix>(dout, rows_, layers_[L - 1].out);
  times_derivative(layers_[L - 1].act, delta_[L - 1].topRows(rows_), act_[L - 1].topRows(rows_));
  for (size_t l = L; l-- > 0;) {
    const Layer& layer = layers_[l];
    auto d = delta_[l].topRows(rows_);
    const double* in = l == 0 ? input_ : act_[l - 1].data();
    auto gw = W(l, grads_);
    if (kernels::fits(rows_))
      kernels::product(layer.in, layer.out, rows_, in, 1, layer.in, d.data(), layer.out, gw.data(),
                       layer.out, ZeroOps{}, scratch_.data());
    else
      gw.noalias() = Eigen::Map<const RowMatrix>(in, rows_, layer.in).transpose() * d;
    b(l, grads_) = d.colwise().sum();
    if (l == 0) continue;
    auto below = delta_[l - 1].topRows(rows_);
    if (kernels::fits(layer.out)) {
      // d W^T wants W^T's rows contiguous: a transposed copy, as W has changed since the last step.
      wt_[l] = W(l, params_).transpose();
      with_activation(layers_[l - 1].act, [&](auto fn) {
        kernels::product(rows_, layer.in, layer.out, d.data(), layer.out, 1, wt_[l].data(),
                         layer.in, below.data(), layer.in,
                         DerivativeOps<decltype(fn)>{act_[l - 1].data(), layer.in, fn},
                         scratch_.data());
      });
    } else {
      below.noalias() = d * W(l, params_).transpose();
      times_derivative(layers_[l - 1].act, below, act_[l - 1].topRows(rows_));
    }
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
