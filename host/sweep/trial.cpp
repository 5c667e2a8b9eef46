#include "sweep/trial.hpp"

#include "util/rng.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <numeric>
#include <optional>
#include <sys/resource.h>
#include <unistd.h>

namespace lossbench {

namespace {

constexpr Eigen::Index kEvalChunk = 512;  // rows per forward pass when evaluating a split

double thread_cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) * 1e-6;
}

std::string params_json(const Plugin& p, const std::vector<double>& hp) {
  std::string s = "{";
  for (size_t i = 0; i < hp.size(); ++i)
    s += (i ? "," : "") + ("\"" + p.hyperparams[i].name + "\":" + format_double(hp[i]));
  return s + "}";
}

// The address-space cap of this process (the worker's --max-memory), else physical memory.
double memory_limit_bytes() {
  rlimit r{};
  if (getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur != RLIM_INFINITY) return double(r.rlim_cur);
  return double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
}

std::string gibibytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g GiB", bytes / double(1ull << 30));
  return buf;
}

// Why a loss value means divergence (empty: it does not): non-finite, or above `factor` times the
// loss at the initial point.
std::string divergence(double v, double start, double factor, const char* what) {
  if (!std::isfinite(v)) return std::string("non-finite ") + what;
  if (v > factor * std::max(start, 1e-12))
    return std::string(what) + " " + format_double(v) + " exceeds " + format_double(factor) + "x its start";
  return "";
}

}  // namespace

std::string Schedule::text() const {
  std::string s = kind;
  if (kind == "step") s += "(every=" + std::to_string(step_every) + ",gamma=" + format_double(gamma) + ")";
  if (warmup_epochs > 0) s += "+warmup(" + format_double(warmup_epochs) + ")";
  return s;
}

double Schedule::lr(double base, uint64_t t, uint64_t steps_per_epoch, int epochs) const {
  const double epoch = double(t - 1) / double(steps_per_epoch);  // fractional epochs done
  double f = 1.0;
  if (kind == "step")
    f = std::pow(gamma, std::floor(epoch / step_every));
  else if (kind == "cosine")
    f = 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, epoch / epochs)));
  if (warmup_epochs > 0 && epoch < warmup_epochs) f *= double(t) / (warmup_epochs * double(steps_per_epoch));
  return base * f;
}

std::string TrialConfig::loss_params_json() const { return params_json(*loss, loss_hp); }
std::string TrialConfig::optimizer_params_json() const { return params_json(*optimizer, optimizer_hp); }

std::string TrialConfig::canonical() const {
  return "dataset=" + data->data.spec + "#" + data->data.hash + ";model=" + model.text + ";loss=" + loss->name +
         "#" + loss->sha256 + loss_params_json() + ";optimizer=" + optimizer->name + "#" + optimizer->sha256 +
         optimizer_params_json() + ";lr=" + format_double(lr) + ";seed=" + std::to_string(seed) +
         ";epochs=" + std::to_string(epochs) + ";batch=" + std::to_string(batch_size) + ";schedule=" +
         schedule.text() + ";eval_every=" + std::to_string(eval_every) + ";budget=" + format_double(time_budget_s) +
         ";divergence=" + format_double(divergence_factor) + ";metric=" + metric + ";target=" + format_double(target);
}

TrialResult run_trial(const TrialConfig& c, const std::atomic<bool>& abandon,
                      const std::function<void()>& heartbeat) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const double cpu0 = thread_cpu_ms();
  auto wall_ms = [&] { return std::chrono::duration<double, std::milli>(clock::now() - t0).count(); };

  TrialResult r;
  r.hash = c.hash;
  const Dataset& d = c.data->data;
  const Split& s = c.data->split;
  const lb_task task = d.task;
  const int out_cols = d.output_cols();
  const Eigen::Index n = s.X_train.rows(), B = std::min<Eigen::Index>(c.batch_size, n);
  const Eigen::Index max_rows = std::max(B, std::min<Eigen::Index>(kEvalChunk, std::max({n, s.X_val.rows(), s.X_test.rows()})));
  const bool up = higher_is_better(c.metric);

  auto fail_early = [&](std::string message) {
    r.status = "failed";
    r.message = std::move(message);
    r.wall_ms = wall_ms();
    return r;
  };
  // Everything a step touches is allocated here, once. A model too big for memory is refused
  // before it is allocated: with the optimizer's state (Adam keeps two more copies of the
  // weights) it would abort the process instead.
  const int in_cols = int(s.X_train.cols());
  const double need = Model::bytes_needed(c.model, in_cols, out_cols, max_rows) * 2;
  if (const double cap = memory_limit_bytes(); need > cap)
    return fail_early("model " + c.model.text + " needs about " + gibibytes(need) +
                      " (weights, gradients, optimizer state, activations); the memory limit is " + gibibytes(cap) +
                      " (--max-memory, or the machine's memory)");
  std::optional<Model> model_holder;
  std::unique_ptr<LossInstance> loss;
  std::unique_ptr<OptimizerInstance> opt;
  try {
    model_holder.emplace(Model::from_spec(c.model, in_cols, out_cols, max_rows));
    loss = std::make_unique<LossInstance>(c.loss, c.loss_hp, task, size_t(max_rows), size_t(out_cols));
    opt = std::make_unique<OptimizerInstance>(c.optimizer, c.optimizer_hp, size_t(model_holder->n_params()));
  } catch (const std::bad_alloc&) {
    return fail_early("out of memory allocating model " + c.model.text + " (about " + gibibytes(need) +
                      "; the memory limit is " + gibibytes(memory_limit_bytes()) + ")");
  } catch (const std::exception& e) {
    return fail_early(e.what());
  }
  Model& model = *model_holder;
  {
    Rng init(mix_seed(c.seed, hash_string(d.hash + c.model.text)));
    model.initialize(c.model.init, init);
  }
  Rng batches(mix_seed(c.seed, hash_string(d.hash) + 1));  // same batches for every loss
  std::vector<Eigen::Index> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  RowMatrix Xb(B, s.X_train.cols()), yb(B, 1), dout(max_rows, out_cols);
  RowMatrix out_val(s.X_val.rows(), out_cols), out_test(s.X_test.rows(), out_cols);

  // Mean loss of a split (chunked); fills `outputs` when given.
  // Non-finite outputs make the mean NaN even where the loss plugin would clamp them away.
  auto split_loss = [&](const RowMatrix& X, const RowMatrix& y, RowMatrix* outputs, bool grad_of_first) {
    double total = 0;
    for (Eigen::Index start = 0; start < X.rows(); start += kEvalChunk) {
      const Eigen::Index rows = std::min(kEvalChunk, X.rows() - start);
      auto out = model.forward(X.middleRows(start, rows));
      if (outputs) outputs->middleRows(start, rows) = out;
      if (!out.allFinite()) {
        total = NAN;
        continue;
      }
      double v = NAN;
      const bool want_grad = grad_of_first && start == 0;
      if (!loss->evaluate(out.data(), y.data() + start, size_t(rows), size_t(out_cols), &v,
                          want_grad ? dout.data() : nullptr))
        throw PluginError(c.loss->where() + ": " + loss->error());
      if (want_grad) model.backward(dout.data());
      total += v * double(rows);
    }
    return total / double(X.rows());
  };

  uint64_t t = 0;
  double start_loss = NAN;
  auto evaluate = [&](int epoch) {
    CurvePoint p;
    p.epoch = epoch;
    p.step = t;
    p.examples = t == 0 ? 0 : uint64_t(epoch) * uint64_t(n);
    // Gradient norms: of the last minibatch (free: the optimizer just used it, and a forward
    // pass leaves it alone); before any step, of the first rows of the training split.
    p.train_loss = split_loss(s.X_train, s.y_train, nullptr, t == 0);
    model.layer_grad_norms(p.layer_grad_norms);
    p.grad_norm = model.grads().norm();
    p.val_loss = split_loss(s.X_val, s.y_val, &out_val, false);
    const double test_loss = split_loss(s.X_test, s.y_test, &out_test, false);
    // A model whose validation or test outputs are non-finite has diverged there, too.
    const bool finite_outputs = std::isfinite(p.val_loss) && std::isfinite(test_loss);
    p.val = compute_metrics(task, d.n_classes, out_val, s.y_val, s.y_mean, s.y_std);
    p.test = compute_metrics(task, d.n_classes, out_test, s.y_test, s.y_mean, s.y_std);
    p.val_metric = p.val.get(c.metric);
    p.test_metric = p.test.get(c.metric);
    p.wall_ms = wall_ms();
    p.cpu_ms = thread_cpu_ms() - cpu0;
    const bool better = std::isfinite(p.val_metric) &&
                        (!std::isfinite(r.best_val) || (up ? p.val_metric > r.best_val : p.val_metric < r.best_val));
    if (better) r.best_val = p.val_metric, r.best_val_epoch = epoch, r.test_at_best_val = p.test_metric;
    if (std::isfinite(c.target) && r.epochs_to_target < 0 && std::isfinite(p.val_metric) &&
        (up ? p.val_metric >= c.target : p.val_metric <= c.target))
      r.epochs_to_target = epoch, r.time_to_target_ms = p.wall_ms;
    r.curve.push_back(std::move(p));
    return finite_outputs ? r.curve.back().train_loss : double(NAN);
  };

  auto finish = [&](const char* status, std::string message) {
    r.status = status;
    r.message = std::move(message);
    r.steps = t;
    r.wall_ms = wall_ms();
    r.cpu_ms = thread_cpu_ms() - cpu0;
    if (!r.curve.empty()) {
      r.final_val_metrics = r.curve.back().val.json(task);
      r.final_test_metrics = r.curve.back().test.json(task);
    }
    for (auto it = r.curve.rbegin(); it != r.curve.rend(); ++it)
      if (std::isfinite(it->val_metric)) {
        r.final_val = it->val_metric, r.final_test = it->test_metric;
        break;
      }
    return r;
  };

  try {
    start_loss = evaluate(0);
    if (!std::isfinite(start_loss)) {
      r.diverged_step = 0;
      return finish("diverged", "non-finite loss or outputs at the initial point");
    }
    const uint64_t steps_per_epoch = uint64_t((n + B - 1) / B);
    for (int epoch = 1; epoch <= c.epochs; ++epoch) {
      batches.shuffle(perm.begin(), perm.end());
      for (Eigen::Index start = 0; start < n; start += B) {
        const Eigen::Index rows = std::min(B, n - start);
        for (Eigen::Index i = 0; i < rows; ++i) {
          Xb.row(i) = s.X_train.row(perm[size_t(start + i)]);
          yb(i, 0) = s.y_train(perm[size_t(start + i)], 0);
        }
        auto out = model.forward(Xb.topRows(rows));
        double v = NAN;
        if (!loss->evaluate(out.data(), yb.data(), size_t(rows), size_t(out_cols), &v, dout.data()))
          return finish("failed", c.loss->where() + ": " + loss->error());
        ++t;
        if (!out.allFinite()) v = NAN;  // a diverged model, whatever the loss made of it
        if (auto why = divergence(v, start_loss, c.divergence_factor, "loss"); !why.empty()) {
          r.diverged_step = int64_t(t);
          return finish("diverged", why + " at step " + std::to_string(t));
        }
        model.backward(dout.data());
        const double lr = c.schedule.lr(c.lr, t, steps_per_epoch, c.epochs);
        if (!opt->step(model.params().data(), model.grads().data(), size_t(model.n_params()), lr, t))
          return finish("failed", c.optimizer->where() + ": " + opt->error());
        if (abandon.load(std::memory_order_relaxed)) return finish("abandoned", "interrupted");
        if (c.time_budget_s > 0 && wall_ms() > c.time_budget_s * 1e3)
          return finish("timeout", "time budget of " + format_double(c.time_budget_s) + " s ran out in epoch " +
                                       std::to_string(epoch));
      }
      if (!model.params().allFinite()) {
        r.diverged_step = int64_t(t);
        return finish("diverged", "non-finite parameters at step " + std::to_string(t));
      }
      if (heartbeat) heartbeat();
      if (epoch % c.eval_every == 0 || epoch == c.epochs) {
        const double tl = evaluate(epoch);
        if (auto why = divergence(tl, start_loss, c.divergence_factor, "train loss"); !why.empty()) {
          r.diverged_step = int64_t(t);
          return finish("diverged", why + " at epoch " + std::to_string(epoch) + " (step " + std::to_string(t) + ")");
        }
      }
    }
  } catch (const PluginError& e) {
    return finish("failed", e.what());
  } catch (const std::bad_alloc&) {
    // Under --max-memory a runaway allocation lands here (or in the plugin's own boundary).
    return finish("failed", "out of memory (the worker's --max-memory cap or the machine's)");
  } catch (const std::exception& e) {
    return finish("failed", e.what());
  }
  return finish("done", "");
}

}  // namespace lossbench
