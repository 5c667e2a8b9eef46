#include "sweep/sweep.hpp"

#include "sweep/metrics.hpp"
#include "util/process.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
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
    << "\nlr=" << list_text(lr) << "\nseeds=" << list_text(sd) << "\nepochs=" << epochs
    << "\nbatch_size=" << batch_size << "\nschedule=" << schedule.text()
    << "\neval_every=" << eval_every << "\ntime_budget=" << time_budget_s << "\nmetric=" << metric;
  for (const auto& [plugin, hps] : hyperparams)
    for (const auto& [name, values] : hps) {
      std::vector<std::string> v;
      for (double x : values) v.push_back(format_double(x));
      s << "\n" << plugin << "." << name << "=" << list_text(v);
    }
  return s.str();
}

Plan expand(const SweepSpec& spec, const Registry& registry) {
  Plan plan;
  // Validate names before loading any data: a typo should fail in milliseconds.
  std::vector<std::shared_ptr<const Plugin>> losses, optimizers;
  bool auto_losses = false;
  for (const auto& l : spec.losses) {
    if (l == "auto")
      auto_losses = true;
    else
      losses.push_back(registry.require(l, LB_KIND_LOSS));
  }
  if (auto_losses)
    for (const auto& p : registry.of_kind(LB_KIND_LOSS))
      if (std::find(losses.begin(), losses.end(), p) == losses.end()) losses.push_back(p);
  for (const auto& o : spec.optimizers)
    optimizers.push_back(registry.require(o, LB_KIND_OPTIMIZER));
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
  std::vector<ModelSpec> models;
  for (const auto& m : spec.models) models.push_back(ModelSpec::parse(m));
  if (!spec.metric.empty()) metric_def(spec.metric);  // throws, naming the closest metric

  for (const auto& ds : spec.datasets) {
    auto pd = std::make_unique<PreparedData>();
    try {
      pd->data = load_dataset(ds);
      pd->split = make_split(pd->data, 0);
    } catch (const std::bad_alloc&) {
      throw DataError("dataset '" + ds +
                      "': out of memory while loading it (raise --max-memory, or use less data)");
    }
    plan.data.push_back(std::move(pd));
  }
  // Each plugin's hyperparameter grid, expanded and validated once.
  std::vector<std::vector<std::vector<double>>> loss_grids, opt_grids;
  size_t loss_cells = 0, opt_cells = 0;
  for (const auto& l : losses) loss_cells += loss_grids.emplace_back(hp_grid(*l, spec)).size();
  for (const auto& o : optimizers) opt_cells += opt_grids.emplace_back(hp_grid(*o, spec)).size();
  plan.axes = {
      {"datasets", spec.datasets.size()},         {"models", models.size()},
      {"losses (x hyperparameters)", loss_cells}, {"optimizers (x hyperparameters)", opt_cells},
      {"learning rates", spec.lrs.size()},        {"seeds", spec.seeds.size()}};

  for (const auto& pd : plan.data) {
    const lb_task task = pd->data.task;
    const std::string metric = spec.metric.empty() ? default_metric(task) : spec.metric;
    if (!metric_applies(metric_def(metric), task))
      throw std::invalid_argument("metric '" + metric + "' does not apply to dataset '" +
                                  pd->data.spec + "' (" + task_name(task) + ")");
    for (const auto& model : models)
      for (size_t li = 0; li < losses.size(); ++li) {
        const auto& l = losses[li];
        if (!l->supports(task)) {
          plan.skipped += loss_grids[li].size() * opt_cells * spec.lrs.size() * spec.seeds.size();
          continue;
        }
        for (const auto& lhp : loss_grids[li])
          for (size_t oi = 0; oi < optimizers.size(); ++oi)
            for (const auto& ohp : opt_grids[oi])
              for (double lr : spec.lrs)
                for (uint64_t seed : spec.seeds) {
                  TrialConfig c;
                  c.data = pd.get();
                  c.model = model;
                  c.loss = l, c.optimizer = optimizers[oi], c.loss_hp = lhp, c.optimizer_hp = ohp;
                  c.lr = lr, c.seed = seed, c.epochs = spec.epochs, c.batch_size = spec.batch_size;
                  c.schedule = spec.schedule, c.eval_every = spec.eval_every;
                  c.time_budget_s = spec.time_budget_s,
                  c.divergence_factor = spec.divergence_factor;
                  c.metric = metric, c.target = spec.target;
                  c.hash = sha256_hex(c.canonical());
                  plan.trials.push_back(std::move(c));
                }
      }
  }
  return plan;
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
  reg.sweep_id = store.begin_sweep(spec.text(), plan.trials.size(), plan.skipped);
  std::vector<std::shared_ptr<const Plugin>> used;
  for (const auto& t : plan.trials) used.push_back(t.loss), used.push_back(t.optimizer);
  std::sort(used.begin(), used.end());
  used.erase(std::unique(used.begin(), used.end()), used.end());
  store.record_plugins(used);
  reg.finished = store.add_pending(reg.sweep_id, plan.trials, force, retry);
  return reg;
}

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
  const std::set<std::string>& finished = reg.finished;
  std::vector<const TrialConfig*> todo, solo;
  for (const auto& t : plan.trials)
    if (!finished.count(t.hash)) (options.solo.count(t.hash) ? solo : todo).push_back(&t);
  st.skipped_done = plan.trials.size() - todo.size() - solo.size();

  const int threads = spec.threads > 0 ? spec.threads : int(std::thread::hardware_concurrency());
  std::atomic<size_t> done{0}, diverged{0}, failed{0}, timeout{0}, running{0};
  std::atomic<int64_t> cpu_us{0};
  std::atomic<bool> abandon{false};
  const auto t0 = std::chrono::steady_clock::now();
  const bool tty = isatty(STDERR_FILENO) && &progress == &std::cerr;
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };

  std::mutex progress_mu;
  auto report = [&](bool final_line) {
    const size_t finished_now = done + diverged + failed + timeout;
    const double s = elapsed(), rate = finished_now / std::max(s, 1e-9);
    const size_t to_run = todo.size() + solo.size();
    const double eta = rate > 0 ? double(to_run - finished_now) / rate : 0;
    std::ostringstream line;
    line << finished_now << "/" << to_run << " trials";
    if (st.skipped_done) line << " (+" << st.skipped_done << " already done)";
    line << ", " << running << " running, " << diverged << " diverged, " << failed + timeout
         << " failed, " << std::fixed << std::setprecision(1) << rate * 60 << " trials/min, " << s
         << " s";
    if (!final_line && finished_now < to_run) line << ", ETA " << eta << " s";
    std::lock_guard<std::mutex> lock(progress_mu);
    if (tty)
      progress << "\r\033[K" << line.str() << (final_line ? "\n" : "") << std::flush;
    else
      progress << line.str() << "\n" << std::flush;
  };

  g_interrupts = 0;
  std::atomic<bool> stop_progress{false};
  std::thread ticker([&] {
    double last = 0;
    while (!stop_progress) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (g_interrupts >= 2) abandon = true;
      const double s = elapsed();
      if (tty ? s - last >= 0.5 : s - last >= 10) {
        report(false);
        last = s;
      }
    }
  });

  auto one = [&](const TrialConfig& c) {
    if (g_interrupts > 0 || store.failed()) return;  // stop taking new trials
    store.mark_running(c.hash);
    notify(options.notify_fd, 'S', c.hash);
    ++running;
    TrialResult r = options.notify_fd < 0
                        ? run_trial(c, abandon)
                        : run_trial(c, abandon, [&] { notify(options.notify_fd, 'B', c.hash); });
    --running;
    notify(options.notify_fd, 'E', c.hash);
    switch (r.status) {
      case TrialStatus::Abandoned:
        return;  // stays pending: the next run redoes it
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
  stop_progress = true;
  ticker.join();
  store.flush();
  if (!registered) store.end_sweep(reg.sweep_id);
  report(true);
  st.done = done, st.diverged = diverged, st.failed = failed, st.timeout = timeout;
  st.seconds = elapsed();
  st.trial_cpu_ms = double(cpu_us.load()) / 1e3;
  st.interrupted = g_interrupts > 0;
  return st;
}

}  // namespace lossbench
