// `lossbench top DB`: the leaderboard.
#include "cli/commands.hpp"
#include "cli/output.hpp"

#include <iostream>

namespace lossbench::cli {

int cmd_top(const std::vector<std::string>& args) {
  std::string db;
  int rc = 0;
  if (!database_argument(args, "lossbench top DB", db, rc)) return rc;
  print_leaderboard(std::cout, db);
  return 0;
}

}  // namespace lossbench::cli
