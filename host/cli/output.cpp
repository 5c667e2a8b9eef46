#include "cli/output.hpp"

#include "cli/options.hpp"
#include "store/store.hpp"
#include "sweep/metrics.hpp"

#include <filesystem>
#include <iomanip>
#include <iostream>

namespace lossbench::cli {

namespace po = boost::program_options;

void print_table(std::ostream& out, const std::vector<std::string>& cols,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w(cols.size());
  for (size_t i = 0; i < cols.size(); ++i) w[i] = cols[i].size();
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  for (size_t i = 0; i < cols.size(); ++i) out << std::left << std::setw(int(w[i] + 2)) << cols[i];
  out << "\n";
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) out << std::left << std::setw(int(w[i] + 2)) << r[i];
    out << "\n";
  }
}

void print_leaderboard(std::ostream& out, const std::string& db) {
  std::vector<std::string> cols;
  auto rows = Store::query(
      db,
      "SELECT dataset, model, loss, optimizer, best_lr AS lr, metric, seeds_done AS seeds,"
      // No seed finished (all diverged): '-', where printf would make NULL a perfect 0.
      " iif(val_mean IS NULL, '-', printf('%.4g', val_mean)) AS val,"
      " iif(test_mean IS NULL, '-', printf('%.4g', test_mean)) AS test,"
      " iif(test_sd IS NULL, '-', printf('%.2g', test_sd)) AS test_sd FROM leaderboard"
      " ORDER BY dataset, model, CASE WHEN metric IN (" +
          lower_is_better_sql_list() + ") THEN test_mean ELSE -test_mean END NULLS LAST",
      &cols);
  out << "leaderboard (learning rate chosen on validation, reported on test; " << db << ")\n";
  print_table(out, cols, rows);
}

// `lossbench CMD DB`: the one positional database, which must exist. Returns false (with the
// exit code in rc) when it printed help instead.
bool database_argument(const std::vector<std::string>& args, const char* usage, std::string& db,
                       int& rc) {
  po::options_description desc(usage);
  std::vector<std::string> dbs;
  desc.add_options()("help,h", "show this help")("db", po::value(&dbs)->composing(),
                                                 "database (positional)");
  po::variables_map vm;
  parse_or_throw(args, desc, {"db"}, vm);
  if (vm.count("help") || dbs.size() != 1) {
    std::cout << desc;
    rc = vm.count("help") ? 0 : 2;
    return false;
  }
  if (!std::filesystem::exists(dbs[0])) throw StoreError(dbs[0] + ": no such database");
  db = dbs[0];
  return true;
}

}  // namespace lossbench::cli
