#pragma once
// Runs the PyTorch reference cases (tests/data/oracle/*.json, format in its README.md) through
// plugins as the host loads them: through the C ABI, never by calling a plugin's C++ class.
#include "plugins/registry.hpp"

#include <set>
#include <string>
#include <vector>

namespace lossbench::test {

struct OracleReport {
  size_t files = 0;
  size_t cases = 0;
  std::vector<std::string> errors;  // each names the file, the case, the element and both values
  std::set<std::string> covered;    // plugins with a loss or optimizer case of their own
};

OracleReport run_oracle_dir(const std::string& dir, const Registry& registry);

}  // namespace lossbench::test
