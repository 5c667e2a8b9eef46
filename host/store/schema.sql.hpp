#pragma once
// Schema of a results database (documented in docs/schema.md). Bump kSchemaVersion on any change,
// and give Store an upgrade from the previous version (upgrade_schema_1_to_2 is the example).
#include "sweep/metrics.hpp"
#include "util/strings.hpp"

#include <string>
#include <vector>

namespace lossbench {
// 2: per-metric curve columns; 3: configurations (config_id); 4: split fractions and split seed,
// the rank metrics' curve columns (roc_auc, pr_auc, f1_pos, mcc) and each trial's test_baseline
constexpr int kSchemaVersion = 4;
constexpr const char* kSchemaTemplate = R"SQL(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sweeps (
  id INTEGER PRIMARY KEY, spec TEXT NOT NULL, host_version TEXT NOT NULL, machine TEXT NOT NULL,
  started_at TEXT NOT NULL, ended_at TEXT, trials INTEGER, skipped INTEGER);
-- A dataset's text class labels (a CSV's "no"/"yes"): class index -> label, by content hash.
CREATE TABLE IF NOT EXISTS classes (
  dataset_hash TEXT NOT NULL, class INTEGER NOT NULL, label TEXT NOT NULL,
  PRIMARY KEY (dataset_hash, class));
CREATE TABLE IF NOT EXISTS plugins (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL,
  sha256 TEXT NOT NULL, abi TEXT NOT NULL, UNIQUE (name, sha256));
-- split: the train,val,test fractions, part of the problem a result answers; split_seed: the
-- seed of the dealing, a replicate like seed; test_baseline: the metric of a model that ignores
-- its input, on the test split (the training split's mean, or its class frequencies as
-- probabilities: the majority class). Last, as version 4 added them to older databases (and no
-- comment inside the statement: SQLite's DROP COLUMN rewrites its text).
CREATE TABLE IF NOT EXISTS trials (
  id INTEGER PRIMARY KEY,
  config_hash TEXT NOT NULL UNIQUE,
  -- Everything but the seed and split seed (sha256 of TrialConfig::configuration()): the
  -- replicates of one configuration share it, and the views average over exactly those.
  config_id TEXT NOT NULL,
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  dataset TEXT NOT NULL, dataset_hash TEXT NOT NULL, task TEXT NOT NULL, model TEXT NOT NULL,
  loss TEXT NOT NULL, loss_params TEXT NOT NULL, loss_sha256 TEXT,
  optimizer TEXT NOT NULL, optimizer_params TEXT NOT NULL, optimizer_sha256 TEXT,
  lr REAL NOT NULL, seed INTEGER NOT NULL, epochs INTEGER NOT NULL, batch_size INTEGER NOT NULL,
  schedule TEXT NOT NULL, metric TEXT NOT NULL, higher_is_better INTEGER NOT NULL, target REAL,
  status TEXT NOT NULL DEFAULT 'pending', message TEXT,
  diverged_step INTEGER, steps INTEGER, wall_ms REAL, cpu_ms REAL, steps_per_s REAL,
  final_val REAL, final_test REAL, best_val REAL, best_val_epoch INTEGER, test_at_best_val REAL,
  epochs_to_target INTEGER, time_to_target_ms REAL, final_val_metrics TEXT, final_test_metrics TEXT,
  started_at TEXT, finished_at TEXT,
  split TEXT NOT NULL DEFAULT '0.6,0.2,0.2', split_seed INTEGER NOT NULL DEFAULT 0,
  test_baseline REAL);
CREATE INDEX IF NOT EXISTS trials_status ON trials(status);
CREATE INDEX IF NOT EXISTS trials_config ON trials(config_id, seed);
-- 97.5% quantiles of Student's t by degrees of freedom (filled when the database is opened):
-- SQLite has no t distribution, and the views' confidence intervals and paired tests need one.
-- Beyond 1000 degrees of freedom the views use the normal quantile, 1.959964.
CREATE TABLE IF NOT EXISTS student_t (df INTEGER PRIMARY KEY, q975 REAL NOT NULL);
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

-- One row per configuration: everything about a trial but its seed. Means are over the seeds
-- that finished 'done'; test_sd is the sample sd (n - 1), computed in two passes so that equal
-- values give exactly 0; the confidence interval is Student's t over those seeds.
CREATE VIEW IF NOT EXISTS configurations AS
WITH per AS MATERIALIZED (
  @CONFIG_AGGREGATE@),
spread AS (
  SELECT p.config_id, sum((t.final_test - p.test_mean) * (t.final_test - p.test_mean)) AS ss
  FROM per p CROSS JOIN trials t ON t.config_id = p.config_id AND +t.status = 'done'
  GROUP BY p.config_id),
stats AS (
  SELECT p.*, p.seeds_planned - p.seeds_done - p.seeds_failed AS seeds_pending,
         CASE WHEN p.seeds_done > 1 THEN sqrt(s.ss / (p.seeds_done - 1)) END AS test_sd,
         coalesce((SELECT q975 FROM student_t WHERE df = p.seeds_done - 1), 1.959964) AS q
  FROM per p LEFT JOIN spread s USING (config_id))
SELECT config_id, dataset, dataset_hash, split, task, model, loss, loss_params, loss_sha256, optimizer,
       optimizer_params, optimizer_sha256, lr, epochs, batch_size, schedule, metric,
       higher_is_better, seeds_planned, seeds_done, seeds_failed, seeds_pending, val_mean,
       test_mean, test_sd, test_mean - q * test_sd / sqrt(seeds_done) AS test_ci_low,
       test_mean + q * test_sd / sqrt(seeds_done) AS test_ci_high
FROM stats;

-- The DeepOBS protocol over configurations. A problem is a dataset (name, content, split), a model,
-- a metric and a training budget (epochs, batch size, schedule): results of different budgets or
-- data are never compared. A cell is a problem and a loss and optimizer (name and build). Per
-- cell, the configuration (lr and every swept hyperparameter) whose mean final validation
-- metric over seeds is best, reported on test; configurations where a seed diverged or failed
-- rank after those where none did. partial: some trial of the cell has not finished, so the
-- choice may still change. is_best: the best test mean of its problem. tied_with_best: not
-- significantly different from it at the 0.05 level by a two-sided paired t-test over the seeds
-- both finished (the seeds of a pair share initial weights and batch order); when every pair
-- differs by the same amount the t statistic is undefined and the sign test decides (up to 5
-- pairs cannot reach 0.05); NULL with fewer than 2 pairs. grid_edge names the tuned axes of
-- three or more values whose chosen value is the smallest or largest swept. test_baseline: what
-- a constant predictor scores on the problem's test split (trials.test_baseline).
CREATE VIEW IF NOT EXISTS leaderboard AS
WITH @TUNED_CTES@,
unfinished AS MATERIALIZED (
  SELECT DISTINCT @CELL_EXPR@ AS cell_key FROM trials WHERE status IN ('pending', 'running')),
-- The spread only for the tuned configurations, through the config_id index (CROSS JOIN keeps
-- SQLite from walking every finished trial through the status index instead).
spread AS (
  SELECT t.config_id, sum((x.final_test - t.test_mean) * (x.final_test - t.test_mean)) AS ss
  FROM tuned t CROSS JOIN trials x ON x.config_id = t.config_id AND +x.status = 'done'
  GROUP BY t.config_id),
stat AS MATERIALIZED (
  SELECT t.*, CASE WHEN t.seeds_done > 1 THEN sqrt(s.ss / (t.seeds_done - 1)) END AS test_sd,
         coalesce((SELECT q975 FROM student_t WHERE df = t.seeds_done - 1), 1.959964) AS q,
         u.cell_key IS NOT NULL AS partial
  FROM tuned t LEFT JOIN spread s USING (config_id) LEFT JOIN unfinished u USING (cell_key)),
best AS (
  SELECT problem_key, config_id AS best_id FROM (
    SELECT *, row_number() OVER (PARTITION BY problem_key
             ORDER BY seeds_failed > 0,
                      CASE WHEN higher_is_better THEN -test_mean ELSE test_mean END, config_id)
             AS place
    FROM tuned WHERE test_mean IS NOT NULL) WHERE place = 1),
diffs AS MATERIALIZED (
  SELECT t.config_id, a.final_test - b.final_test AS d
  FROM tuned t JOIN best USING (problem_key)
  CROSS JOIN trials a ON a.config_id = t.config_id AND +a.status = 'done'
  CROSS JOIN trials b ON b.config_id = best.best_id AND b.seed = a.seed
    AND b.split_seed = a.split_seed AND +b.status = 'done'),
paired AS (SELECT config_id, count(*) AS n, avg(d) AS md FROM diffs GROUP BY config_id),
paired_sd AS (
  SELECT d.config_id, sqrt(sum((d.d - p.md) * (d.d - p.md)) / (p.n - 1)) AS sd
  FROM diffs d JOIN paired p USING (config_id) WHERE p.n > 1 GROUP BY d.config_id),
-- Every swept axis of a cell (more than one value): lr and each hyperparameter.
axes AS (
  SELECT cell_key, axis, min(v) AS lo, max(v) AS hi, count(DISTINCT v) AS n
  FROM (
    SELECT cell_key, 'lr' AS axis, lr AS v FROM conf
    UNION ALL
    SELECT cell_key, 'loss.' || j.key, j.value FROM conf, json_each(conf.loss_params) j
    UNION ALL
    SELECT cell_key, 'optimizer.' || j.key, j.value FROM conf, json_each(conf.optimizer_params) j)
  GROUP BY cell_key, axis HAVING count(DISTINCT v) > 1),
chosen AS (
  SELECT v.config_id, x.axis, v.v, x.lo, x.hi, x.n
  FROM (SELECT config_id, cell_key, 'lr' AS axis, lr AS v FROM tuned
        UNION ALL SELECT config_id, cell_key, 'loss.' || j.key, j.value
                  FROM tuned, json_each(tuned.loss_params) j
        UNION ALL SELECT config_id, cell_key, 'optimizer.' || j.key, j.value
                  FROM tuned, json_each(tuned.optimizer_params) j) v
  JOIN axes x USING (cell_key, axis)),
-- Two values have no interior (every choice would be an edge), so an edge needs three.
edges AS (
  SELECT config_id,
         group_concat(CASE WHEN n >= 3 AND v = lo THEN axis || ' low'
                           WHEN n >= 3 AND v = hi THEN axis || ' high' END, ', ') AS grid_edge,
         group_concat(CASE WHEN axis != 'lr'
                           THEN substr(axis, instr(axis, '.') + 1) || '=' || printf('%.6g', v) END,
                      ' ') AS tuned
  FROM chosen GROUP BY config_id)
SELECT t.dataset, t.model, t.loss, t.loss_params, t.optimizer, t.optimizer_params, t.lr, t.epochs,
       t.metric, t.higher_is_better, t.seeds_done, t.seeds_planned, t.seeds_failed,
       t.seeds_planned - t.seeds_done - t.seeds_failed AS seeds_pending, t.partial,
       t.val_mean, t.test_mean, t.test_sd,
       t.test_mean - t.q * t.test_sd / sqrt(t.seeds_done) AS test_ci_low,
       t.test_mean + t.q * t.test_sd / sqrt(t.seeds_done) AS test_ci_high,
       coalesce(t.config_id = b.best_id, 0) AS is_best,
       CASE WHEN t.config_id = b.best_id THEN 1
            WHEN b.best_id IS NULL THEN NULL
            WHEN t.seeds_done = 0 OR t.seeds_failed > 0 THEN 0
            WHEN p.n IS NULL OR p.n < 2 THEN NULL
            WHEN ps.sd <= 1e-9 * abs(p.md) THEN p.md = 0 OR p.n <= 5
            ELSE abs(p.md) / (ps.sd / sqrt(p.n)) <
                 coalesce((SELECT q975 FROM student_t WHERE df = p.n - 1), 1.959964)
       END AS tied_with_best,
       e.grid_edge IS NOT NULL AS at_grid_edge, e.grid_edge, e.tuned,
       t.task, t.batch_size, t.schedule, t.config_id, t.dataset_hash, t.loss_sha256,
       t.optimizer_sha256, t.split, t.test_baseline
FROM stat t LEFT JOIN best b USING (problem_key)
LEFT JOIN paired p USING (config_id) LEFT JOIN paired_sd ps USING (config_id)
LEFT JOIN edges e USING (config_id);

-- Per problem (see leaderboard), the tuned configuration of each loss (by = 'loss', tuned over
-- optimizers too) and of each optimizer (by = 'optimizer'): what `lossbench rank`,
-- performance_profile and ecdf compare.
CREATE VIEW IF NOT EXISTS entries AS
WITH @TUNED_CTES@
SELECT by, entry, dataset, dataset_hash, split, model, metric, epochs, batch_size, schedule,
       higher_is_better, task, config_id, seeds_done, seeds_failed, val_mean, test_mean FROM (
  SELECT 'loss' AS by, loss AS entry, *, row_number() OVER (
           PARTITION BY problem_key, loss ORDER BY @TUNING_ORDER@) AS place
  FROM tuned
  UNION ALL
  SELECT 'optimizer', optimizer, *, row_number() OVER (
           PARTITION BY problem_key, optimizer ORDER BY @TUNING_ORDER@)
  FROM tuned) WHERE place = 1;

-- Per entry (see entries) and finished trial of its configuration, the first epoch (and
-- wall-clock ms) at which the trial's validation metric came within 1, 2, 5, 10 and 20% of the
-- best value any finished trial reached on the problem. NULL: never (censored). A configuration
-- that is the entry of its loss and of its optimizer appears twice.
CREATE VIEW IF NOT EXISTS first_hits AS
WITH e AS MATERIALIZED (SELECT * FROM entries),
best AS (
  SELECT @PROBLEM_EXPR@ AS problem_key,
         CASE WHEN max(higher_is_better) THEN max(best_val) ELSE min(best_val) END AS best
  FROM trials WHERE status = 'done' GROUP BY problem_key),
gap AS (
  SELECT t.id, t.config_id, t.seed,
         CASE WHEN t.higher_is_better THEN b.best - c.val_metric ELSE c.val_metric - b.best END
           / abs(b.best) AS g, c.epoch, c.wall_ms
  FROM (SELECT DISTINCT config_id, @PROBLEM_EXPR@ AS problem_key FROM e) ids
  JOIN best b USING (problem_key)
  CROSS JOIN trials t ON t.config_id = ids.config_id
  JOIN curves c ON c.trial_id = t.id
  WHERE t.status NOT IN ('pending', 'running') AND c.val_metric IS NOT NULL),
per AS MATERIALIZED (
  SELECT id, config_id, seed,
         min(CASE WHEN g <= 0.01 THEN epoch END) AS e1, min(CASE WHEN g <= 0.01 THEN wall_ms END) AS m1,
         min(CASE WHEN g <= 0.02 THEN epoch END) AS e2, min(CASE WHEN g <= 0.02 THEN wall_ms END) AS m2,
         min(CASE WHEN g <= 0.05 THEN epoch END) AS e5, min(CASE WHEN g <= 0.05 THEN wall_ms END) AS m5,
         min(CASE WHEN g <= 0.10 THEN epoch END) AS e10, min(CASE WHEN g <= 0.10 THEN wall_ms END) AS m10,
         min(CASE WHEN g <= 0.20 THEN epoch END) AS e20, min(CASE WHEN g <= 0.20 THEN wall_ms END) AS m20,
         max(epoch) AS last_epoch
  FROM gap GROUP BY id),
hit AS (
  SELECT id, config_id, seed, 0.01 AS target, e1 AS epoch, m1 AS wall_ms, last_epoch FROM per
  UNION ALL SELECT id, config_id, seed, 0.02, e2, m2, last_epoch FROM per
  UNION ALL SELECT id, config_id, seed, 0.05, e5, m5, last_epoch FROM per
  UNION ALL SELECT id, config_id, seed, 0.10, e10, m10, last_epoch FROM per
  UNION ALL SELECT id, config_id, seed, 0.20, e20, m20, last_epoch FROM per)
SELECT e.by, e.entry, e.dataset, e.dataset_hash, e.split, e.model, e.metric, e.epochs,
       e.batch_size, e.schedule, h.id AS trial_id, h.config_id, h.seed, h.target, h.epoch, h.wall_ms,
       h.last_epoch
FROM e JOIN hit h USING (config_id);

-- Dolan and Moré's performance profile of each entry (see entries): per ratio tau, the fraction
-- of the problems the entry ran on where its epochs (by_epochs) or seconds (by_seconds) to come
-- within 5% of the best value is within tau times the fastest entry's. An entry's measure on a
-- problem is its mean over seeds, and counts only when every seed got there (censored runs never
-- count); reaching it before training (epoch 0) counts as 1 epoch.
CREATE VIEW IF NOT EXISTS performance_profile AS
WITH measure AS (
  SELECT by, entry, @PROBLEM@,
         CASE WHEN count(epoch) = count(*) THEN max(avg(epoch), 1) END AS to_target,
         CASE WHEN count(epoch) = count(*) THEN avg(wall_ms) END AS ms
  FROM first_hits WHERE target = 0.05 GROUP BY by, entry, @PROBLEM@),
ratio AS (
  SELECT by, entry, to_target / min(to_target) OVER w AS r_epochs, ms / min(ms) OVER w AS r_ms
  FROM measure WINDOW w AS (PARTITION BY by, @PROBLEM@)),
taus(tau) AS (VALUES (1.0), (1.25), (1.5), (2.0), (3.0), (5.0), (10.0), (20.0), (50.0), (100.0))
SELECT r.by, r.entry, taus.tau, count(*) AS problems,
       avg(coalesce(r.r_epochs <= taus.tau, 0)) AS by_epochs,
       avg(coalesce(r.r_ms <= taus.tau, 0)) AS by_seconds
FROM ratio r CROSS JOIN taus GROUP BY r.by, r.entry, taus.tau;

-- The empirical cumulative distribution COCO and IOHprofiler plot: per entry (see entries) and
-- epoch budget, the fraction of (problem, target, seed) runs whose validation metric came within
-- the target (1, 2, 5, 10 and 20% of the problem's best value) by that epoch.
CREATE VIEW IF NOT EXISTS ecdf AS
WITH hits AS MATERIALIZED (SELECT * FROM first_hits),
budget(epoch) AS (
  SELECT 0 UNION ALL SELECT epoch + 1 FROM budget WHERE epoch < (SELECT max(last_epoch) FROM hits))
SELECT h.by, h.entry, b.epoch, count(*) AS runs, avg(coalesce(h.epoch <= b.epoch, 0)) AS fraction
FROM hits h CROSS JOIN budget b GROUP BY h.by, h.entry, b.epoch;

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

// How a cell's configurations are ordered to tune it (first = chosen): some seed done before
// none (and then, a finished seed before none), no failed seed before a failed one, then the
// validation mean, best first; config_id
// breaks ties so that every reader picks the same. The views and `lossbench rank` share it.
constexpr const char* kTuningOrder =
    "seeds_done = 0, seeds_done + seeds_failed = 0, seeds_failed > 0, "
    "CASE WHEN higher_is_better THEN -val_mean ELSE val_mean END NULLS LAST, config_id";

// One row per config_id: the axis values and the seeds' counts and means, in one pass. min(id) is
// the only min() or max(), so SQLite takes the other, bare, columns from that row: the values
// every seed of the configuration shares, without a second pass over trials.
// A build unknown (a row from schema version 2) is '' rather than NULL, so that keys match.
constexpr const char* kConfigAggregate =
    "SELECT config_id, min(id) AS first_id, dataset, dataset_hash, split, task, model, loss, "
    "loss_params,"
    " coalesce(loss_sha256, '') AS loss_sha256, optimizer, optimizer_params,"
    " coalesce(optimizer_sha256, '') AS optimizer_sha256, lr, epochs, batch_size,"
    " schedule, metric, higher_is_better, count(*) AS seeds_planned,"
    " sum(status = 'done') AS seeds_done,"
    " sum(status IN ('diverged', 'failed', 'timeout', 'crashed')) AS seeds_failed,"
    " avg(CASE WHEN status = 'done' THEN final_val END) AS val_mean,"
    " avg(CASE WHEN status = 'done' THEN final_test END) AS test_mean,"
    " avg(test_baseline) AS test_baseline"
    " FROM trials GROUP BY config_id";

// What results are compared within (a problem) and what is tuned (a cell): see the leaderboard.
constexpr const char* kProblemKey =
    "dataset, dataset_hash, split, model, metric, epochs, batch_size, schedule";
inline std::string cell_key_columns() {
  return std::string(kProblemKey) + ", loss, loss_sha256, optimizer, optimizer_sha256";
}
// Key columns as one text per row (char(31) cannot occur in a name): SQLite partitions and joins
// on one column several times faster than on seven or eleven. A build unknown (NULL, from schema
// version 2) counts as '', so that such rows still share a key.
inline std::string key_expr(const std::string& columns) {
  std::string e;
  for (const auto& c : split(columns, ','))
    e += (e.empty() ? "(" : " || char(31) || ") +
         (c.find("_sha256") != std::string::npos ? "coalesce(" + c + ", '')" : c);
  return e + ")";
}

// The common table expressions conf (one row per configuration, with its problem and cell keys),
// ranked and tuned (per cell, the configuration first in tuning order, once a seed of the cell
// finished): shared by the leaderboard, entries and `lossbench rank`.
inline std::string tuned_ctes() {
  return std::string(
             "conf AS MATERIALIZED (\n"
             "  -- The keys once per configuration, not once per trial.\n"
             "  SELECT *, ") +
         key_expr(kProblemKey) + " AS problem_key, " + key_expr(cell_key_columns()) +
         " AS cell_key FROM (" + kConfigAggregate +
         ")),\n"
         "ranked AS (\n"
         "  SELECT c.*, row_number() OVER (PARTITION BY cell_key ORDER BY " +
         kTuningOrder +
         ") AS r FROM conf c),\n"
         "-- The first in tuning order has a finished seed unless none of its cell has: such a "
         "cell waits.\n"
         "tuned AS MATERIALIZED (SELECT * FROM ranked WHERE r = 1 AND seeds_done + seeds_failed "
         "> 0)";
}

// The schema with the metric columns of kMetrics, the configuration aggregate, the keys and the
// tuning order written in.
inline std::string schema_sql() {
  std::string cols;
  for (const char* split : {"val_", "test_"})
    for (const auto& m : kMetrics) cols += std::string(split) + m.name + " REAL, ";
  std::string s = kSchemaTemplate;
  s.replace(s.find("@METRIC_COLUMNS@"), 16, cols);
  s = replace_all(s, "@TUNED_CTES@", tuned_ctes());
  s = replace_all(s, "@CONFIG_AGGREGATE@", kConfigAggregate);
  s = replace_all(s, "@CELL_EXPR@", key_expr(cell_key_columns()));
  s = replace_all(s, "@PROBLEM_EXPR@", key_expr(kProblemKey));
  s = replace_all(s, "@PROBLEM@", kProblemKey);
  return replace_all(s, "@TUNING_ORDER@", kTuningOrder);
}

// The names of what schema_sql() creates of `kind` ("TABLE", "INDEX", "VIEW"; empty: all three).
inline std::vector<std::string> schema_names(const std::string& kind = "") {
  const std::string sql = schema_sql();
  std::vector<std::string> names;
  for (const std::string k : {"TABLE", "INDEX", "VIEW"}) {
    if (!kind.empty() && k != kind) continue;
    const std::string create = "CREATE " + k + " IF NOT EXISTS ";
    for (size_t at = sql.find(create); at != std::string::npos; at = sql.find(create, at + 1)) {
      const size_t begin = at + create.size();
      names.push_back(sql.substr(begin, sql.find_first_of(" \n(", begin) - begin));
    }
  }
  return names;
}

// The names of the views schema_sql() creates: what an upgrade drops so that they are made anew,
// and no more (a view of the user's own in the database stays).
inline std::vector<std::string> schema_views() { return schema_names("VIEW"); }
}  // namespace lossbench
