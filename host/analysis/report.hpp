#pragma once
// The data behind `lossbench report`: every table its page draws, read from the views of a
// results database (read-only, as `top` reads) and aggregated in SQL so that the page stays small:
// curves are means and bands over seeds per epoch, never every point of every trial.
#include "analysis/compare.hpp"
#include "util/table.hpp"

#include <string>
#include <vector>

namespace lossbench {

struct ReportData {
  // Summary: every sweep (spec, machine, host version), trials and seconds per status, every
  // plugin build with its sha256; wall time is the sum of the sweeps' spans.
  Table sweeps, statuses, plugins;
  double wall_seconds = 0;
  int64_t finished = 0;  // trials no longer pending or running
  // leaderboard() with a leading column `marks` (leaderboard_marks) and `problem`, the problem's
  // key: the other tables name problems by the same text.
  Table leaderboard;
  // Per problem, the tuned configuration of each loss (view entries, by = 'loss'): problem, loss,
  // config_id. Its curves: problem, loss, epoch, seeds, seconds (mean), then the mean, min and
  // max over seeds of the validation metric (val, val_lo, val_hi) and of the training loss
  // (train, train_lo, train_hi), and the mean validation ECE (NULL for regression).
  Table entries, curves;
  // Per problem, loss, optimizer and lr: the best validation mean over the other hyperparameters
  // (val) and the seeds finished (seeds).
  Table lr;
  // The views performance_profile and ecdf as they are.
  Table profile, ecdf;
  std::vector<RankGroup> ranks_by_loss, ranks_by_optimizer;
  // Per model (its spec names the activation), epoch and layer: the geometric mean over the
  // tuned configurations' finished trials of every dataset of the layer's gradient norm.
  Table gradients;
  // Every diverged, failed, timed-out or crashed trial up to max_failures, and how many there are.
  Table failures;
  int64_t failures_total = 0;
};

// Throws StoreError (one line naming the path) on a file that is not a lossbench database.
ReportData report_data(const std::string& db, size_t max_failures = 2000);

// `report --baseline`: configurations finished in both databases, matched on everything but the
// plugin builds and the host version (dataset content included), paired by seed. For each, the
// test metric's mean difference new - baseline over the seeds both finished, with its 95%
// Student t interval (the seeds of a pair share initial weights and batches in each database).
struct BaselineComparison {
  // The configurations the new database's leaderboard tuned that the baseline has too: dataset,
  // model, loss, optimizer, lr, tuned (the leaderboard's), metric, higher_is_better, seeds (pairs),
  // baseline (mean), new (mean), diff, ci_low, ci_high (NULL with one pair).
  Table tuned;
  // Over every matched configuration: how many, and how many are significantly better or worse
  // (the interval excludes 0; with a constant difference, the sign test at 0.05).
  size_t matched = 0, better = 0, worse = 0;
};
BaselineComparison compare_with_baseline(const std::string& db, const std::string& baseline,
                                         const Table& leaderboard);

}  // namespace lossbench
