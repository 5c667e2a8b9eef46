#pragma once
// `lossbench check`: the conformance kit a reviewer runs on a new plugin. Each check is a
// property every correct loss or optimizer has, whatever its formula.
#include "plugins/plugin.hpp"

#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace lossbench {

struct CheckResult {
  std::string plugin;
  std::string check;
  bool pass;
  std::string detail;
};

std::vector<CheckResult> check_plugin(const std::shared_ptr<const Plugin>& plugin);

// Prints the pass/fail table; returns the number of failures.
size_t print_check_table(std::ostream& out, const std::vector<CheckResult>& results);

}  // namespace lossbench
