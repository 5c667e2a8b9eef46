// Readers for user data. Every error names file:line and stops: a benchmark on silently
// mangled data is worse than none.
#include "data/dataset.hpp"
#include "util/strings.hpp"
#include "util/task.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace lossbench {

namespace {

constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t(4) << 30;  // 4 GiB of text

std::ifstream open_checked(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) throw DataError(path + ": cannot open: " + ec.message());
  if (size == 0) throw DataError(path + ": empty file");
  if (size > kMaxFileBytes)
    throw DataError(path + ": " + std::to_string(size >> 20) +
                    " MiB is too large to load into memory (limit " +
                    std::to_string(kMaxFileBytes >> 20) + " MiB)");
  std::ifstream in(path);
  if (!in) throw DataError(path + ": cannot open: " + std::strerror(errno));
  return in;
}

bool parse_number(const std::string& s, double& v) {
  if (s.empty()) return false;
  const char* b = s.data();
  if (*b == '+') ++b;
  auto r = std::from_chars(b, s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Task from the user or from the target values: integers 0/1 -> binary, a few small
// non-negative integers -> multiclass, anything else -> regression.
void finish_targets(Dataset& d, const std::string& task, const std::string& path,
                    const std::vector<size_t>& lines) {
  const Eigen::VectorXd& y = d.y;
  bool integral = true;
  double maxv = 0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    integral = integral && y[i] >= 0 && y[i] == std::floor(y[i]);
    maxv = std::max(maxv, y[i]);
  }
  if (task.empty())
    d.task = !integral || maxv > 100 ? LB_TASK_REGRESSION
             : maxv == 1             ? LB_TASK_BINARY
                                     : LB_TASK_MULTICLASS;
  else
    d.task = parse_task(task);
  if (d.task == LB_TASK_REGRESSION) return;
  for (Eigen::Index i = 0; i < y.size(); ++i)
    if (y[i] < 0 || y[i] != std::floor(y[i]) || y[i] > 1e6)
      throw DataError(path + ":" + std::to_string(lines[i]) + ": class label " +
                      format_double(y[i]) + " is not a non-negative integer (task " +
                      task_name(d.task) + ")");
  std::set<double> classes(y.data(), y.data() + y.size());
  if (classes.size() < 2)
    throw DataError(path + ": classification target has a single class (" +
                    format_double(*classes.begin()) + ")");
  d.n_classes = int(maxv) + 1;
  if (d.task == LB_TASK_BINARY && d.n_classes != 2)
    throw DataError(path + ": binary task needs labels 0 and 1, found labels up to " +
                    format_double(maxv));
}

}  // namespace

Dataset read_csv(const std::string& path, const CsvOptions& opt) {
  std::ifstream in = open_checked(path);
  return read_csv(in, path, opt);
}

Dataset read_libsvm(const std::string& path, const std::string& task) {
  std::ifstream in = open_checked(path);
  return read_libsvm(in, path, task);
}

Dataset read_csv(std::istream& in, const std::string& path, const CsvOptions& opt) {
  Dataset d;
  std::string line;
  size_t lineno = 0, width = 0;
  std::vector<std::string> header;
  std::vector<std::vector<double>> rows;
  std::vector<size_t> lines;
  int target = -1;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    auto cells = split(line, ',');
    if (width == 0) {
      width = cells.size();
      if (width < 2)
        throw DataError(path + ":" + std::to_string(lineno) + ": need at least 2 columns, found 1");
      if (opt.header) {
        header = cells;
      } else {
        for (size_t j = 0; j < width; ++j) header.push_back("x" + std::to_string(j));
      }
      if (opt.target.empty()) {
        target = int(width) - 1;
      } else {
        auto it = std::find(header.begin(), header.end(), opt.target);
        double idx;
        if (it != header.end())
          target = int(it - header.begin());
        else if (parse_number(opt.target, idx) && idx >= 0 && idx < double(width) &&
                 idx == std::floor(idx))
          target = int(idx);
        else
          throw DataError(path + ":" + std::to_string(lineno) + ": no target column '" +
                          opt.target + "'" + did_you_mean(opt.target, header) + " among " +
                          std::to_string(width) + " columns");
      }
      if (opt.header) continue;
    }
    if (cells.size() != width)
      throw DataError(path + ":" + std::to_string(lineno) + ": " + std::to_string(cells.size()) +
                      " fields, expected " + std::to_string(width) + " as in line 1");
    std::vector<double> row(width);
    for (size_t j = 0; j < width; ++j) {
      if (cells[j].empty())
        throw DataError(path + ":" + std::to_string(lineno) + ": empty cell in column " +
                        std::to_string(j + 1) + " (" + header[j] + ")");
      if (!parse_number(cells[j], row[j]))
        throw DataError(path + ":" + std::to_string(lineno) + ": '" + cells[j] + "' in column " +
                        std::to_string(j + 1) + " (" + header[j] + ") is not a number");
      if (!std::isfinite(row[j]))
        throw DataError(path + ":" + std::to_string(lineno) + ": non-finite value '" + cells[j] +
                        "' in column " + std::to_string(j + 1) + " (" + header[j] + ")");
    }
    rows.push_back(std::move(row));
    lines.push_back(lineno);
  }
  if (rows.empty()) throw DataError(path + ": no data rows");
  d.X.resize(Eigen::Index(rows.size()), Eigen::Index(width - 1));
  d.y.resize(Eigen::Index(rows.size()));
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = 0, k = 0; j < width; ++j) {
      if (int(j) == target)
        d.y[Eigen::Index(i)] = rows[i][j];
      else
        d.X(Eigen::Index(i), Eigen::Index(k++)) = rows[i][j];
    }
  }
  for (size_t j = 0; j < width; ++j)
    if (int(j) != target) d.feature_names.push_back(header[j]);
  finish_targets(d, opt.task, path, lines);
  return d;
}

Dataset read_libsvm(std::istream& in, const std::string& path, const std::string& task) {
  std::string line;
  size_t lineno = 0;
  int max_index = 0;
  std::vector<std::vector<std::pair<int, double>>> rows;
  std::vector<double> labels;
  std::vector<size_t> lines;
  while (std::getline(in, line)) {
    ++lineno;
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::replace(line.begin(), line.end(), '\t', ' ');
    auto t = trim(line);
    if (t.empty()) continue;
    std::vector<std::string> tokens;
    for (auto& s : split(t, ' '))
      if (!s.empty()) tokens.push_back(s);
    const std::string at = path + ":" + std::to_string(lineno) + ": ";
    double label;
    if (!parse_number(tokens[0], label) || !std::isfinite(label))
      throw DataError(at + "label '" + tokens[0] + "' is not a number");
    std::vector<std::pair<int, double>> feats;
    int last = 0;
    for (size_t k = 1; k < tokens.size(); ++k) {
      auto colon = tokens[k].find(':');
      double idx, v;
      if (colon == std::string::npos || !parse_number(tokens[k].substr(0, colon), idx) ||
          !parse_number(tokens[k].substr(colon + 1), v))
        throw DataError(at + "'" + tokens[k] + "' is not index:value");
      if (idx < 1 || idx != std::floor(idx) || idx > 1e7)
        throw DataError(at + "feature index " + tokens[k].substr(0, colon) +
                        " is not an integer in 1..1e7");
      if (int(idx) <= last) throw DataError(at + "feature indices must increase");
      if (!std::isfinite(v)) throw DataError(at + "non-finite value in '" + tokens[k] + "'");
      last = int(idx);
      feats.emplace_back(last - 1, v);
    }
    max_index = std::max(max_index, last);
    rows.push_back(std::move(feats));
    labels.push_back(label);
    lines.push_back(lineno);
  }
  if (rows.empty()) throw DataError(path + ": no data rows");
  if (max_index == 0) throw DataError(path + ": no features");
  if (double(rows.size()) * max_index > 2.5e8)
    throw DataError(path + ": " + std::to_string(rows.size()) + " rows x " +
                    std::to_string(max_index) + " features would take " +
                    std::to_string(uint64_t(double(rows.size()) * max_index * 8 / 1e9)) +
                    " GB as a dense matrix; lossbench trains dense models (limit 2 GB)");
  Dataset d;
  d.X = RowMatrix::Zero(Eigen::Index(rows.size()), max_index);
  d.y.resize(Eigen::Index(rows.size()));
  for (size_t i = 0; i < rows.size(); ++i) {
    for (auto& [j, v] : rows[i]) d.X(Eigen::Index(i), j) = v;
    d.y[Eigen::Index(i)] = labels[i];
  }
  // LIBSVM binary files label classes -1/+1: map to 0/1.
  bool pm1 = std::all_of(labels.begin(), labels.end(), [](double v) { return v == -1 || v == 1; });
  if (pm1 && task != "regression")
    for (Eigen::Index i = 0; i < d.y.size(); ++i) d.y[i] = d.y[i] > 0 ? 1 : 0;
  for (int j = 0; j < max_index; ++j) d.feature_names.push_back("f" + std::to_string(j + 1));
  finish_targets(d, task, path, lines);
  return d;
}

}  // namespace lossbench
