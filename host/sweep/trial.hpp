#pragma once
// One trial: a model trained on one dataset with one loss, optimizer, learning rate and seed.
// run_trial() is where a loss is evaluated and an optimizer stepped; everything it records is a
// plain TrialResult that a reporter (the SQLite store) writes.
#include "data/dataset.hpp"
#include "model/model.hpp"
#include "plugins/plugin.hpp"
#include "sweep/metrics.hpp"

#include <atomic>
#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lossbench {

struct Schedule {
  std::string kind = "constant";  // constant | step | cosine
  double warmup_epochs = 0;       // linear warmup from 0 over this many epochs
  int step_every = 10;            // step: multiply by gamma every step_every epochs
  double gamma = 0.1;
  std::string text() const;
  // Learning rate for step t (from 1) given the base rate.
  double lr(double base, uint64_t t, uint64_t steps_per_epoch, int epochs) const;
};

// A dataset loaded and split once per split seed, shared read-only by all of its trials.
struct PreparedData {
  Dataset data;
  Split split;
  SplitFractions fractions;
  uint64_t split_seed = 0;  // like the seed, a replicate: not part of a trial's configuration
};

struct TrialConfig {
  const PreparedData* data = nullptr;
  ModelSpec model;
  std::shared_ptr<const Plugin> loss, optimizer;
  std::vector<double> loss_hp, optimizer_hp;
  double lr = 0.01;
  uint64_t seed = 0;
  int epochs = 20;
  int batch_size = 32;
  Schedule schedule;
  int eval_every = 1;              // epochs between evaluation points
  double time_budget_s = 0;        // 0: none
  double divergence_factor = 1e3;  // train loss above this times its start: diverged
  std::string metric;              // primary metric
  double target = NAN;             // a value of the primary metric, or NaN
  std::string hash;                // identity: sha256 of the full configuration
  std::string config_id;           // sha256 of configuration(): the same for every seed

  std::string loss_params_json() const;
  std::string optimizer_params_json() const;
  // The canonical description hashed into `hash` (plugin and dataset hashes included).
  std::string canonical() const;
  // canonical() without the seed and split seed, hashed into `config_id`: what the replicates
  // (seeds x split seeds) of one configuration share.
  std::string configuration() const;

 private:
  std::string with_seed(const std::string& seed_text) const;
};

struct CurvePoint {
  int epoch = 0;
  uint64_t step = 0, examples = 0;
  double wall_ms = 0, cpu_ms = 0;
  double train_loss = NAN, val_loss = NAN, val_metric = NAN, test_metric = NAN, grad_norm = NAN;
  std::vector<double> layer_grad_norms;
  Metrics val, test;  // every metric; NaN where the task has none
};

enum class TrialStatus {
  Done,
  Diverged,   // non-finite loss or outputs, or an exploding loss
  Failed,     // a plugin's error, or a model too big for memory
  Timeout,    // the time budget ran out, or a hang
  Crashed,    // the worker died in this trial (decided by the supervisor)
  Abandoned,  // a second Ctrl-C: never stored, the trial stays pending
};
// The text the results database keeps ("done", "diverged", ...).
const char* status_name(TrialStatus s);
// The status a text of status_name() names; nullopt for another text ("pending", "running").
std::optional<TrialStatus> parse_status(const std::string& text);

struct TrialResult {
  std::string hash;
  TrialStatus status = TrialStatus::Failed;
  std::string message;
  int64_t diverged_step = -1;
  uint64_t steps = 0;
  double wall_ms = 0, cpu_ms = 0;
  double final_val = NAN, final_test = NAN, best_val = NAN, test_at_best_val = NAN;
  int best_val_epoch = -1;
  int epochs_to_target = -1;
  double time_to_target_ms = NAN;
  // The primary metric of a model that ignores its input (baseline_metrics) on the test split.
  double test_baseline = NAN;
  std::string final_val_metrics, final_test_metrics;  // JSON: the last evaluation's metrics
  std::vector<CurvePoint> curve;
};

// Watches a trial step by step (`lossbench trace`); run does without one.
class TrialObserver {
 public:
  virtual ~TrialObserver() = default;
  // The model as initialized, before the first step.
  virtual void started(const Model& model) = 0;
  // After optimizer step t (from 1): the training rows of its minibatch, in order, the learning
  // rate it used, the batch's loss before the step and the norm of its gradient. Returns false to
  // end the trial after this step (status Abandoned, message "stopped by the observer").
  virtual bool stepped(uint64_t t, const Model& model, const Eigen::Index* rows,
                       Eigen::Index n_rows, double lr, double loss, double grad_norm) = 0;
};

// heartbeat, when set, is called after every epoch: the supervisor's sign that the trial is alive.
TrialResult run_trial(const TrialConfig& config, const std::atomic<bool>& abandon,
                      const std::function<void()>& heartbeat = {},
                      TrialObserver* observer = nullptr);

}  // namespace lossbench
