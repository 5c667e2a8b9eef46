#pragma once
// Schema of a results database (documented in docs/schema.md). Bump kSchemaVersion on any change,
// and give Store an upgrade from the previous version (upgrade_schema_1_to_2 is the example).
#include "sweep/metrics.hpp"

#include <string>

namespace lossbench {
constexpr int kSchemaVersion = 2;  // 2: per-metric curve columns instead of JSON
constexpr const char* kSchemaTemplate = R"SQL(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sweeps (
  id INTEGER PRIMARY KEY, spec TEXT NOT NULL, host_version TEXT NOT NULL, machine TEXT NOT NULL,
  started_at TEXT NOT NULL, ended_at TEXT, trials INTEGER, skipped INTEGER);
CREATE TABLE IF NOT EXISTS plugins (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL,
  sha256 TEXT NOT NULL, abi TEXT NOT NULL, UNIQUE (name, sha256));
CREATE TABLE IF NOT EXISTS trials (
  id INTEGER PRIMARY KEY,
  config_hash TEXT NOT NULL UNIQUE,
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  dataset TEXT NOT NULL, dataset_hash TEXT NOT NULL, task TEXT NOT NULL, model TEXT NOT NULL,
  loss TEXT NOT NULL, loss_params TEXT NOT NULL, optimizer TEXT NOT NULL, optimizer_params TEXT NOT NULL,
  lr REAL NOT NULL, seed INTEGER NOT NULL, epochs INTEGER NOT NULL, batch_size INTEGER NOT NULL,
  schedule TEXT NOT NULL, metric TEXT NOT NULL, higher_is_better INTEGER NOT NULL, target REAL,
  status TEXT NOT NULL DEFAULT 'pending', message TEXT,
  diverged_step INTEGER, steps INTEGER, wall_ms REAL, cpu_ms REAL, steps_per_s REAL,
  final_val REAL, final_test REAL, best_val REAL, best_val_epoch INTEGER, test_at_best_val REAL,
  epochs_to_target INTEGER, time_to_target_ms REAL, final_val_metrics TEXT, final_test_metrics TEXT,
  started_at TEXT, finished_at TEXT);
CREATE INDEX IF NOT EXISTS trials_status ON trials(status);
CREATE TABLE IF NOT EXISTS curves (
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL, step INTEGER NOT NULL, examples INTEGER NOT NULL,
  wall_ms REAL NOT NULL, cpu_ms REAL NOT NULL,
  train_loss REAL, val_loss REAL, val_metric REAL, test_metric REAL,
  grad_norm REAL, layer_grad_norms TEXT,
  -- Every metric of kMetrics (val_NAME, then test_NAME), NULL where the task has none. Typed
  -- columns rather than a JSON object: less than half the bytes a row, 1.3x the rows a second, no
  -- json_extract to plot.
  @METRIC_COLUMNS@
  PRIMARY KEY (trial_id, epoch)) WITHOUT ROWID;  -- rows live in key order: one trial's curve is contiguous

-- The DeepOBS protocol: per dataset, model, loss and optimizer, pick the learning rate whose
-- mean final validation metric over seeds is best, and report its test metric (mean, spread).
CREATE VIEW IF NOT EXISTS leaderboard AS
WITH per_lr AS (
  SELECT dataset, model, loss, optimizer, lr, metric, higher_is_better,
         count(*) AS seeds, sum(status = 'done') AS done,
         avg(CASE WHEN status = 'done' THEN final_val END) AS val,
         avg(CASE WHEN status = 'done' THEN final_test END) AS test,
         avg(CASE WHEN status = 'done' THEN final_test * final_test END) AS test_sq
  FROM trials WHERE status NOT IN ('pending', 'running')
  GROUP BY dataset, model, loss, optimizer, lr),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY dataset, model, loss, optimizer
           ORDER BY done = seeds DESC, CASE WHEN higher_is_better THEN -val ELSE val END NULLS LAST) AS r
  FROM per_lr)
SELECT dataset, model, loss, optimizer, lr AS best_lr, metric, done || '/' || seeds AS seeds_done,
       val AS val_mean, test AS test_mean,
       sqrt(max(test_sq - test * test, 0)) AS test_sd
FROM ranked WHERE r = 1;

-- Epochs and seconds until the validation metric first comes within 1% and 5% of the best value
-- any finished trial reached on that dataset. A trial that never gets there is censored at its
-- budget: the *_epochs column then holds its last epoch and censored_* is 1.
CREATE VIEW IF NOT EXISTS convergence AS
WITH best AS (
  SELECT dataset, metric, CASE WHEN max(higher_is_better) THEN max(best_val) ELSE min(best_val) END AS best
  FROM trials WHERE status = 'done' GROUP BY dataset, metric),
reach AS (
  SELECT t.id,
    min(CASE WHEN (t.higher_is_better AND c.val_metric >= b.best - 0.01 * abs(b.best)) OR
                  (NOT t.higher_is_better AND c.val_metric <= b.best + 0.01 * abs(b.best)) THEN c.epoch END) AS e1,
    min(CASE WHEN (t.higher_is_better AND c.val_metric >= b.best - 0.01 * abs(b.best)) OR
                  (NOT t.higher_is_better AND c.val_metric <= b.best + 0.01 * abs(b.best)) THEN c.wall_ms END) AS s1,
    min(CASE WHEN (t.higher_is_better AND c.val_metric >= b.best - 0.05 * abs(b.best)) OR
                  (NOT t.higher_is_better AND c.val_metric <= b.best + 0.05 * abs(b.best)) THEN c.epoch END) AS e5,
    min(CASE WHEN (t.higher_is_better AND c.val_metric >= b.best - 0.05 * abs(b.best)) OR
                  (NOT t.higher_is_better AND c.val_metric <= b.best + 0.05 * abs(b.best)) THEN c.wall_ms END) AS s5,
    max(c.epoch) AS last_epoch, max(c.wall_ms) AS last_ms
  FROM trials t JOIN best b ON b.dataset = t.dataset AND b.metric = t.metric
  JOIN curves c ON c.trial_id = t.id
  WHERE t.status NOT IN ('pending', 'running') GROUP BY t.id)
SELECT t.id AS trial_id, t.dataset, t.model, t.loss, t.optimizer, t.lr, t.seed, t.status, b.best AS best_on_dataset,
  coalesce(e1, last_epoch) AS epochs_to_1pct, coalesce(s1, last_ms) / 1000.0 AS seconds_to_1pct, e1 IS NULL AS censored_1pct,
  coalesce(e5, last_epoch) AS epochs_to_5pct, coalesce(s5, last_ms) / 1000.0 AS seconds_to_5pct, e5 IS NULL AS censored_5pct
FROM trials t JOIN reach USING (id) JOIN best b ON b.dataset = t.dataset AND b.metric = t.metric;

CREATE VIEW IF NOT EXISTS failures AS
SELECT id AS trial_id, status, dataset, model, loss, optimizer, lr, seed, diverged_step, message
FROM trials WHERE status IN ('diverged', 'failed', 'timeout', 'crashed');
)SQL";

// The schema with the metric columns of kMetrics written in.
inline std::string schema_sql() {
  std::string cols;
  for (const char* split : {"val_", "test_"})
    for (const auto& m : kMetrics) cols += std::string(split) + m.name + " REAL, ";
  std::string s = kSchemaTemplate;
  s.replace(s.find("@METRIC_COLUMNS@"), 16, cols);
  return s;
}
}  // namespace lossbench
