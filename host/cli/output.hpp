#pragma once
// What the commands print from a results database: aligned tables and the leaderboard.
#include <ostream>
#include <string>
#include <vector>

namespace lossbench::cli {

void print_table(std::ostream& out, const std::vector<std::string>& cols,
                 const std::vector<std::vector<std::string>>& rows);
void print_leaderboard(std::ostream& out, const std::string& db);
// `lossbench CMD DB`: the one positional database, which must exist. Returns false (with the
// exit code in rc) when it printed help instead.
bool database_argument(const std::vector<std::string>& args, const char* usage, std::string& db,
                       int& rc);

}  // namespace lossbench::cli
