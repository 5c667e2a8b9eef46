#include "sweep/eta.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace lossbench {

double eta_seconds(const std::vector<CostGroup>& groups, int threads) {
  double measured_ms = 0, sized_ms = 0, sized_work = 0;
  size_t measured = 0;
  for (const auto& g : groups) {
    measured_ms += g.measured_ms, measured += g.measured;
    if (g.measured && g.work > 0) sized_ms += g.measured_ms, sized_work += g.work * g.measured;
  }
  double total_ms = 0, dearest_ms = 0;
  for (const auto& g : groups) {
    if (g.unfinished == 0) continue;
    const double per_trial = g.measured                     ? g.measured_ms / double(g.measured)
                             : g.prior_ms >= 0              ? g.prior_ms
                             : g.work > 0 && sized_work > 0 ? g.work * sized_ms / sized_work
                             : measured                     ? measured_ms / double(measured)
                                                            : -1;
    if (per_trial < 0) return -1;
    total_ms += per_trial * double(g.unfinished);
    dearest_ms = std::max(dearest_ms, per_trial);
  }
  return std::max(total_ms / std::max(threads, 1), dearest_ms) / 1e3;
}

std::string duration_text(double seconds) {
  const long s = std::lround(std::max(seconds, 0.0));
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%ld s", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%ld min %02ld s", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld h %02ld min", s / 3600, s / 60 % 60);
  return buf;
}

std::string fit_line(std::vector<std::pair<std::string, int>> parts, size_t width) {
  auto joined = [&] {
    std::string l;
    for (const auto& p : parts) l += (l.empty() ? "" : ", ") + p.first;
    return l;
  };
  std::string line = joined();
  while (line.size() > width && parts.size() > 1) {
    auto least = std::max_element(parts.rbegin(), parts.rend(),
                                  [](const auto& a, const auto& b) { return a.second < b.second; });
    parts.erase(std::next(least).base());
    line = joined();
  }
  return line.substr(0, width);
}

}  // namespace lossbench
