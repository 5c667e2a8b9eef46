#include "plugins/check.hpp"

#include "util/matrix.hpp"
#include "util/strings.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <numeric>
#include <random>
#include <sstream>

namespace lossbench {
namespace {

struct Shape {
  lb_task task;
  int rows;
  int cols;
};

std::string shape_name(const Shape& s) {
  return std::string(task_name(s.task)) + " " + std::to_string(s.rows) + "x" +
         std::to_string(s.cols);
}

// Reports the first failure of a check, or a pass with what was covered.
class Verdict {
 public:
  void fail(std::string why) {
    if (ok_) detail_ = std::move(why);
    ok_ = false;
  }
  bool ok() const { return ok_; }
  CheckResult result(const std::string& plugin, const std::string& check, std::string pass_detail) {
    return {plugin, check, ok_, ok_ ? std::move(pass_detail) : detail_};
  }

 private:
  bool ok_ = true;
  std::string detail_;
};

RowMatrix random_targets(const Shape& s, std::mt19937_64& rng) {
  if (s.task == LB_TASK_REGRESSION) {
    std::normal_distribution<double> n(0.0, 1.0);
    RowMatrix t(s.rows, s.cols);
    for (Eigen::Index i = 0; i < t.size(); ++i) t.data()[i] = n(rng);
    return t;
  }
  const int k = s.task == LB_TASK_BINARY ? 2 : s.cols;
  std::uniform_int_distribution<int> u(0, k - 1);
  RowMatrix t(s.rows, 1);
  for (int i = 0; i < s.rows; ++i) t(i, 0) = u(rng);
  return t;
}

RowMatrix random_pred(const Shape& s, std::mt19937_64& rng, double scale) {
  std::normal_distribution<double> n(0.0, scale);
  RowMatrix p(s.rows, s.cols);
  for (Eigen::Index i = 0; i < p.size(); ++i) p.data()[i] = n(rng);
  return p;
}

bool close(double a, double b, double rel, double abs) {
  return std::abs(a - b) <= abs + rel * std::max(std::abs(a), std::abs(b));
}

namespace {

// The batch shapes a loss is checked on: small, odd and larger, of every task it supports.
std::vector<Shape> shapes_for(const Plugin& p) {
  std::vector<Shape> shapes;
  if (p.supports(LB_TASK_REGRESSION))
    shapes.insert(
        shapes.end(),
        {{LB_TASK_REGRESSION, 1, 1}, {LB_TASK_REGRESSION, 7, 1}, {LB_TASK_REGRESSION, 16, 3}});
  if (p.supports(LB_TASK_BINARY))
    shapes.insert(shapes.end(),
                  {{LB_TASK_BINARY, 1, 1}, {LB_TASK_BINARY, 8, 1}, {LB_TASK_BINARY, 33, 1}});
  if (p.supports(LB_TASK_MULTICLASS))
    shapes.insert(
        shapes.end(),
        {{LB_TASK_MULTICLASS, 1, 4}, {LB_TASK_MULTICLASS, 9, 3}, {LB_TASK_MULTICLASS, 32, 10}});
  return shapes;
}

// One loss instance on one shape, with the ordinary batch it is checked around.
struct Probe {
  LossInstance& loss;
  const Shape& s;
  RowMatrix target, pred, g;
  double v = 0;
  bool eval(const RowMatrix& x, const RowMatrix& t, double& value, RowMatrix* grad) {
    return loss.evaluate(x.data(), t.data(), x.rows(), x.cols(), &value,
                         grad ? grad->data() : nullptr);
  }
};

// The gradient against central differences, element by element.
void check_gradient(Probe& p, Verdict& grad) {
  for (Eigen::Index j = 0; j < p.pred.size(); ++j) {
    RowMatrix plus = p.pred, minus = p.pred;
    const double h = 1e-6 * std::max(1.0, std::abs(p.pred.data()[j]));
    plus.data()[j] += h;
    minus.data()[j] -= h;
    double vp = 0, vm = 0;
    if (!p.eval(plus, p.target, vp, nullptr) || !p.eval(minus, p.target, vm, nullptr)) {
      grad.fail(shape_name(p.s) + ": evaluate failed: " + p.loss.error());
      return;
    }
    const double fd = (vp - vm) / (2 * h);
    if (!close(p.g.data()[j], fd, 1e-5, 1e-7)) {
      grad.fail(shape_name(p.s) + ": element " + std::to_string(j) + " gradient " +
                format_double(p.g.data()[j]) + " vs finite difference " + format_double(fd));
      return;
    }
  }
}

// The same call twice gives the same bits; asking for the value alone gives the same value.
void check_repeatable(Probe& p, Verdict& repeat, Verdict& value_only) {
  RowMatrix g2(p.s.rows, p.s.cols);
  double v2 = 0, v3 = 0;
  p.eval(p.pred, p.target, v2, &g2);
  if (v2 != p.v || g2 != p.g) repeat.fail(shape_name(p.s) + ": a second identical call differs");
  p.eval(p.pred, p.target, v3, nullptr);
  if (v3 != p.v)
    value_only.fail(shape_name(p.s) + ": value without gradient " + format_double(v3) +
                    " differs from " + format_double(p.v));
}

// A batch is a set: permuting rows (with their targets) permutes the gradient rows only.
void check_permutation(Probe& p, Verdict& permute) {
  const Shape& s = p.s;
  std::vector<int> perm(size_t(s.rows));
  std::iota(perm.begin(), perm.end(), 0);
  std::reverse(perm.begin(), perm.end());
  RowMatrix pp(s.rows, s.cols), tp(p.target.rows(), p.target.cols()), gp(s.rows, s.cols);
  for (int i = 0; i < s.rows; ++i) {
    pp.row(i) = p.pred.row(perm[size_t(i)]);
    tp.row(i) = p.target.row(perm[size_t(i)]);
  }
  double vperm = 0;
  p.eval(pp, tp, vperm, &gp);
  bool ok = close(vperm, p.v, 1e-12, 1e-14);
  for (int i = 0; i < s.rows && ok; ++i)
    for (int c = 0; c < s.cols; ++c)
      ok = ok && close(gp(i, c), p.g(perm[size_t(i)], c), 1e-10, 1e-14);
  if (!ok) permute.fail(shape_name(s) + ": row order changes the loss or gradient");
}

// Logits: adding a constant to a row changes no probability, so no loss.
void check_shift(Probe& p, Verdict& shift) {
  RowMatrix shifted = p.pred;
  for (int i = 0; i < p.s.rows; ++i) shifted.row(i).array() += 37.5 * (i % 3 - 1);
  double vs = 0;
  p.eval(shifted, p.target, vs, nullptr);
  if (!close(vs, p.v, 1e-9, 1e-12))
    shift.fail(shape_name(p.s) + ": loss " + format_double(p.v) + " becomes " + format_double(vs) +
               " when a constant is added to rows of logits");
}

// Extreme inputs: logits of +-1000, residuals of 1e3 and 1e6.
void check_extremes(Probe& p, std::mt19937_64& rng, Verdict& extreme) {
  for (double scale : {1e3, 1e6}) {
    if (p.s.task != LB_TASK_REGRESSION && scale > 1e3) continue;
    RowMatrix big = random_pred(p.s, rng, 1.0);
    for (Eigen::Index j = 0; j < big.size(); ++j)
      big.data()[j] = (big.data()[j] >= 0 ? scale : -scale);
    double vb = 0;
    RowMatrix gb(p.s.rows, p.s.cols);
    if (!p.eval(big, p.target, vb, &gb) || !std::isfinite(vb) || !gb.allFinite()) {
      extreme.fail(shape_name(p.s) + ": inputs of +-" + format_double(scale) +
                   " give a non-finite value or gradient" +
                   (p.loss.error()[0] ? std::string(": ") + p.loss.error() : ""));
      return;
    }
  }
}

}  // namespace

std::vector<CheckResult> check_loss(const std::shared_ptr<const Plugin>& p) {
  const std::vector<Shape> shapes = shapes_for(*p);
  const auto hp = p->defaults();
  const int max_rows = 64;  // larger than every batch: batches below max_rows must work
  std::mt19937_64 rng(20261127);
  Verdict create, grad, extreme, repeat, value_only, permute, shift;
  bool any_multiclass = false;

  for (const Shape& s : shapes) {
    std::unique_ptr<LossInstance> loss;
    try {
      loss = std::make_unique<LossInstance>(p, hp, s.task, max_rows, s.cols);
    } catch (const std::exception& e) {
      create.fail(shape_name(s) + ": " + e.what());
      continue;
    }
    Probe probe{*loss, s, random_targets(s, rng), RowMatrix(), RowMatrix(s.rows, s.cols)};
    probe.pred = random_pred(s, rng, 1.5);
    if (!probe.eval(probe.pred, probe.target, probe.v, &probe.g)) {
      create.fail(shape_name(s) + ": evaluate failed: " + loss->error());
      continue;
    }
    if (!std::isfinite(probe.v) || !probe.g.allFinite()) {
      grad.fail(shape_name(s) + ": non-finite value or gradient on ordinary inputs");
      continue;
    }
    check_gradient(probe, grad);
    check_repeatable(probe, repeat, value_only);
    check_permutation(probe, permute);
    if (s.task == LB_TASK_MULTICLASS) any_multiclass = true, check_shift(probe, shift);
    check_extremes(probe, rng, extreme);
  }

  std::vector<CheckResult> out;
  const std::string n = p->name;
  const std::string covered =
      std::to_string(shapes.size()) + " shapes (" + tasks_string(p->tasks) + ")";
  out.push_back(create.result(n, "creates and evaluates", covered));
  out.push_back(grad.result(n, "gradient = finite differences", covered));
  out.push_back(extreme.result(n, "finite on extreme inputs", "+-1000 logits / 1e6 residuals"));
  out.push_back(repeat.result(n, "repeatable", "bit-identical on a second call"));
  out.push_back(value_only.result(n, "value without gradient", "same value"));
  out.push_back(permute.result(n, "row-order invariant", "value and gradient"));
  if (any_multiclass)
    out.push_back(shift.result(n, "logit shift invariant", "constant added to a row"));
  return out;
}

std::vector<double> hp_without_decay(const Plugin& p) {
  auto hp = p.defaults();
  int wd = p.hyperparam_index("weight_decay");
  if (wd >= 0) hp[wd] = 0.0;
  return hp;
}

std::vector<CheckResult> check_optimizer(const std::shared_ptr<const Plugin>& p) {
  const std::string n = p->name;
  std::vector<CheckResult> out;
  const int dim = 10;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  Eigen::VectorXd x0(dim), a(dim);
  for (int i = 0; i < dim; ++i) {
    x0[i] = normal(rng);
    a[i] = 1.0 + 9.0 * i / (dim - 1);  // curvatures 1..10
  }
  const auto hp = hp_without_decay(*p);

  Verdict create;
  try {
    OptimizerInstance probe(p, hp, dim);
  } catch (const std::exception& e) {
    create.fail(e.what());
  }
  out.push_back(create.result(n, "creates", std::to_string(dim) + " parameters"));
  if (!create.ok()) return out;

  // A zero gradient moves nothing (weight decay off).
  {
    Verdict v;
    OptimizerInstance opt(p, hp, dim);
    Eigen::VectorXd x = x0, zero = Eigen::VectorXd::Zero(dim);
    for (uint64_t t = 1; t <= 10 && v.ok(); ++t) {
      if (!opt.step(x.data(), zero.data(), dim, 0.1, t)) v.fail(opt.error());
      if (x != x0) v.fail("parameters moved at step " + std::to_string(t));
    }
    out.push_back(v.result(n, "zero gradient is a fixed point", "10 steps, lr 0.1"));
  }

  // Decreases f(x) = 1/2 sum a_i x_i^2 for some learning rate of a broad grid.
  auto f = [&](const Eigen::VectorXd& x) { return 0.5 * (a.array() * x.array().square()).sum(); };
  auto run = [&](OptimizerInstance& opt, Eigen::VectorXd& x, double lr, int steps) {
    Eigen::VectorXd g(dim);
    for (int t = 1; t <= steps; ++t) {
      g = a.cwiseProduct(x);
      if (!opt.step(x.data(), g.data(), dim, lr, t)) return false;
    }
    return true;
  };
  {
    Verdict v;
    double best = INFINITY, best_lr = 0;
    for (double lr : {1e-3, 1e-2, 1e-1, 1.0}) {
      OptimizerInstance opt(p, hp, dim);
      Eigen::VectorXd x = x0;
      if (!run(opt, x, lr, 300)) {
        v.fail("lr " + format_double(lr) + ": " + opt.error());
        break;
      }
      double r = f(x) / f(x0);
      if (std::isfinite(r) && r < best) best = r, best_lr = lr;
    }
    if (v.ok() && !(best < 0.99))
      v.fail("no learning rate in {1e-3, 1e-2, 1e-1, 1} lowers a convex quadratic in 300 steps");
    std::ostringstream d;
    d << "f/f0 = " << std::setprecision(3) << best << " at lr " << best_lr << " after 300 steps";
    out.push_back(v.result(n, "decreases a convex quadratic", d.str()));
  }

  // Two instances share no state: interleaving steps of another changes nothing.
  {
    Verdict v;
    OptimizerInstance solo(p, hp, dim), a1(p, hp, dim), b1(p, hp, dim);
    Eigen::VectorXd xs = x0, xa = x0, xb = -x0, g(dim), h(dim);
    for (int t = 1; t <= 20; ++t) {
      for (int i = 0; i < dim; ++i) g[i] = normal(rng), h[i] = 100 * normal(rng);
      solo.step(xs.data(), g.data(), dim, 0.01, t);
      a1.step(xa.data(), g.data(), dim, 0.01, t);
      b1.step(xb.data(), h.data(), dim, 0.01, t);
    }
    if (xs != xa) v.fail("stepping a second instance changed the first one's trajectory");
    if (!xs.allFinite()) v.fail("non-finite parameters after 20 ordinary steps");
    out.push_back(v.result(n, "instances independent", "20 interleaved steps"));
  }
  return out;
}

}  // namespace

std::vector<CheckResult> check_plugin(const std::shared_ptr<const Plugin>& plugin) {
  return plugin->is_loss() ? check_loss(plugin) : check_optimizer(plugin);
}

size_t print_check_table(std::ostream& out, const std::vector<CheckResult>& results) {
  size_t wp = 6, wc = 5, failures = 0;
  for (const auto& r : results)
    wp = std::max(wp, r.plugin.size()), wc = std::max(wc, r.check.size());
  out << std::left << std::setw(wp + 2) << "plugin" << std::setw(wc + 2) << "check"
      << "result  detail\n";
  for (const auto& r : results) {
    out << std::left << std::setw(wp + 2) << r.plugin << std::setw(wc + 2) << r.check
        << (r.pass ? "pass    " : "FAIL    ") << r.detail << "\n";
    failures += !r.pass;
  }
  out << results.size() - failures << " of " << results.size() << " checks pass\n";
  return failures;
}

}  // namespace lossbench
