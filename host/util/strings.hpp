#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lossbench {
// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);
// Candidates close to `word` (distance <= max(2, |word|/3), or a prefix match), nearest first.
std::vector<std::string> close_matches(std::string_view word,
                                       const std::vector<std::string>& candidates);
// " (did you mean 'a' or 'b'?)" or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
std::string trim(std::string_view s);
// The same without a copy: a view into `s`.
std::string_view trim_view(std::string_view s);
// Splits on `sep`, trimming each piece; empty pieces are kept so callers can reject them.
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// Shortest text that parses back to exactly the same double.
std::string format_double(double v);
// The same text appended to `out` (no temporary string: for writers that format many numbers).
void append_double(std::string& out, double v);
// The whole of `s` as a double, or false. Unlike std::stod, a value that underflows to a
// subnormal (PyTorch writes -2.8e-312 for a vanishing gradient) or overflows to +-inf is read as
// strtod rounds it, not thrown: every number JSON and CSV can hold.
bool parse_double(std::string_view s, double& out);
// `s` as one word for a POSIX shell: unchanged when it is plain, else in single quotes.
std::string shell_quote(std::string_view s);
// `s` with every occurrence of `token` replaced by `text`: placeholders in a template.
std::string replace_all(std::string s, std::string_view token, std::string_view text);
}  // namespace lossbench
