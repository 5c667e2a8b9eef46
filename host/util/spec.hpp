#pragma once
// "name(key=value, ...)": the one syntax of model and generator specs.
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace lossbench {

struct CallSpec {
  std::string name;
  std::vector<std::pair<std::string, std::string>> args;  // in the order written, trimmed
};

// Parses "name" or "name(k=v,...)"; throws std::invalid_argument saying what is malformed (a
// missing ')', an item without '=', a key given twice), without naming the spec: callers know
// whether it is a model or a dataset.
CallSpec parse_call(const std::string& text);

}  // namespace lossbench
