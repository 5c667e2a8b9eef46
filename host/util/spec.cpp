#include "util/spec.hpp"

#include "util/strings.hpp"

namespace lossbench {

CallSpec parse_call(const std::string& text) {
  const std::string s = trim(text);
  const auto open = s.find('(');
  CallSpec c;
  c.name = trim(s.substr(0, open));
  if (open == std::string::npos) return c;
  if (s.back() != ')') throw std::invalid_argument("missing ')'");
  const std::string inner = s.substr(open + 1, s.size() - open - 2);
  if (trim(inner).empty()) return c;
  for (const auto& kv : split(inner, ',')) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("'" + kv + "' is not key=value");
    std::string k = trim(kv.substr(0, eq)), v = trim(kv.substr(eq + 1));
    for (const auto& [key, value] : c.args)
      if (key == k) throw std::invalid_argument("'" + k + "' is given twice");
    c.args.emplace_back(std::move(k), std::move(v));
  }
  return c;
}

}  // namespace lossbench
