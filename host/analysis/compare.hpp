#pragma once
// Comparisons over a results database: the leaderboard `top` prints (the SQL lives in the
// leaderboard view, store/schema.sql.hpp) and the ranks across problems of `rank`, with the
// statistics of Demšar (2006). Reads only; a database of an older schema is upgraded first.
#include "util/stats.hpp"
#include "util/table.hpp"

#include <string>
#include <vector>

namespace lossbench {

// Which rows: dataset and model match when they contain the text (`--dataset linear` matches
// every linear(...) generator); losses and optimizers match by name. Empty: all.
struct Filter {
  std::vector<std::string> datasets, models, losses, optimizers;
  std::string sql() const;  // " AND ..." conditions over the leaderboard's columns
};

// The leaderboard view's rows that pass the filter, per problem (dataset, model, metric and
// budget) best first, at most limit rows per problem (0: all); every column of the view.
Table leaderboard(const std::string& db, const Filter& filter, size_t limit);
// text as an SQL string literal: in single quotes, its quotes doubled.
std::string sql_quoted(const std::string& text);
// The column of t named name; throws std::logic_error when it has none.
size_t column(const Table& t, const char* name);
// The marks `top` and `report` show for a row of leaderboard(): '*' the best test mean, '=' tied
// with it, '?' too few paired seeds to tell, '~' partial, '^' a tuned value at its grid's edge,
// '!' some seed failed.
std::string leaderboard_marks(const Table& t, const std::vector<Cell>& row);

// `lossbench rank`: per problem (dataset, model, metric and budget: see the leaderboard), each
// entry (a loss or an optimizer) at its tuned configuration (the view `entries`), ranked by its
// test mean (1 = best, ties averaged).
struct RankEntry {
  std::string name;
  size_t problems = 0;     // distinct datasets among the problems ranked on (csv: datasets)
  double mean_rank = NAN;  // over the group's complete problems
  size_t wins = 0;         // problems where it is (one of) the best
  double p_vs_best = NAN;  // Wilcoxon over (problem, seed) pairs against the best, Holm-adjusted
  size_t pairs = 0;        // pairs that test used
  // Not significantly worse: Friedman does not reject, or the mean rank is within the Nemenyi
  // critical difference of the best.
  bool within_cd = false;
};
// Entries are compared within a task (regression, binary, multiclass) and metric: the losses
// that apply differ between tasks, and ranks on one metric say nothing of another. A problem
// counts only where every entry of its group has a result and one of them finished a seed.
struct RankGroup {
  std::string task, metric;
  size_t problems = 0, left_out = 0;  // problems ranked; problems missing some entry or result
  std::vector<RankEntry> entries;     // best mean rank first
  stats::Friedman friedman;           // over the complete problems (needs 2 entries, 2 problems)
  double nemenyi_cd = NAN;
};
std::vector<RankGroup> rank(const std::string& db, const std::string& by, const Filter& filter);

}  // namespace lossbench
