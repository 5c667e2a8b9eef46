#pragma once
// One function per subcommand; each parses its own options.
#include <string>
#include <vector>

namespace lossbench::cli {

using CommandFn = int (*)(const std::vector<std::string>& args);
struct Command {
  const char* name;
  const char* summary;
  CommandFn fn;
};

int cmd_plugins(const std::vector<std::string>& args);
int cmd_check(const std::vector<std::string>& args);
int cmd_run(const std::vector<std::string>& args);
int cmd_merge(const std::vector<std::string>& args);
int cmd_slurm(const std::vector<std::string>& args);
int cmd_status(const std::vector<std::string>& args);
int cmd_top(const std::vector<std::string>& args);
int cmd_trace(const std::vector<std::string>& args);
int cmd_rank(const std::vector<std::string>& args);
int cmd_datasets(const std::vector<std::string>& args);
int cmd_dataset(const std::vector<std::string>& args);
int cmd_report(const std::vector<std::string>& args);
int cmd_new(const std::vector<std::string>& args);

}  // namespace lossbench::cli
