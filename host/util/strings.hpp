#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lossbench {
// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);
// Candidates close to `word` (distance <= max(2, |word|/3), or a prefix match), nearest first.
std::vector<std::string> close_matches(std::string_view word, const std::vector<std::string>& candidates);
// " (did you mean 'a' or 'b'?)" or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
std::string trim(std::string_view s);
// Splits on `sep`, trimming each piece; empty pieces are kept so callers can reject them.
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// Shortest text that parses back to exactly the same double.
std::string format_double(double v);
// The same text appended to `out` (no temporary string: for writers that format many numbers).
void append_double(std::string& out, double v);
// "SIGSEGV" for 11, or "signal 70" for a number without a name.
std::string signal_text(int sig);
}  // namespace lossbench
