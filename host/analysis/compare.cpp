#include "analysis/compare.hpp"

#include "store/schema.sql.hpp"
#include "store/store.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

namespace lossbench {

std::string sql_quoted(const std::string& text) {
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

namespace {

// " AND (col cond v1 OR col cond v2 ...)" for a non-empty list.
std::string any_of(const std::vector<std::string>& values, const std::string& column,
                   bool contains) {
  if (values.empty()) return "";
  std::string s;
  for (const auto& v : values)
    s += (s.empty() ? "" : " OR ") + (contains ? "instr(" + column + ", " + sql_quoted(v) + ") > 0"
                                               : column + " = " + sql_quoted(v));
  return " AND (" + s + ")";
}

// Metric values that differ only in float noise (0.768 - 0.763 against 0.936 - 0.931) must tie
// in a rank: 12 significant digits is far below any difference a metric means.
double rounded(double v) {
  if (!std::isfinite(v) || v == 0) return v;
  const double scale = std::pow(10.0, 11 - std::floor(std::log10(std::fabs(v))));
  return std::round(v * scale) / scale;
}

double number(const Cell& c) { return c.kind == Cell::Integer ? double(c.integer) : c.real; }

}  // namespace

std::string Filter::sql() const {
  return any_of(datasets, "dataset", true) + any_of(models, "model", true) +
         any_of(losses, "loss", false) + any_of(optimizers, "optimizer", false);
}

Table leaderboard(const std::string& db, const Filter& filter, size_t limit) {
  Store::upgrade_for_reading(db);
  const std::string sql =
      std::string("WITH lb AS (SELECT *, row_number() OVER (PARTITION BY ") + kProblemKey +
      "  ORDER BY is_best DESC, test_mean IS NULL, seeds_failed > 0,"
      "           CASE WHEN higher_is_better THEN -test_mean ELSE test_mean END,"
      "           loss, optimizer) AS place"
      "  FROM leaderboard WHERE 1" +
      filter.sql() +
      ")"
      "SELECT dataset, model, loss, loss_params, optimizer, optimizer_params, lr, metric,"
      " seeds_done, seeds_planned, val_mean, test_mean, test_sd, test_ci_low, test_ci_high,"
      " tied_with_best, at_grid_edge, grid_edge, is_best, partial, seeds_failed, seeds_pending,"
      " higher_is_better, tuned, epochs, batch_size, schedule, task, dataset_hash, loss_sha256,"
      " optimizer_sha256, config_id, split, test_baseline FROM lb" +
      (limit ? " WHERE place <= " + std::to_string(limit) : std::string()) + " ORDER BY " +
      kProblemKey + ", place";
  return Store::table(db, sql);
}

size_t column(const Table& t, const char* name) {
  for (size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i] == name) return i;
  throw std::logic_error(std::string("table has no column ") + name);
}

std::string leaderboard_marks(const Table& t, const std::vector<Cell>& row) {
  auto on = [&](const char* name) {
    const Cell& c = row[column(t, name)];
    return c.kind == Cell::Integer && c.integer != 0;
  };
  std::string marks;
  const Cell& tied = row[column(t, "tied_with_best")];
  if (on("is_best"))
    marks += '*';
  else if (on("tied_with_best"))
    marks += '=';
  else if (tied.kind == Cell::Null && !on("seeds_failed") && on("seeds_done"))
    marks += '?';  // fewer than two paired seeds: no test could tell
  if (on("partial")) marks += '~';
  if (on("at_grid_edge")) marks += '^';
  if (on("seeds_failed")) marks += '!';
  return marks;
}

namespace {

struct Result {
  double test_mean = NAN;  // oriented: lower is better, +inf for no result
  // Oriented final test values of the replicates (split seed, seed) that finished.
  std::map<std::pair<int64_t, int64_t>, double> by_seed;
};
struct Problem {
  std::string dataset;
  std::map<std::string, Result> entries;
};

RankGroup rank_group(const std::string& task, const std::vector<Problem>& all) {
  RankGroup g;
  g.task = task;
  std::set<std::string> names;
  for (const auto& p : all)
    for (const auto& [name, r] : p.entries) names.insert(name);
  const std::vector<std::string> entry(names.begin(), names.end());
  const size_t k = entry.size();
  // A problem counts when every entry has a result there and one of them finished a seed: where
  // all diverged there is nothing to rank.
  std::vector<const Problem*> complete;
  for (const auto& p : all) {
    bool any = false;
    for (const auto& [name, r] : p.entries) any |= std::isfinite(r.test_mean);
    if (p.entries.size() == k && any) complete.push_back(&p);
  }
  g.problems = complete.size();
  g.left_out = all.size() - complete.size();
  g.entries.resize(k);
  for (size_t j = 0; j < k; ++j) g.entries[j].name = entry[j];
  if (complete.empty()) return g;

  std::vector<std::vector<double>> blocks;
  std::set<std::string> datasets;
  for (const Problem* p : complete) {
    std::vector<double> row;
    for (const auto& name : entry) row.push_back(rounded(p->entries.at(name).test_mean));
    blocks.push_back(row);
    datasets.insert(p->dataset);
  }
  std::vector<double> rank_sum(k, 0.0), mean_rank(k);
  for (const auto& row : blocks) {
    const auto r = stats::average_ranks(row);
    const double low = *std::min_element(r.begin(), r.end());
    for (size_t j = 0; j < k; ++j) {
      rank_sum[j] += r[j];  // halves add exactly; one division keeps tied means equal
      if (r[j] == low) g.entries[j].wins += 1;
    }
  }
  for (size_t j = 0; j < k; ++j) mean_rank[j] = rank_sum[j] / double(blocks.size());
  if (k >= 2 && blocks.size() >= 2) {
    g.friedman = stats::friedman(blocks);
    g.nemenyi_cd = stats::nemenyi_cd(k, blocks.size());
  }
  size_t best = 0;
  for (size_t j = 0; j < k; ++j) {
    g.entries[j].mean_rank = mean_rank[j];
    g.entries[j].problems = datasets.size();
    if (mean_rank[j] < mean_rank[best]) best = j;
  }
  // Each entry against the best over (problem, seed) pairs: the seeds of a pair trained from the
  // same initial weights on the same batches, so the pair differs only in what is compared. A
  // difference is relative to the best's mean on its problem: an rmse of 60 on one dataset and of
  // 14 on another must not decide the ranks by their units.
  std::vector<double> raw(k, NAN);
  for (size_t j = 0; j < k; ++j) {
    if (j == best) continue;
    std::vector<double> a, b;
    for (const Problem* p : complete) {
      const auto& mine = p->entries.at(entry[j]).by_seed;
      const Result& theirs = p->entries.at(entry[best]);
      const double scale = std::fabs(theirs.test_mean);
      if (!std::isfinite(scale) || scale == 0) continue;
      for (const auto& [seed, v] : mine)
        if (auto it = theirs.by_seed.find(seed); it != theirs.by_seed.end()) {
          a.push_back(v / scale);
          b.push_back(it->second / scale);
        }
    }
    g.entries[j].pairs = a.size();
    raw[j] = stats::wilcoxon(a, b).p;
  }
  const auto adjusted = stats::holm(raw);
  for (size_t j = 0; j < k; ++j) {
    g.entries[j].p_vs_best = adjusted[j];
    // Post hoc only where Friedman rejects equal ranks (Demsar 2006): otherwise none differs.
    g.entries[j].within_cd =
        j == best || !(g.friedman.p < 0.05) || mean_rank[j] - mean_rank[best] <= g.nemenyi_cd;
  }
  std::stable_sort(g.entries.begin(), g.entries.end(), [](const RankEntry& x, const RankEntry& y) {
    return x.mean_rank < y.mean_rank;
  });
  return g;
}

}  // namespace

std::vector<RankGroup> rank(const std::string& db, const std::string& by, const Filter& filter) {
  if (by != "loss" && by != "optimizer")
    throw std::runtime_error("--by: '" + by + "' is not one of loss, optimizer");
  Store::upgrade_for_reading(db);
  // Each entry's tuned configuration per problem, as the view `entries` picks it, but among the
  // leaderboard rows the filter keeps (--optimizer adam ranks losses as trained with adam).
  const std::string sql =
      "WITH " + tuned_ctes() + ", e AS (SELECT * FROM (SELECT *, row_number() OVER (" +
      "PARTITION BY problem_key, " + by + " ORDER BY " + kTuningOrder +
      ") AS place FROM tuned WHERE 1" + filter.sql() +
      ") WHERE place = 1) "
      "SELECT e.task, e.metric, e.dataset, e.problem_key, e.higher_is_better, e." +
      by +
      ", e.test_mean, t.seed, t.final_test, t.split_seed"
      " FROM e LEFT JOIN trials t ON t.config_id = e.config_id AND t.status = 'done'"
      " ORDER BY e.task, e.metric, e.dataset";
  const Table rows = Store::table(db, sql);
  // (task, metric) -> problem key -> problem: ranks compare entries on one metric of one task.
  std::map<std::pair<std::string, std::string>, std::map<std::string, Problem>> groups_of;
  for (const auto& row : rows.rows) {
    const double sign = row[4].integer ? -1.0 : 1.0;
    Problem& p = groups_of[{row[0].text, row[1].text}][row[2].text + "\n" + row[3].text];
    p.dataset = row[2].text;
    Result& r = p.entries[row[5].text];
    r.test_mean = row[6].kind == Cell::Null ? INFINITY : sign * number(row[6]);
    if (row[7].kind != Cell::Null && row[8].kind != Cell::Null)
      r.by_seed[{row[9].integer, row[7].integer}] = sign * number(row[8]);
  }
  std::vector<RankGroup> groups;
  for (const auto& [key, problems] : groups_of) {
    std::vector<Problem> list;
    for (const auto& [k, p] : problems) list.push_back(p);
    groups.push_back(rank_group(key.first, list));
    groups.back().metric = key.second;
  }
  return groups;
}

}  // namespace lossbench
