// `lossbench status DB`: progress of a running or finished sweep.
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "store/store.hpp"

#include <iostream>

namespace lossbench::cli {

int cmd_status(const std::vector<std::string>& args) {
  std::string db;
  int rc = 0;
  if (!database_argument(args, "lossbench status DB", db, rc)) return rc;
  std::vector<std::string> cols;
  auto rows = Store::query(
      db,
      "SELECT status, count(*) AS trials, printf('%.1f', sum(wall_ms)/1000.0) AS seconds"
      " FROM trials GROUP BY status ORDER BY count(*) DESC",
      &cols);
  print_table(std::cout, cols, rows);
  auto s = Store::query(db,
                        "SELECT id, started_at, coalesce(ended_at, '(running or killed)') FROM "
                        "sweeps ORDER BY id DESC LIMIT 1");
  if (!s.empty())
    std::cout << "last sweep #" << s[0][0] << " started " << s[0][1] << ", ended " << s[0][2]
              << "\n";
  auto f =
      Store::query(db, "SELECT status, loss, optimizer, lr, message FROM failures LIMIT 5", &cols);
  if (!f.empty()) {
    std::cout << "\nfirst failures:\n";
    print_table(std::cout, cols, f);
  }
  return 0;
}

}  // namespace lossbench::cli
