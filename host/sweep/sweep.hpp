#pragma once
// A sweep: the matrix of datasets x models x losses x optimizers x learning rates x
// hyperparameters x seeds. expand() is where a sweep becomes trials; run_sweep() trains them in
// parallel with TBB and hands each result to the store's writer.
#include "plugins/registry.hpp"
#include "sweep/trial.hpp"

#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace lossbench {

// Where run_sweep puts what it learns. The SQLite Store is the real one; NullSink discards
// everything (the benchmark measures what recording costs against it).
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual int64_t begin_sweep(const std::string& spec, size_t trials, size_t skipped) = 0;
  virtual void end_sweep(int64_t sweep_id) = 0;
  virtual void record_plugins(const std::vector<std::shared_ptr<const Plugin>>& plugins) = 0;
  // The text class labels of the sweep's datasets (a CSV's "yes"/"no"): the index -> label
  // mapping a trial's class indices mean. Nothing to keep by default.
  virtual void record_classes(const std::vector<std::unique_ptr<PreparedData>>&) {}
  // Registers the trials; returns the hashes already finished (skipped unless force, or their
  // status is in retry).
  virtual std::set<std::string> add_pending(int64_t sweep_id,
                                            const std::vector<TrialConfig>& trials, bool force,
                                            const std::set<std::string>& retry = {}) = 0;
  virtual void mark_running(const std::string& hash) = 0;
  virtual void submit(TrialResult result) = 0;
  virtual bool failed() = 0;
  virtual void flush() = 0;
};

class NullSink final : public ResultSink {
 public:
  int64_t begin_sweep(const std::string&, size_t, size_t) override { return 0; }
  void end_sweep(int64_t) override {}
  void record_plugins(const std::vector<std::shared_ptr<const Plugin>>&) override {}
  std::set<std::string> add_pending(int64_t, const std::vector<TrialConfig>&, bool,
                                    const std::set<std::string>& = {}) override {
    return {};
  }
  void mark_running(const std::string&) override {}
  void submit(TrialResult) override {}
  bool failed() override { return false; }
  void flush() override {}
};

struct SweepSpec {
  std::vector<std::string> datasets, models, losses, optimizers;  // losses may hold "auto"
  std::vector<double> lrs;
  std::vector<uint64_t> seeds;
  SplitFractions split;
  std::vector<uint64_t> split_seeds{0};  // an axis: each a different dealing of the rows
  int epochs = 20, batch_size = 32, eval_every = 1, threads = 0;
  Schedule schedule;
  double time_budget_s = 0, divergence_factor = 1e3, target = NAN;
  std::string metric;  // empty: rmse for regression, accuracy for classification
  std::string db;
  // --shard I/N: this invocation runs the trials whose config_hash falls in shard I of N.
  uint64_t shard = 0, shards = 1;
  // "loss.huber" -> {"delta" -> [0.5, 1]}: hyperparameter axes, per plugin.
  std::map<std::string, std::map<std::string, std::vector<double>>> hyperparams;
  std::string text() const;  // canonical, stored with the sweep (without the shard)
};

// The shard of a trial among n: the first 64 bits of its config_hash, mod n. A trial's shard
// depends on its identity alone, so it stays put when the matrix grows.
uint64_t shard_of(const std::string& config_hash, uint64_t n);

struct Plan {
  std::vector<std::unique_ptr<PreparedData>> data;
  std::vector<TrialConfig> trials;
  size_t skipped = 0;  // incompatible loss/task combinations
  // Per skipped loss: the datasets it was skipped on and why ("classification losses only").
  struct Skip {
    std::string loss, reason;
    std::vector<std::string> datasets;
  };
  std::vector<Skip> skips;
  size_t repeated = 0;   // cells that were another cell's configuration spelled differently
  size_t unsharded = 0;  // trials of the whole sweep; `trials` holds this shard's
  // The plugins the whole sweep's trials use (every shard's, not only this one's).
  std::vector<std::shared_ptr<const Plugin>> plugins;
  std::vector<std::pair<std::string, size_t>> axes;
};

// Loads datasets (once each) and expands the matrix. Throws with the offending name and the
// closest valid one for an unknown plugin, hyperparameter, dataset, model or metric.
Plan expand(const SweepSpec& spec, const Registry& registry);

struct RunStats {
  size_t total = 0, skipped_done = 0, done = 0, diverged = 0, failed = 0, timeout = 0;
  double seconds = 0;
  double trial_cpu_ms = 0;  // CPU time of all trials run (training and evaluation)
  bool interrupted = false;
};

struct RunOptions {
  bool force = false;  // re-run trials the store already holds finished
  std::set<std::string>
      retry;  // re-run finished trials of these statuses (crashed, timeout, failed)
  // >= 0: the sweeps row of this invocation, its trials already registered (by the supervisor of
  // this worker): force and retry were applied there, once, not again by each restarted worker.
  int64_t sweep_id = -1;
  int notify_fd = -1;          // worker mode: "S|B|E <hash>" lines (start, an epoch done, end)
  std::set<std::string> solo;  // trials to run first, one at a time (crash suspects)
  // (dataset spec, model) -> wall ms per epoch of finished trials in the database, for the
  // progress line's ETA until a trial of that dataset and model finishes in this run.
  std::map<std::pair<std::string, std::string>, double> prior_ms_per_epoch;
};

struct Registration {
  int64_t sweep_id = -1;
  std::set<std::string> finished;  // hashes finished before this invocation (and not reset)
};
// Opens the invocation's sweeps row and registers its trials as pending (force and retry reset
// finished ones).
Registration register_sweep(const Plan& plan, const SweepSpec& spec, ResultSink& store, bool force,
                            const std::set<std::string>& retry);

// Runs the plan's trials that the store does not already hold finished. Progress goes to
// `progress` (a live line on a terminal, plain lines otherwise). Stops taking new trials on
// Ctrl-C or when the store cannot write (a full disk): what was committed stays.
RunStats run_sweep(const Plan& plan, const SweepSpec& spec, ResultSink& store,
                   const RunOptions& options, std::ostream& progress);

// Signal handling for run_sweep: the first SIGINT/SIGTERM stops new trials, the second abandons
// those in flight.
void install_interrupt_handlers();

}  // namespace lossbench
