#include "sweep/sweep.hpp"

#include "sweep/eta.hpp"
#include "sweep/metrics.hpp"
#include "sweep/worker_pipe.hpp"
#include "util/process.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <sys/ioctl.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

namespace lossbench {

namespace {

std::atomic<int> g_interrupts{0};

extern "C" void on_interrupt(int) { g_interrupts.fetch_add(1); }

// Every combination of a plugin's hyperparameter axes; unspecified ones keep their default.
std::vector<std::vector<double>> hp_grid(const Plugin& p, const SweepSpec& spec) {
  std::vector<std::vector<double>> grid = {p.defaults()};
  const std::string key = std::string(kind_name(p.kind)) + "." + p.name;
  auto it = spec.hyperparams.find(key);
  if (it == spec.hyperparams.end()) return grid;
  for (const auto& [name, values] : it->second) {
    const int i = p.hyperparam_index(name);
    std::vector<std::vector<double>> next;
    for (const auto& g : grid)
      for (double v : values) {
        auto h = g;
        h[size_t(i)] = v;
        next.push_back(h);
      }
    grid = std::move(next);
  }
  for (const auto& g : grid) validate_hyperparams(p, g);
  return grid;
}

std::string list_text(const std::vector<std::string>& v) { return join(v, ","); }

}  // namespace

std::string SweepSpec::text() const {
  std::ostringstream s;
  std::vector<std::string> lr, sd;
  for (double x : lrs) lr.push_back(format_double(x));
  for (auto x : seeds) sd.push_back(std::to_string(x));
  s << "datasets=" << list_text(datasets) << "\nmodels=" << join(models, ";")
    << "\nlosses=" << list_text(losses) << "\noptimizers=" << list_text(optimizers)
    << "\nlr=" << list_text(lr) << "\nseeds=" << list_text(sd);
  // Written only when not the default, so that a resumed older sweep reads as it did.
  if (!split.is_default()) s << "\nsplit=" << split.text();
  if (split_seeds != std::vector<uint64_t>{0}) {
    std::vector<std::string> ss;
    for (auto x : split_seeds) ss.push_back(std::to_string(x));
    s << "\nsplit_seed=" << list_text(ss);
  }
  s << "\nepochs=" << epochs << "\nbatch_size=" << batch_size << "\nschedule=" << schedule.text()
    << "\neval_every=" << eval_every << "\ntime_budget=" << time_budget_s << "\nmetric=" << metric;
  for (const auto& [plugin, hps] : hyperparams)
    for (const auto& [name, values] : hps) {
      std::vector<std::string> v;
      for (double x : values) v.push_back(format_double(x));
      s << "\n" << plugin << "." << name << "=" << list_text(v);
    }
  return s.str();
}

namespace {

struct SweepPlugins {
  std::vector<std::shared_ptr<const Plugin>> losses, optimizers;
};

// The sweep's plugins by name ("auto": every loss), and its hyperparameter axes checked against
// their declarations: before any data is loaded, so that a typo fails in milliseconds.
SweepPlugins resolve_plugins(const SweepSpec& spec, const Registry& registry) {
  SweepPlugins sp;
  bool auto_losses = false;
  for (const auto& l : spec.losses) {
    if (l == "auto")
      auto_losses = true;
    else
      sp.losses.push_back(registry.require(l, LB_KIND_LOSS));
  }
  if (auto_losses)
    for (const auto& p : registry.of_kind(LB_KIND_LOSS))
      if (std::find(sp.losses.begin(), sp.losses.end(), p) == sp.losses.end())
        sp.losses.push_back(p);
  for (const auto& o : spec.optimizers)
    sp.optimizers.push_back(registry.require(o, LB_KIND_OPTIMIZER));
  for (const auto& [key, hps] : spec.hyperparams) {
    const auto dot = key.find('.');
    const std::string kind = key.substr(0, dot), name = key.substr(dot + 1);
    auto p = registry.require(name, kind == "loss" ? LB_KIND_LOSS : LB_KIND_OPTIMIZER);
    std::vector<std::string> declared;
    for (const auto& h : p->hyperparams) declared.push_back(h.name);
    for (const auto& [hp, values] : hps)
      if (p->hyperparam_index(hp) < 0)
        throw PluginError("[" + key + "] " + hp + ": " + p->where() + " has no hyperparameter '" +
                          hp + "'" + did_you_mean(hp, declared) +
                          (declared.empty() ? " (it has none)" : ""));
  }
  return sp;
}

// The dataset loaded once and split once per split seed.
void prepare(const std::string& spec, const SweepSpec& sweep, Plan& plan) {
  try {
    const Dataset d = load_dataset(spec);
    for (uint64_t split_seed : sweep.split_seeds) {
      auto pd = std::make_unique<PreparedData>();
      pd->data = d;
      pd->fractions = sweep.split, pd->split_seed = split_seed;
      pd->split = make_split(pd->data, split_seed, sweep.split);
      plan.data.push_back(std::move(pd));
    }
  } catch (const std::bad_alloc&) {
    throw DataError("dataset '" + spec +
                    "': out of memory while loading it (raise --max-memory, or use less data)");
  }
}

// A trial of the matrix; the rest of its configuration is the spec's.
TrialConfig make_trial(const SweepSpec& spec, const PreparedData* data, const ModelSpec& model,
                       const std::string& metric) {
  TrialConfig c;
  c.data = data;
  c.model = model;
  c.epochs = spec.epochs, c.batch_size = spec.batch_size;
  c.schedule = spec.schedule, c.eval_every = spec.eval_every;
  c.time_budget_s = spec.time_budget_s, c.divergence_factor = spec.divergence_factor;
  c.metric = metric, c.target = spec.target;
  return c;
}

// "classification losses only": what a loss that was skipped on a dataset fits instead.
std::string fits(const Plugin& loss) {
  std::vector<std::string> tasks;
  for (lb_task t : {LB_TASK_REGRESSION, LB_TASK_BINARY, LB_TASK_MULTICLASS})
    if (loss.supports(t)) tasks.push_back(task_name(t));
  if (tasks.size() == 2 && !loss.supports(LB_TASK_REGRESSION)) return "classification losses only";
  return join(tasks, " and ") + " tasks only";
}

void note_skip(Plan& plan, const Plugin& loss, const std::string& dataset) {
  auto it = std::find_if(plan.skips.begin(), plan.skips.end(),
                         [&](const Plan::Skip& s) { return s.loss == loss.name; });
  if (it == plan.skips.end()) it = plan.skips.insert(plan.skips.end(), {loss.name, fits(loss), {}});
  if (std::find(it->datasets.begin(), it->datasets.end(), dataset) == it->datasets.end())
    it->datasets.push_back(dataset);
}

// Two spellings of one configuration (mlp(hidden=64) and the same with its defaults written
// out) are one trial: it runs once.
void drop_repeats(Plan& plan) {
  std::set<std::string> seen;
  const auto before = plan.trials.size();
  plan.trials.erase(
      std::remove_if(plan.trials.begin(), plan.trials.end(),
                     [&](const TrialConfig& t) { return !seen.insert(t.hash).second; }),
      plan.trials.end());
  plan.repeated = before - plan.trials.size();
}

}  // namespace

Plan expand(const SweepSpec& spec, const Registry& registry) {
  Plan plan;
  const SweepPlugins sp = resolve_plugins(spec, registry);
  std::vector<ModelSpec> models;
  for (const auto& m : spec.models) models.push_back(ModelSpec::parse(m));
  if (!spec.metric.empty()) metric_def(spec.metric);  // throws, naming the closest metric
  for (const auto& ds : spec.datasets) prepare(ds, spec, plan);
  // Each plugin's hyperparameter grid, expanded and validated once.
  std::vector<std::vector<std::vector<double>>> loss_grids, opt_grids;
  size_t loss_cells = 0, opt_cells = 0;
  for (const auto& l : sp.losses) loss_cells += loss_grids.emplace_back(hp_grid(*l, spec)).size();
  for (const auto& o : sp.optimizers) opt_cells += opt_grids.emplace_back(hp_grid(*o, spec)).size();
  plan.axes = {
      {"datasets", spec.datasets.size()},         {"models", models.size()},
      {"losses (x hyperparameters)", loss_cells}, {"optimizers (x hyperparameters)", opt_cells},
      {"learning rates", spec.lrs.size()},        {"seeds", spec.seeds.size()}};
  if (spec.split_seeds.size() > 1) plan.axes.push_back({"split seeds", spec.split_seeds.size()});

  for (const auto& pd : plan.data) {
    const lb_task task = pd->data.task;
    const std::string metric = spec.metric.empty() ? default_metric(task) : spec.metric;
    if (!metric_applies(metric_def(metric), task))
      throw std::invalid_argument("metric '" + metric + "' does not apply to dataset '" +
                                  pd->data.spec + "' (" + task_name(task) + ")");
    for (const auto& model : models)
      for (size_t li = 0; li < sp.losses.size(); ++li) {
        if (!sp.losses[li]->supports(task)) {
          plan.skipped += loss_grids[li].size() * opt_cells * spec.lrs.size() * spec.seeds.size();
          note_skip(plan, *sp.losses[li], pd->data.spec);
          continue;
        }
        TrialConfig c = make_trial(spec, pd.get(), model, metric);
        c.loss = sp.losses[li];
        for (const auto& lhp : loss_grids[li])
          for (size_t oi = 0; oi < sp.optimizers.size(); ++oi)
            for (const auto& ohp : opt_grids[oi])
              for (double lr : spec.lrs)
                for (uint64_t seed : spec.seeds) {
                  c.optimizer = sp.optimizers[oi], c.loss_hp = lhp, c.optimizer_hp = ohp;
                  c.lr = lr, c.seed = seed;
                  c.hash = sha256_hex(c.canonical());
                  c.config_id = sha256_hex(c.configuration());
                  plan.trials.push_back(c);
                }
      }
  }
  drop_repeats(plan);
  plan.unsharded = plan.trials.size();
  for (const auto& t : plan.trials)
    plan.plugins.push_back(t.loss), plan.plugins.push_back(t.optimizer);
  std::sort(plan.plugins.begin(), plan.plugins.end());
  plan.plugins.erase(std::unique(plan.plugins.begin(), plan.plugins.end()), plan.plugins.end());
  if (spec.shards > 1)
    plan.trials.erase(std::remove_if(plan.trials.begin(), plan.trials.end(),
                                     [&](const TrialConfig& t) {
                                       return shard_of(t.hash, spec.shards) != spec.shard;
                                     }),
                      plan.trials.end());
  return plan;
}

uint64_t shard_of(const std::string& config_hash, uint64_t n) {
  return std::stoull(config_hash.substr(0, 16), nullptr, 16) % n;
}

void install_interrupt_handlers() { on_stop_signals(on_interrupt); }

namespace {
// One line per event to the supervisor; a single write() of < PIPE_BUF bytes is atomic, so lines
// from parallel trials never interleave.
void notify(int fd, char what, const std::string& hash) {
  if (fd < 0) return;
  const std::string line = std::string(1, what) + " " + hash + "\n";
  (void)!::write(fd, line.data(), line.size());
}
}  // namespace

Registration register_sweep(const Plan& plan, const SweepSpec& spec, ResultSink& store, bool force,
                            const std::set<std::string>& retry) {
  Registration reg;
  // The shard is recorded with the sweep (merged shards keep every sweeps row), not in text():
  // the manifest compares the shards' specs, which differ only there.
  reg.sweep_id =
      store.begin_sweep(spec.text() + (spec.shards > 1 ? "\nshard=" + std::to_string(spec.shard) +
                                                             "/" + std::to_string(spec.shards)
                                                       : ""),
                        plan.trials.size(), plan.skipped);
  store.record_plugins(plan.plugins);
  store.record_classes(plan.data);
  reg.finished = store.add_pending(reg.sweep_id, plan.trials, force, retry);
  return reg;
}

namespace {

// What a trial computes, up to a constant: epochs x rows x parameters. The ETA's guess for a
// (dataset, model) with no finished trial yet, scaled by what those that did finish cost.
double trial_work(const TrialConfig& t) {
  const Split& s = t.data->split;
  double params = 0;
  int in = int(s.X_train.cols());
  for (int h : t.model.hidden) params += (in + 1.0) * h, in = h;
  params += (in + 1.0) * t.data->data.output_cols();
  return double(t.epochs) * double(s.X_train.rows() + s.X_val.rows() + s.X_test.rows()) * params;
}

// Columns of the terminal on stderr: $COLUMNS, else what the terminal says, else 80.
size_t terminal_width() {
  if (const char* c = std::getenv("COLUMNS"); c && std::atoi(c) > 0) return size_t(std::atoi(c));
  winsize w{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
  return 80;
}

// The counters of a running sweep and its progress line: redrawn twice a second on a terminal
// (within its width), a plain line every 10 s otherwise. Its ticker also turns a second Ctrl-C
// into `abandon`.
class Progress {
 public:
  // groups: the (dataset, model) groups of the trials to run, for the ETA (eta.hpp).
  Progress(std::ostream& out, size_t to_run, size_t already_done, std::vector<CostGroup> groups,
           int threads, std::atomic<bool>& abandon)
      : out_(out),
        to_run_(to_run),
        already_done_(already_done),
        tty_(isatty(STDERR_FILENO) && &out == &std::cerr),
        t0_(std::chrono::steady_clock::now()),
        groups_(std::move(groups)),
        threads_(threads) {
    ticker_ = std::thread([this, &abandon] {
      double last = 0;
      std::unique_lock<std::mutex> lock(wake_mu_);
      while (!stop_) {
        // Wakes at once when the sweep ends: `run` must not wait out a last sleep to exit.
        wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_.load(); });
        if (stop_) break;
        if (g_interrupts >= 2) abandon = true;
        const double s = elapsed();
        if (tty_ ? s - last >= 0.5 : s - last >= 10) {
          line(false);
          last = s;
        }
      }
    });
  }
  ~Progress() { stop(); }

  // A trial of group `group` ended after wall_ms (whatever its status: a diverged trial's short
  // run is what such trials cost).
  void finished(size_t group, double wall_ms) {
    std::lock_guard<std::mutex> lock(groups_mu_);
    CostGroup& g = groups_[group];
    if (g.unfinished) --g.unfinished;
    ++g.measured, g.measured_ms += wall_ms;
  }

  void count(TrialStatus s) {
    switch (s) {
      case TrialStatus::Abandoned:
        break;
      case TrialStatus::Done:
        ++done;
        break;
      case TrialStatus::Diverged:
        ++diverged;
        break;
      case TrialStatus::Timeout:
        ++timeout;
        break;
      case TrialStatus::Failed:
      case TrialStatus::Crashed:
        ++failed;
        break;
    }
  }
  // Stops the ticker and prints the last line.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(wake_mu_);
      if (stop_.exchange(true)) return;
    }
    wake_.notify_all();
    ticker_.join();
    line(true);
  }
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }

  std::atomic<size_t> done{0}, diverged{0}, failed{0}, timeout{0}, running{0};

 private:
  void line(bool final_line) {
    const size_t finished_now = done + diverged + failed + timeout;
    const double s = elapsed(), rate = finished_now / std::max(s, 1e-9);
    double eta = -1;
    if (!final_line && finished_now < to_run_) {
      std::lock_guard<std::mutex> lock(groups_mu_);
      eta = eta_seconds(groups_, threads_);
    }
    std::ostringstream r;
    r << std::fixed << std::setprecision(1) << rate * 60 << " trials/min";
    // Ranked by what a glance needs most: how far, how long still, then the rest.
    std::vector<std::pair<std::string, int>> parts = {
        {std::to_string(finished_now) + "/" + std::to_string(to_run_) + " trials", 0}};
    if (eta >= 0) parts.push_back({"ETA " + duration_text(eta), 1});
    parts.push_back({std::to_string(running) + " running", 4});
    parts.push_back({std::to_string(diverged) + " diverged", 2});
    parts.push_back({std::to_string(failed + timeout) + " failed", 2});
    parts.push_back({r.str(), 3});
    parts.push_back({duration_text(s) + " elapsed", 5});
    if (already_done_) parts.push_back({std::to_string(already_done_) + " done before", 6});
    // The last column of a terminal wraps on some terminals: one less keeps it one line.
    const std::string l = fit_line(parts, tty_ ? terminal_width() - 1 : std::string::npos);
    std::lock_guard<std::mutex> lock(mu_);
    if (tty_)
      out_ << "\r\033[K" << l << (final_line ? "\n" : "") << std::flush;
    else
      out_ << l << "\n" << std::flush;
  }

  std::ostream& out_;
  const size_t to_run_, already_done_;
  const bool tty_;
  const std::chrono::steady_clock::time_point t0_;
  std::mutex mu_;
  std::mutex groups_mu_;  // guards groups_, updated by the trials' threads
  std::vector<CostGroup> groups_;
  const int threads_;
  std::mutex wake_mu_;  // with wake_: the ticker's sleep, cut short by stop()
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  std::thread ticker_;
};

}  // namespace

RunStats run_sweep(const Plan& plan, const SweepSpec& spec, ResultSink& store,
                   const RunOptions& options, std::ostream& progress) {
  RunStats st;
  st.total = plan.trials.size();
  // A supervised worker's trials are registered already: it only learns which are finished.
  const bool registered = options.sweep_id >= 0;
  const Registration reg =
      registered
          ? Registration{options.sweep_id, store.add_pending(options.sweep_id, plan.trials, false)}
          : register_sweep(plan, spec, store, options.force, options.retry);
  std::vector<const TrialConfig*> todo, solo;
  for (const auto& t : plan.trials)
    if (!reg.finished.count(t.hash)) (options.solo.count(t.hash) ? solo : todo).push_back(&t);
  st.skipped_done = plan.trials.size() - todo.size() - solo.size();

  // The (dataset, model) group of each trial to run, with its prior cost per trial.
  std::map<std::pair<std::string, std::string>, size_t> group_index;
  std::map<const TrialConfig*, size_t> group_of;
  std::vector<CostGroup> groups;
  for (const auto* list : {&solo, &todo})
    for (const TrialConfig* t : *list) {
      const std::pair<std::string, std::string> key{t->data->data.spec, t->model.text};
      auto [it, fresh] = group_index.emplace(key, groups.size());
      if (fresh) {
        groups.emplace_back();
        groups.back().work = trial_work(*t);
        auto prior = options.prior_ms_per_epoch.find(key);
        if (prior != options.prior_ms_per_epoch.end())
          groups.back().prior_ms = prior->second * t->epochs;
      }
      ++groups[it->second].unfinished;
      group_of[t] = it->second;
    }
  const int threads = spec.threads > 0 ? spec.threads : int(std::thread::hardware_concurrency());

  g_interrupts = 0;
  std::atomic<int64_t> cpu_us{0};
  std::atomic<bool> abandon{false};
  Progress p(progress, todo.size() + solo.size(), st.skipped_done, std::move(groups), threads,
             abandon);
  auto one = [&](const TrialConfig& c) {
    if (g_interrupts > 0 || store.failed()) return;  // stop taking new trials
    store.mark_running(c.hash);
    notify(options.notify_fd, worker_pipe::kStarted, c.hash);
    ++p.running;
    TrialResult r = options.notify_fd < 0 ? run_trial(c, abandon) : run_trial(c, abandon, [&] {
      notify(options.notify_fd, worker_pipe::kEpochDone, c.hash);
    });
    --p.running;
    notify(options.notify_fd, worker_pipe::kEnded, c.hash);
    if (r.status == TrialStatus::Abandoned) return;  // stays pending: the next run redoes it
    p.count(r.status);
    p.finished(group_of.at(&c), r.wall_ms);
    cpu_us += int64_t(r.cpu_ms * 1e3);
    store.submit(std::move(r));
  };
  // Crash suspects first, alone, so that a second crash names its culprit.
  for (const TrialConfig* c : solo) one(*c);
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<size_t>(0, todo.size(), 1),
        [&](const tbb::blocked_range<size_t>& range) {
          for (size_t i = range.begin(); i != range.end(); ++i) one(*todo[i]);
        },
        tbb::simple_partitioner());
  });
  p.stop();
  store.flush();
  if (!registered) store.end_sweep(reg.sweep_id);
  st.done = p.done, st.diverged = p.diverged, st.failed = p.failed, st.timeout = p.timeout;
  st.seconds = p.elapsed();
  st.trial_cpu_ms = double(cpu_us.load()) / 1e3;
  st.interrupted = g_interrupts > 0;
  return st;
}

}  // namespace lossbench
