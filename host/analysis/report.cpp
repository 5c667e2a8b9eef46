#include "analysis/report.hpp"

#include "store/schema.sql.hpp"
#include "store/store.hpp"
#include "util/stats.hpp"
#include "util/strings.hpp"

#include <cmath>
#include <map>
#include <set>

namespace lossbench {

namespace {

// The entries as a literal table e(i, config_id), i their row in `entries`: the view is costly
// (it tunes every cell), so it is read once and the curve queries join this instead.
std::string entries_values(const Table& entries) {
  if (entries.rows.empty()) return "e(i, config_id) AS (SELECT 0, NULL WHERE 0)";
  std::string v = "e(i, config_id) AS (VALUES ";
  for (size_t i = 0; i < entries.rows.size(); ++i)
    v += (i ? ", (" : "(") + std::to_string(i) + ", " + sql_quoted(entries.rows[i][2].text) + ")";
  return v + ")";
}

}  // namespace

ReportData report_data(const std::string& db, size_t max_failures) {
  Store::upgrade_for_reading(db);
  ReportData r;
  r.sweeps = Store::table(db,
                          "SELECT id, spec, host_version, machine, started_at, ended_at, trials,"
                          " skipped FROM sweeps ORDER BY id");
  r.statuses = Store::table(db,
                            "SELECT status, count(*) AS trials, total(wall_ms) / 1000.0 AS seconds"
                            " FROM trials GROUP BY status ORDER BY count(*) DESC, status");
  r.plugins = Store::table(db, "SELECT kind, name, sha256, abi FROM plugins ORDER BY kind, name");
  // A killed sweep has no end: its last finished trial is when it stopped working.
  const Table wall = Store::table(
      db,
      "SELECT total((julianday(coalesce(s.ended_at, (SELECT max(finished_at) FROM trials"
      " WHERE sweep_id = s.id), s.started_at)) - julianday(s.started_at)) * 86400),"
      " (SELECT count(*) FROM trials WHERE status NOT IN ('pending', 'running')) FROM sweeps s");
  r.wall_seconds = wall.rows[0][0].kind == Cell::Real ? wall.rows[0][0].real : 0;
  r.finished = wall.rows[0][1].integer;

  const Table lb = leaderboard(db, {}, 0);
  r.leaderboard.columns = {"marks", "problem"};
  for (const auto& c : lb.columns) r.leaderboard.columns.push_back(c);
  std::vector<size_t> key_columns;
  for (const auto& c : split(kProblemKey, ',')) key_columns.push_back(column(lb, c.c_str()));
  for (const auto& row : lb.rows) {
    // The text key_expr gives in SQL: the same problem key the other tables carry.
    std::string key;
    for (size_t i : key_columns) {
      const Cell& c = row[i];
      key += (key.empty() ? "" : "\x1f") +
             (c.kind == Cell::Integer ? std::to_string(c.integer) : c.text);
    }
    std::vector<Cell> out = {Cell::of(leaderboard_marks(lb, row)), Cell::of(key)};
    out.insert(out.end(), row.begin(), row.end());
    r.leaderboard.rows.push_back(std::move(out));
  }

  r.entries = Store::table(db, "SELECT " + key_expr(kProblemKey) +
                                   " AS problem, entry AS loss, config_id FROM entries"
                                   " WHERE by = 'loss' ORDER BY problem, loss");
  // Only finished seeds: the means are over the seeds the leaderboard averages.
  const Table curves = Store::table(
      db, "WITH " + entries_values(r.entries) +
              " SELECT e.i, c.epoch, count(*) AS seeds,"
              " avg(c.wall_ms) / 1000.0 AS seconds, avg(c.val_metric) AS val,"
              " min(c.val_metric) AS val_lo, max(c.val_metric) AS val_hi,"
              " avg(c.train_loss) AS train, min(c.train_loss) AS train_lo,"
              " max(c.train_loss) AS train_hi, avg(c.val_ece) AS ece"
              " FROM e CROSS JOIN trials t ON t.config_id = e.config_id AND +t.status = 'done'"
              " JOIN curves c ON c.trial_id = t.id"
              " GROUP BY e.i, c.epoch ORDER BY e.i, c.epoch");
  r.curves.columns = {"problem", "loss"};
  r.curves.columns.insert(r.curves.columns.end(), curves.columns.begin() + 1, curves.columns.end());
  for (const auto& row : curves.rows) {
    const auto& entry = r.entries.rows[size_t(row[0].integer)];
    std::vector<Cell> out = {entry[0], entry[1]};
    out.insert(out.end(), row.begin() + 1, row.end());
    r.curves.rows.push_back(std::move(out));
  }
  r.lr =
      Store::table(db, "SELECT " + key_expr(kProblemKey) +
                           " AS problem, loss, optimizer, lr,"
                           " CASE WHEN max(higher_is_better) THEN max(val_mean) ELSE min(val_mean)"
                           " END AS val, sum(seeds_done) AS seeds FROM configurations"
                           " GROUP BY problem, loss, optimizer, lr ORDER BY problem, loss,"
                           " optimizer, lr");
  r.profile = Store::table(db,
                           "SELECT by, entry, tau, problems, by_epochs, by_seconds"
                           " FROM performance_profile ORDER BY by, entry, tau");
  r.ecdf = Store::table(
      db, "SELECT by, entry, epoch, runs, fraction FROM ecdf ORDER BY by, entry, epoch");
  r.ranks_by_loss = rank(db, "loss", {});
  r.ranks_by_optimizer = rank(db, "optimizer", {});
  // Norms span decades between layers and datasets: a geometric mean, so no one dominates.
  r.gradients = Store::table(
      db, "WITH " + entries_values(r.entries) +
              ", ids AS (SELECT DISTINCT config_id FROM e)"
              " SELECT t.model, c.epoch, CAST(j.key AS INTEGER) AS layer, count(*) AS trials,"
              " exp(avg(ln(j.value))) AS norm"
              " FROM ids CROSS JOIN trials t ON t.config_id = ids.config_id AND +t.status = 'done'"
              " JOIN curves c ON c.trial_id = t.id, json_each(c.layer_grad_norms) j"
              " WHERE j.value > 0 GROUP BY t.model, c.epoch, layer"
              " ORDER BY t.model, layer, c.epoch");
  r.failures = Store::table(db,
                            "SELECT trial_id, status, dataset, model, loss, optimizer, lr, seed,"
                            " diverged_step, message FROM failures ORDER BY trial_id LIMIT " +
                                std::to_string(max_failures));
  r.failures_total = Store::table(db, "SELECT count(*) FROM failures").rows[0][0].integer;
  return r;
}

namespace {

// What identifies a configuration across databases: its axis values without the plugin builds,
// the host version or config_id (which hashes the builds in).
constexpr const char* kMatchColumns =
    "dataset, dataset_hash, model, loss, loss_params, optimizer, optimizer_params, lr, epochs,"
    " batch_size, schedule, metric";

// Per matched configuration: seed -> final test value of its finished trials, its config_id and
// the metric's direction.
struct Finished {
  std::map<std::string, std::map<int64_t, double>> by_key;
  std::map<std::string, std::pair<std::string, bool>> config_of;
};

Finished finished_trials(const std::string& db) {
  Store::upgrade_for_reading(db);
  const Table t =
      Store::table(db, "SELECT " + key_expr(kMatchColumns) +
                           ", seed, final_test, config_id, higher_is_better"
                           " FROM trials WHERE status = 'done' AND final_test IS NOT NULL");
  Finished f;
  for (const auto& row : t.rows) {
    const double v = row[2].kind == Cell::Integer ? double(row[2].integer) : row[2].real;
    f.by_key[row[0].text][row[1].integer] = v;
    f.config_of[row[0].text] = {row[3].text, row[4].integer != 0};
  }
  return f;
}

}  // namespace

BaselineComparison compare_with_baseline(const std::string& db, const std::string& baseline,
                                         const Table& leaderboard) {
  const Finished now = finished_trials(db), base = finished_trials(baseline);
  std::map<std::string, const std::vector<Cell>*> tuned;  // config_id -> leaderboard row
  for (const auto& row : leaderboard.rows) tuned[row[column(leaderboard, "config_id")].text] = &row;
  BaselineComparison c;
  c.tuned.columns = {
      "dataset",          "model", "loss",     "optimizer", "lr",   "tuned",  "metric",
      "higher_is_better", "seeds", "baseline", "new",       "diff", "ci_low", "ci_high"};
  for (const auto& [key, seeds] : now.by_key) {
    auto other = base.by_key.find(key);
    if (other == base.by_key.end()) continue;
    std::vector<double> d;
    double sum_new = 0, sum_base = 0;
    for (const auto& [seed, v] : seeds)
      if (auto it = other->second.find(seed); it != other->second.end()) {
        d.push_back(stats::rounded_difference(v, it->second));
        sum_new += v, sum_base += it->second;
      }
    if (d.empty()) continue;
    const double n = double(d.size());
    double mean = 0, ss = 0;
    for (double x : d) mean += x / n;
    for (double x : d) ss += (x - mean) * (x - mean);
    double low = NAN, high = NAN;
    if (d.size() > 1) {
      const double half = stats::student_t_quantile(0.975, n - 1) * std::sqrt(ss / (n - 1) / n);
      low = mean - half, high = mean + half;
    }
    ++c.matched;
    const auto& [config_id, higher] = now.config_of.at(key);
    // As the leaderboard tests ties: when every pair differs by the same amount the t interval
    // has no width, and the sign test decides, which needs 6 pairs to reach 0.05.
    const bool constant = ss <= 1e-18 * mean * mean;
    const bool differs = constant ? mean != 0 && d.size() >= 6 : (low > 0 || high < 0);
    if (differs) ((mean > 0) == higher ? c.better : c.worse) += 1;
    auto lb = tuned.find(config_id);
    if (lb == tuned.end()) continue;
    auto cell = [&](const char* name) { return (*lb->second)[column(leaderboard, name)]; };
    c.tuned.rows.push_back({cell("dataset"), cell("model"), cell("loss"), cell("optimizer"),
                            cell("lr"), cell("tuned"), cell("metric"), cell("higher_is_better"),
                            Cell::of(d.size()), Cell::of(sum_base / n), Cell::of(sum_new / n),
                            Cell::of(mean), Cell::of(low), Cell::of(high)});
  }
  return c;
}

}  // namespace lossbench
