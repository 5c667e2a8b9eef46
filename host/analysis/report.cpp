#include "analysis/report.hpp"

#include "store/schema.sql.hpp"
#include "store/store.hpp"
#include "util/strings.hpp"

namespace lossbench {

namespace {

// Each entry (a loss at its tuned configuration, per problem) with its problem's key, once.
std::string loss_entries_cte() {
  return "e AS MATERIALIZED (SELECT entry AS loss, config_id, " + key_expr(kProblemKey) +
         " AS problem FROM entries WHERE by = 'loss')";
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

  r.entries =
      Store::table(db, "WITH " + loss_entries_cte() +
                           " SELECT problem, loss, config_id FROM e ORDER BY problem, loss");
  // Only finished seeds: the means are over the seeds the leaderboard averages.
  r.curves = Store::table(
      db, "WITH " + loss_entries_cte() +
              " SELECT e.problem, e.loss, c.epoch, count(*) AS seeds,"
              " avg(c.wall_ms) / 1000.0 AS seconds, avg(c.val_metric) AS val,"
              " min(c.val_metric) AS val_lo, max(c.val_metric) AS val_hi,"
              " avg(c.train_loss) AS train, min(c.train_loss) AS train_lo,"
              " max(c.train_loss) AS train_hi, avg(c.val_ece) AS ece"
              " FROM e CROSS JOIN trials t ON t.config_id = e.config_id AND +t.status = 'done'"
              " JOIN curves c ON c.trial_id = t.id"
              " GROUP BY e.problem, e.loss, c.epoch ORDER BY e.problem, e.loss, c.epoch");
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
      db, "WITH " + loss_entries_cte() +
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

}  // namespace lossbench
