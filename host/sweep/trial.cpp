#include "sweep/trial.hpp"

#include "util/process.hpp"
#include "util/rng.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <numeric>
#include <optional>

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
    return std::string(what) + " " + format_double(v) + " exceeds " + format_double(factor) +
           "x its start";
  return "";
}

}  // namespace

std::string Schedule::text() const {
  std::string s = kind;
  if (kind == "step")
    s += "(every=" + std::to_string(step_every) + ",gamma=" + format_double(gamma) + ")";
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
  if (warmup_epochs > 0 && epoch < warmup_epochs)
    f *= double(t) / (warmup_epochs * double(steps_per_epoch));
  return base * f;
}

std::string TrialConfig::loss_params_json() const { return params_json(*loss, loss_hp); }
std::string TrialConfig::optimizer_params_json() const {
  return params_json(*optimizer, optimizer_hp);
}

// The seed and the split seed are the parts of a trial that are not its configuration but a
// replicate of it: configuration() is canonical() without them, so that replicates of one
// configuration share a config_id and the leaderboard's statistics include the split's variance.
std::string TrialConfig::canonical() const {
  return with_seed(std::to_string(seed) +
                   (data->split_seed ? ";split_seed=" + std::to_string(data->split_seed) : ""));
}
std::string TrialConfig::configuration() const { return with_seed(""); }

// One spelling for both: the text of canonical() is what every stored config_hash was computed
// from, so it must not change (a changed text would re-run every finished trial).
std::string TrialConfig::with_seed(const std::string& seed_text) const {
  // A split of other fractions, or another split seed, is written only when it is not the
  // default, so that every trial planned before they existed keeps its hash.
  return "dataset=" + data->data.spec + "#" + data->data.hash +
         (data->fractions.is_default() ? "" : ";split=" + data->fractions.text()) +
         ";model=" + model.text + ";loss=" + loss->name + "#" + loss->sha256 + loss_params_json() +
         ";optimizer=" + optimizer->name + "#" + optimizer->sha256 + optimizer_params_json() +
         ";lr=" + format_double(lr) + (seed_text.empty() ? "" : ";seed=" + seed_text) +
         ";epochs=" + std::to_string(epochs) + ";batch=" + std::to_string(batch_size) +
         ";schedule=" + schedule.text() + ";eval_every=" + std::to_string(eval_every) +
         ";budget=" + format_double(time_budget_s) +
         ";divergence=" + format_double(divergence_factor) + ";metric=" + metric +
         ";target=" + format_double(target);
}

const char* status_name(TrialStatus s) {
  switch (s) {
    case TrialStatus::Done:
      return "done";
    case TrialStatus::Diverged:
      return "diverged";
    case TrialStatus::Failed:
      return "failed";
    case TrialStatus::Timeout:
      return "timeout";
    case TrialStatus::Crashed:
      return "crashed";
    case TrialStatus::Abandoned:
      return "abandoned";
  }
  return "unknown";
}

std::optional<TrialStatus> parse_status(const std::string& text) {
  for (TrialStatus s : {TrialStatus::Done, TrialStatus::Diverged, TrialStatus::Failed,
                        TrialStatus::Timeout, TrialStatus::Crashed, TrialStatus::Abandoned})
    if (text == status_name(s)) return s;
  return std::nullopt;
}

namespace {

// How a trial ended, before the result is assembled.
struct Ending {
  TrialStatus status;
  std::string message;
  int64_t diverged_step = -1;
};

// Everything a step touches, allocated once per trial: the model, the plugins' instances and
// every batch and output buffer. Construction throws what allocation or a plugin's create says.
struct Workspace {
  Workspace(const TrialConfig& c, Eigen::Index batch, Eigen::Index max_rows)
      : model(Model::from_spec(c.model, int(c.data->split.X_train.cols()),
                               c.data->data.output_cols(), max_rows)),
        loss(std::make_unique<LossInstance>(c.loss, c.loss_hp, c.data->data.task, size_t(max_rows),
                                            size_t(c.data->data.output_cols()))),
        opt(std::make_unique<OptimizerInstance>(c.optimizer, c.optimizer_hp,
                                                size_t(model.n_params()))),
        perm(size_t(c.data->split.X_train.rows())),
        Xb(batch, c.data->split.X_train.cols()),
        yb(batch, 1),
        dout(max_rows, c.data->data.output_cols()),
        out_val(c.data->split.X_val.rows(), c.data->data.output_cols()),
        out_test(c.data->split.X_test.rows(), c.data->data.output_cols()) {
    std::iota(perm.begin(), perm.end(), 0);
    tally.reserve(c.data->data.n_classes, std::max(out_val.rows(), out_test.rows()));
  }
  Model model;
  std::unique_ptr<LossInstance> loss;
  std::unique_ptr<OptimizerInstance> opt;
  std::vector<Eigen::Index> perm;  // this epoch's order of the training rows
  RowMatrix Xb, yb, dout, out_val, out_test;
  Tally tally;  // the metrics' buffers, for validation and test in turn
};

// One trial in progress: its configuration, its workspace, its clocks and the result it builds.
class Trial {
 public:
  Trial(const TrialConfig& c, const std::atomic<bool>& abandon,
        const std::function<void()>& heartbeat, TrialObserver* observer)
      : c_(c),
        d_(c.data->data),
        s_(c.data->split),
        abandon_(abandon),
        heartbeat_(heartbeat),
        observer_(observer),
        n_(s_.X_train.rows()),
        B_(std::min<Eigen::Index>(c.batch_size, n_)),
        max_rows_(std::max(B_, std::min<Eigen::Index>(
                                   kEvalChunk, std::max({n_, s_.X_val.rows(), s_.X_test.rows()})))),
        up_(higher_is_better(c.metric)),
        t0_(std::chrono::steady_clock::now()),
        cpu0_(thread_cpu_ms()) {
    r_.hash = c.hash;
  }

  TrialResult run() {
    if (auto failure = setup()) return finish(*failure);
    try {
      if (auto why = evaluate(0); !why.empty())
        return finish({TrialStatus::Diverged, why + " at the initial point", 0});
      for (int epoch = 1; epoch <= c_.epochs; ++epoch) {
        if (auto ending = train_epoch(epoch)) return finish(*ending);
        if (!w_->model.params().allFinite())
          return finish(diverged("non-finite parameters at step " + step_text()));
        if (heartbeat_) heartbeat_();
        if (epoch % c_.eval_every == 0 || epoch == c_.epochs) {
          if (auto why = evaluate(epoch); !why.empty())
            return finish(diverged(why + " at epoch " + std::to_string(epoch) + " (step " +
                                   step_text() + ")"));
        }
      }
    } catch (const PluginError& e) {
      return finish({TrialStatus::Failed, e.what()});
    } catch (const std::bad_alloc&) {
      // Under --max-memory a runaway allocation lands here (or in the plugin's own boundary).
      return finish(
          {TrialStatus::Failed, "out of memory (the worker's --max-memory cap or the machine's)"});
    } catch (const std::exception& e) {
      return finish({TrialStatus::Failed, e.what()});
    }
    return finish({TrialStatus::Done, ""});
  }

 private:
  // Allocates the workspace and initializes the model; a failure ends the trial before it starts.
  // A model too big for memory is refused before it is allocated: with the optimizer's state
  // (Adam keeps two more copies of the weights) it would abort the process instead.
  std::optional<Ending> setup() {
    const int in_cols = int(s_.X_train.cols()), out_cols = d_.output_cols();
    const double need = Model::bytes_needed(c_.model, in_cols, out_cols, max_rows_);
    if (const double cap = memory_limit_bytes(); need > cap)
      return Ending{
          TrialStatus::Failed,
          "model " + c_.model.text + " needs about " + gibibytes(need) +
              " (weights, gradients, optimizer state, activations); the memory limit is " +
              gibibytes(cap) + " (--max-memory, or the machine's memory)"};
    try {
      w_.emplace(c_, B_, max_rows_);
    } catch (const std::bad_alloc&) {
      return Ending{TrialStatus::Failed, "out of memory allocating model " + c_.model.text +
                                             " (about " + gibibytes(need) +
                                             "; the memory limit is " +
                                             gibibytes(memory_limit_bytes()) + ")"};
    } catch (const std::exception& e) {
      return Ending{TrialStatus::Failed, e.what()};
    }
    try {  // here, where a label outside the classes fails the trial before it trains
      r_.test_baseline =
          baseline_metrics(d_.task, d_.n_classes, s_.y_train, s_.y_test, s_.y_mean, s_.y_std)
              .get(c_.metric);
    } catch (const std::exception& e) {
      return Ending{TrialStatus::Failed, e.what()};
    }
    Rng init(mix_seed(c_.seed, hash_string(d_.hash + c_.model.text)));
    w_->model.initialize(c_.model.init, init);
    if (observer_) observer_->started(w_->model);
    return std::nullopt;
  }

  // One pass over the shuffled training rows in minibatches: where a loss is evaluated and an
  // optimizer stepped. Returns how the trial ended when it ends inside the epoch.
  std::optional<Ending> train_epoch(int epoch) {
    Workspace& w = *w_;
    const int out_cols = d_.output_cols();
    const uint64_t steps_per_epoch = uint64_t((n_ + B_ - 1) / B_);
    batches_.shuffle(w.perm.begin(), w.perm.end());
    for (Eigen::Index start = 0; start < n_; start += B_) {
      const Eigen::Index rows = std::min(B_, n_ - start);
      for (Eigen::Index i = 0; i < rows; ++i) {
        w.Xb.row(i) = s_.X_train.row(w.perm[size_t(start + i)]);
        w.yb(i, 0) = s_.y_train(w.perm[size_t(start + i)], 0);
      }
      auto out = w.model.forward(w.Xb.topRows(rows));
      double v = NAN;
      if (!w.loss->evaluate(out.data(), w.yb.data(), size_t(rows), size_t(out_cols), &v,
                            w.dout.data()))
        return Ending{TrialStatus::Failed, c_.loss->where() + ": " + w.loss->error()};
      ++t_;
      if (!out.allFinite()) v = NAN;  // a diverged model, whatever the loss made of it
      if (auto why = divergence(v, start_loss_, c_.divergence_factor, "loss"); !why.empty())
        return diverged(why + " at step " + step_text());
      w.model.backward(w.dout.data());
      const double lr = c_.schedule.lr(c_.lr, t_, steps_per_epoch, c_.epochs);
      // Before the step: an optimizer may fold weight decay into the gradient it is given.
      const double grad_norm = observer_ ? w.model.grads().norm() : 0.0;
      if (!w.opt->step(w.model.params().data(), w.model.grads().data(), size_t(w.model.n_params()),
                       lr, t_))
        return Ending{TrialStatus::Failed, c_.optimizer->where() + ": " + w.opt->error()};
      if (observer_ &&
          !observer_->stepped(t_, w.model, w.perm.data() + start, rows, lr, v, grad_norm))
        return Ending{TrialStatus::Abandoned, "stopped by the observer"};
      if (abandon_.load(std::memory_order_relaxed))
        return Ending{TrialStatus::Abandoned, "interrupted"};
      if (c_.time_budget_s > 0 && wall_ms() > c_.time_budget_s * 1e3)
        return Ending{TrialStatus::Timeout, "time budget of " + format_double(c_.time_budget_s) +
                                                " s ran out in epoch " + std::to_string(epoch)};
    }
    return std::nullopt;
  }

  // Mean loss of a split (chunked); fills `outputs` when given. Non-finite outputs make the mean
  // NaN even where the loss plugin would clamp them away.
  double split_loss(const RowMatrix& X, const RowMatrix& y, RowMatrix* outputs,
                    bool grad_of_first) {
    Workspace& w = *w_;
    const int out_cols = d_.output_cols();
    double total = 0;
    for (Eigen::Index start = 0; start < X.rows(); start += kEvalChunk) {
      const Eigen::Index rows = std::min(kEvalChunk, X.rows() - start);
      auto out = w.model.forward(X.middleRows(start, rows));
      if (outputs) outputs->middleRows(start, rows) = out;
      if (!out.allFinite()) {
        total = NAN;
        continue;
      }
      double v = NAN;
      const bool want_grad = grad_of_first && start == 0;
      if (!w.loss->evaluate(out.data(), y.data() + start, size_t(rows), size_t(out_cols), &v,
                            want_grad ? w.dout.data() : nullptr))
        throw PluginError(c_.loss->where() + ": " + w.loss->error());
      if (want_grad) w.model.backward(w.dout.data());
      total += v * double(rows);
    }
    return total / double(X.rows());
  }

  // An evaluation point: losses, gradient norms and every metric on validation and test.
  CurvePoint measure(int epoch) {
    Workspace& w = *w_;
    CurvePoint p;
    p.epoch = epoch;
    p.step = t_;
    p.examples = t_ == 0 ? 0 : uint64_t(epoch) * uint64_t(n_);
    // Gradient norms: of the last minibatch (free: the optimizer just used it, and a forward
    // pass leaves it alone); before any step, of the first rows of the training split.
    p.train_loss = split_loss(s_.X_train, s_.y_train, nullptr, t_ == 0);
    w.model.layer_grad_norms(p.layer_grad_norms);
    p.grad_norm = w.model.grads().norm();
    p.val_loss = split_loss(s_.X_val, s_.y_val, &w.out_val, false);
    split_loss(s_.X_test, s_.y_test, &w.out_test, false);
    p.val =
        compute_metrics(d_.task, d_.n_classes, w.out_val, s_.y_val, s_.y_mean, s_.y_std, w.tally);
    p.test =
        compute_metrics(d_.task, d_.n_classes, w.out_test, s_.y_test, s_.y_mean, s_.y_std, w.tally);
    p.val_metric = p.val.get(c_.metric);
    p.test_metric = p.test.get(c_.metric);
    p.wall_ms = wall_ms();
    p.cpu_ms = thread_cpu_ms() - cpu0_;
    return p;
  }

  // Adds a point to the curve, keeping the best validation value and the time to the target.
  void record(CurvePoint p) {
    const double v = p.val_metric;
    const bool better = std::isfinite(v) &&
                        (!std::isfinite(r_.best_val) || (up_ ? v > r_.best_val : v < r_.best_val));
    if (better) r_.best_val = v, r_.best_val_epoch = p.epoch, r_.test_at_best_val = p.test_metric;
    if (std::isfinite(c_.target) && r_.epochs_to_target < 0 && std::isfinite(v) &&
        (up_ ? v >= c_.target : v <= c_.target))
      r_.epochs_to_target = p.epoch, r_.time_to_target_ms = p.wall_ms;
    r_.curve.push_back(std::move(p));
  }

  // Measures and records a point; returns why the trial has diverged there ("" if it has not):
  // a non-finite train loss or model output on any split, or an exploding train loss.
  std::string evaluate(int epoch) {
    CurvePoint p = measure(epoch);
    const double train_loss = p.train_loss;
    record(std::move(p));
    if (epoch == 0) start_loss_ = train_loss;
    if (!w_->out_val.allFinite() || !w_->out_test.allFinite())
      return "non-finite model outputs on the validation or test split";
    return divergence(train_loss, start_loss_, c_.divergence_factor, "train loss");
  }

  Ending diverged(std::string message) const {
    return {TrialStatus::Diverged, std::move(message), int64_t(t_)};
  }
  std::string step_text() const { return std::to_string(t_); }
  double wall_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_)
        .count();
  }

  TrialResult finish(Ending e) {
    r_.status = e.status;
    r_.message = std::move(e.message);
    r_.diverged_step = e.diverged_step;
    r_.steps = t_;
    r_.wall_ms = wall_ms();
    r_.cpu_ms = thread_cpu_ms() - cpu0_;
    if (!r_.curve.empty()) {
      r_.final_val_metrics = r_.curve.back().val.json(d_.task);
      r_.final_test_metrics = r_.curve.back().test.json(d_.task);
    }
    for (auto it = r_.curve.rbegin(); it != r_.curve.rend(); ++it)
      if (std::isfinite(it->val_metric)) {
        r_.final_val = it->val_metric, r_.final_test = it->test_metric;
        break;
      }
    return std::move(r_);
  }

  const TrialConfig& c_;
  const Dataset& d_;
  const Split& s_;
  const std::atomic<bool>& abandon_;
  const std::function<void()>& heartbeat_;
  TrialObserver* const observer_;
  const Eigen::Index n_, B_, max_rows_;
  const bool up_;
  const std::chrono::steady_clock::time_point t0_;
  const double cpu0_;
  std::optional<Workspace> w_;
  Rng batches_{mix_seed(c_.seed, hash_string(d_.hash) + 1)};  // same batches for every loss
  uint64_t t_ = 0;                                            // optimizer steps taken
  double start_loss_ = NAN;
  TrialResult r_;
};

}  // namespace

TrialResult run_trial(const TrialConfig& c, const std::atomic<bool>& abandon,
                      const std::function<void()>& heartbeat, TrialObserver* observer) {
  return Trial(c, abandon, heartbeat, observer).run();
}

}  // namespace lossbench
