// `lossbench top DB`: the leaderboard, and `lossbench rank DB`: ranks across problems.
#include "analysis/compare.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/run_args.hpp"
#include "data/dataset.hpp"
#include "util/strings.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

namespace lossbench::cli {

namespace po = boost::program_options;

namespace {

constexpr size_t kWidth = 100;  // what a table line may take

// The options both commands filter with; comma lists and repeats both work.
struct Common {
  std::vector<std::string> dbs, datasets, models, losses, optimizers;
  Format format = Format::Table;
  Filter filter() const {
    Filter f;
    // The list rule of `run --datasets`: a spec's own commas (linear(n=200,d=8)) stay in it.
    auto flat = [](const char* key, const std::vector<std::string>& in) {
      std::vector<std::string> out;
      for (const auto& v : in)
        for (auto& s : top_level_list(key, v)) out.push_back(s);
      return out;
    };
    f.datasets = flat("dataset", datasets), f.models = flat("model", models);
    f.losses = flat("loss", losses), f.optimizers = flat("optimizer", optimizers);
    return f;
  }
  bool filtered() const {
    return !datasets.empty() || !models.empty() || !losses.empty() || !optimizers.empty();
  }
};

void add_common(po::options_description& desc, Common& c) {
  desc.add_options()("help,h", "show this help")(
      "dataset", po::value(&c.datasets)->composing(),
      "only datasets whose name contains TEXT (repeatable, or a list as in run --datasets)")(
      "model", po::value(&c.models)->composing(), "only models whose spec contains TEXT")(
      "loss", po::value(&c.losses)->composing(), "only these losses (names)")(
      "optimizer", po::value(&c.optimizers)->composing(), "only these optimizers (names)")(
      "db", po::value(&c.dbs)->composing(), "results database (positional)");
  add_format_option(desc, &c.format);
}

// Parses, or prints the help (returns false with the exit code in rc).
bool parse(const std::vector<std::string>& args, po::options_description& desc, Common& c,
           int& rc) {
  po::variables_map vm;
  parse_or_throw(args, desc, {"db"}, vm);
  if (vm.count("help") || c.dbs.empty()) {
    std::cout << desc;
    rc = vm.count("help") ? 0 : 2;
    return false;
  }
  if (c.dbs.size() > 1)
    throw po::error("one database at a time, got " + std::to_string(c.dbs.size()));
  if (!std::filesystem::exists(c.dbs[0])) throw std::runtime_error(c.dbs[0] + ": no such database");
  return true;
}

// csv:/abs/path/to/file.csv?target=y -> file.csv?target=y: the path is in --format csv.
std::string short_dataset(const std::string& spec) {
  for (const char* scheme : {"csv:", "libsvm:"}) {
    const std::string s = scheme;
    if (spec.rfind(s, 0) != 0) continue;
    std::string rest = spec.substr(s.size());
    const size_t q = rest.find('?');
    const std::string path = rest.substr(0, q),
                      query = q == std::string::npos ? "" : rest.substr(q);
    return std::filesystem::path(path).filename().string() + query;
  }
  return spec;
}

std::string clip(const std::string& s, size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 2) + "..";
}

void print_wrapped(std::ostream& out, const std::string& text) {
  std::string line;
  for (const auto& word : split(text, ' ')) {
    if (!line.empty() && line.size() + 1 + word.size() > kWidth) {
      out << line << "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out << line << "\n";
}

void print_leaderboard_table(std::ostream& out, const Table& t, const std::string& db) {
  auto col = [&](const char* name) { return column(t, name); };
  const size_t dataset = col("dataset"), model = col("model"), metric = col("metric");
  const std::vector<size_t> problem = {
      dataset, col("dataset_hash"), col("split"),      model,
      metric,  col("epochs"),       col("batch_size"), col("schedule")};
  auto text = [](const Cell& c) {
    return c.kind == Cell::Integer ? std::to_string(c.integer) : c.text;
  };
  print_wrapped(out, "leaderboard of " + db +
                         ": per dataset, model and budget, each loss and optimizer at the "
                         "configuration (lr and hyperparameters) with the best mean validation "
                         "metric over seeds, reported on test");
  // A dataset whose file changed between runs is two problems: the content hash tells them apart.
  std::map<std::string, std::set<std::string>> hashes;
  for (const auto& r : t.rows) hashes[r[dataset].text].insert(r[col("dataset_hash")].text);
  for (size_t begin = 0; begin < t.rows.size();) {
    size_t end = begin;
    auto same = [&](size_t a, size_t b) {
      for (size_t i : problem)
        if (text(t.rows[a][i]) != text(t.rows[b][i])) return false;
      return true;
    };
    while (end < t.rows.size() && same(begin, end)) ++end;
    const auto& first = t.rows[begin];
    const std::string direction =
        " | " + first[metric].text +
        (first[col("higher_is_better")].integer ? ", higher is better" : ", lower is better");
    std::string budget =
        " | " + text(first[col("epochs")]) + " epochs, batch " + text(first[col("batch_size")]);
    if (first[col("schedule")].text != "constant") budget += ", " + first[col("schedule")].text;
    if (first[col("split")].text != SplitFractions{}.text())
      budget += ", split " + first[col("split")].text;
    std::string name = short_dataset(first[dataset].text);
    if (hashes[first[dataset].text].size() > 1)
      name += " (data " + first[col("dataset_hash")].text.substr(0, 8) + ")";
    out << "\n"
        << clip(name + " | " + first[model].text, kWidth - direction.size() - budget.size())
        << budget << direction << "\n";
    // Two builds of one plugin in a problem are two rows: their sha256 tells them apart.
    std::map<std::string, int> seen;
    for (size_t r = begin; r < end; ++r)
      ++seen[t.rows[r][col("loss")].text + "/" + t.rows[r][col("optimizer")].text];
    bool any_tuned = false;
    for (size_t r = begin; r < end; ++r) any_tuned |= !t.rows[r][col("tuned")].text.empty();
    Table view;
    view.columns = {"", "loss", "optimizer", "lr"};
    if (any_tuned) view.columns.push_back("tuned");
    for (const char* c : {"seeds", "val", "test +-95% CI"}) view.columns.push_back(c);
    for (size_t r = begin; r < end; ++r) {
      const auto& row = t.rows[r];
      const std::string marks = leaderboard_marks(t, row);
      std::string loss = row[col("loss")].text, optimizer = row[col("optimizer")].text;
      if (seen[loss + "/" + optimizer] > 1) {
        loss += "@" + row[col("loss_sha256")].text.substr(0, 6);
        optimizer += "@" + row[col("optimizer_sha256")].text.substr(0, 6);
      }
      std::vector<Cell> v = {Cell::of(marks), Cell::of(loss), Cell::of(optimizer),
                             Cell::of(table_text(row[col("lr")]))};
      if (any_tuned) v.push_back(Cell::of(clip(row[col("tuned")].text, 24)));
      v.push_back(Cell::of(std::to_string(row[col("seeds_done")].integer) + "/" +
                           std::to_string(row[col("seeds_planned")].integer)));
      v.push_back(Cell::of(table_text(row[col("val_mean")])));
      std::string test = table_text(row[col("test_mean")]);
      const Cell &lo = row[col("test_ci_low")], &hi = row[col("test_ci_high")];
      if (lo.kind == Cell::Real && hi.kind == Cell::Real) {
        char buf[32];
        std::snprintf(buf, sizeof buf, " +-%.2g", (hi.real - lo.real) / 2);
        test += buf;
      }
      v.push_back(Cell::of(test));
      view.rows.push_back(v);
    }
    write_table(out, view, Format::Table);
    // Every cell of a problem shares its data and metric, so the first row speaks for all; NULL
    // for trials of a database before version 4.
    if (const Cell& base = first[col("test_baseline")]; base.kind == Cell::Real) {
      const bool regression = first[col("task")].text == "regression";
      out << (regression ? "mean baseline" : "majority baseline") << ": " << first[metric].text
          << " " << table_text(base) << " on test (a constant: the training split's "
          << (regression ? "mean" : "class frequencies") << ")\n";
    }
    begin = end;
  }
  out << "\nmarks: * best test mean  = tied with the best (paired t-test over seeds, p >= 0.05)\n"
         "       ? too few paired seeds to tell  ~ partial: trials of this cell still pending\n"
         "       ^ chosen lr or hyperparameter at the edge of its grid of 3 or more (widen it)\n"
         "       ! some seed diverged or failed\n";
}

}  // namespace

void print_leaderboard(std::ostream& out, const std::string& db, size_t limit) {
  const Table t = leaderboard(db, {}, limit);
  if (t.rows.empty())
    out << db << ": no finished trial yet\n";
  else
    print_leaderboard_table(out, t, db);
}

int cmd_top(const std::vector<std::string>& args) {
  po::options_description desc(
      "lossbench top DB [options]\n"
      "The leaderboard: per problem (dataset, model and budget: epochs, batch size, schedule),\n"
      "each loss and optimizer at its tuned configuration (the lr and hyperparameters with the\n"
      "best mean validation metric over seeds), with the test mean, its sample sd and 95%\n"
      "confidence interval over seeds, whether it is tied with the best (paired t-test over\n"
      "seeds), and whether a tuned value is at the edge of its grid. Each section ends with its\n"
      "baseline: the metric on test of a constant, the training split's class frequencies\n"
      "(the majority class) or mean (test_baseline). csv and json have every field of the\n"
      "leaderboard view; docs/schema.md defines them");
  Common c;
  int limit = 0;
  add_common(desc, c);
  desc.add_options()("limit", po::value(&limit)->default_value(0),
                     "at most N rows per dataset, model and budget, best first (0: all)");
  int rc = 0;
  if (!parse(args, desc, c, rc)) return rc;
  if (limit < 0) throw po::error("--limit: " + std::to_string(limit) + " is below 0");
  const Format format = c.format;
  const Table t = leaderboard(c.dbs[0], c.filter(), size_t(limit));
  if (t.rows.empty() && c.filtered() && !leaderboard(c.dbs[0], {}, 1).rows.empty())
    throw std::runtime_error("no leaderboard row matches the filter");
  if (t.rows.empty() && format == Format::Table) {
    std::cout << c.dbs[0] << ": no finished trial yet\n";
    return 0;
  }
  if (format == Format::Table)
    print_leaderboard_table(std::cout, t, c.dbs[0]);
  else
    write_table(std::cout, t, format);
  return 0;
}

int cmd_rank(const std::vector<std::string>& args) {
  po::options_description desc(
      "lossbench rank DB [options]\n"
      "Which loss (or optimizer) is best across datasets: per problem (dataset, model, budget),\n"
      "each entry at its tuned configuration is ranked by its test mean (1 = best, ties\n"
      "averaged); entries are compared within a task and metric. Reports the mean rank, wins,\n"
      "the Friedman test, the Nemenyi critical difference (Demsar 2006) and, against the best,\n"
      "a Wilcoxon signed-rank test over (problem, seed) pairs of relative differences,\n"
      "Holm-adjusted. csv and json: one row per entry; docs/schema.md defines the fields");
  Common c;
  std::string by = "loss";
  add_common(desc, c);
  desc.add_options()("by", po::value(&by)->default_value("loss"), "loss or optimizer");
  int rc = 0;
  if (!parse(args, desc, c, rc)) return rc;
  const Format format = c.format;
  const auto groups = rank(c.dbs[0], by, c.filter());
  if (groups.empty() && c.filtered())
    throw std::runtime_error("no leaderboard row matches the filter");
  if (format != Format::Table) {
    Table t;
    t.columns = {"task",      "metric",        "problems_ranked", by,          "datasets",
                 "mean_rank", "wins",          "p_vs_best",       "pairs",     "within_cd",
                 "left_out",  "friedman_chi2", "friedman_p",      "nemenyi_cd"};
    for (const auto& g : groups)
      for (const auto& e : g.entries)
        t.rows.push_back(
            {Cell::of(g.task), Cell::of(g.metric), Cell::of(g.problems), Cell::of(e.name),
             Cell::of(e.problems), Cell::of(e.mean_rank), Cell::of(e.wins), Cell::of(e.p_vs_best),
             Cell::of(e.pairs), Cell::of(int64_t(e.within_cd)), Cell::of(g.left_out),
             Cell::of(g.friedman.chi2), Cell::of(g.friedman.p), Cell::of(g.nemenyi_cd)});
    write_table(std::cout, t, format);
    return 0;
  }
  if (groups.empty()) {
    std::cout << c.dbs[0] << ": no finished trial yet\n";
    return 0;
  }
  const std::string plural = by == "loss" ? "losses" : "optimizers";
  print_wrapped(std::cout, "ranks of " + plural + " in " + c.dbs[0] +
                               ": per problem (dataset, model and budget), each at its tuned "
                               "configuration, ranked by test mean (1 = best)");
  for (const auto& g : groups) {
    char head[300];
    const std::string what = g.task + ", " + g.metric + ": " + std::to_string(g.problems) +
                             (g.problems == 1 ? " problem, " : " problems, ") +
                             std::to_string(g.entries.size()) + " " +
                             (g.entries.size() == 1 ? by : plural);
    if (std::isfinite(g.friedman.p))
      std::snprintf(head, sizeof head,
                    "%s\n  Friedman p = %.3g (chi2 %.3g, the chi-square approximation); Nemenyi "
                    "CD = %.3g",
                    what.c_str(), g.friedman.p, g.friedman.chi2, g.nemenyi_cd);
    else
      std::snprintf(head, sizeof head, "%s; no Friedman test (needs 2 of each)", what.c_str());
    std::cout << "\n" << head << "\n";
    Table view;
    view.columns = {"", by, "datasets", "mean_rank", "wins", "p_vs_best"};
    for (size_t i = 0; i < g.entries.size(); ++i) {
      const auto& e = g.entries[i];
      char rank_text[32], p_text[32];
      std::snprintf(rank_text, sizeof rank_text, "%.2f", e.mean_rank);
      std::snprintf(p_text, sizeof p_text, "%.2g", e.p_vs_best);
      view.rows.push_back({Cell::of(std::string(i == 0        ? "*"
                                                : e.within_cd ? "|"
                                                              : "")),
                           Cell::of(e.name), Cell::of(int64_t(e.problems)),
                           Cell::of(std::string(g.problems ? rank_text : "-")),
                           Cell::of(int64_t(e.wins)),
                           Cell::of(std::string(std::isfinite(e.p_vs_best) ? p_text : "-"))});
    }
    write_table(std::cout, view, Format::Table);
    if (g.left_out)
      std::cout << "(" << g.left_out << " problem" << (g.left_out == 1 ? "" : "s")
                << " left out: not every one of these " << plural << " has a result there)\n";
  }
  std::cout << "\nmarks: * best mean rank  | not significantly worse: Friedman does not reject\n"
               "       equal ranks, or the mean rank is within the Nemenyi critical difference\n"
               "p_vs_best: Wilcoxon signed-rank test against the best over (problem, seed) pairs\n"
               "of differences relative to the best's mean on the problem, Holm-adjusted\n";
  return 0;
}

}  // namespace lossbench::cli
