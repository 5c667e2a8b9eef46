// Readers for user data. Every error names file:line and stops: a benchmark on silently
// mangled data is worse than none.
#include "data/dataset.hpp"
#include "util/strings.hpp"
#include "util/task.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <unordered_map>

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

bool parse_number(std::string_view s, double& v) {
  if (s.empty()) return false;
  const char* b = s.data();
  if (*b == '+') ++b;
  auto r = std::from_chars(b, s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// "1,5", "-0,25", "3,0e-2": a number written with a decimal comma (one comma between digits, no
// point), as spreadsheets in much of Europe export it beside a ';' separator.
bool decimal_comma_number(std::string_view s, double& v) {
  const size_t comma = s.find(',');
  if (comma == std::string_view::npos || comma == 0 || comma + 1 >= s.size() ||
      s.find(',', comma + 1) != std::string_view::npos || s.find('.') != std::string_view::npos ||
      !std::isdigit((unsigned char)s[comma - 1]) || !std::isdigit((unsigned char)s[comma + 1]))
    return false;
  std::string t(s);
  t[comma] = '.';
  return parse_number(t, v);
}

std::string at(const std::string& path, size_t line) {
  return path + ":" + std::to_string(line) + ": ";
}

// A cell or a column name inside a one-line message: line breaks (legal inside quotes) escaped,
// and long text cut.
std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : std::string(1, c);
  return s.size() > 40 ? out + "..." : out;
}

std::string column_label(size_t index, const std::string& name) {
  return "column " + std::to_string(index + 1) + " (" + shown(name) + ")";
}

// What pandas and R write for a missing value, and UCI's '?'. 'nan' is here rather than a
// non-finite number because numpy writes it for a missing value.
bool is_missing(std::string_view v) {
  return v.empty() || v == "NA" || v == "N/A" || v == "NaN" || v == "nan" || v == "?";
}

// Dense design matrices only: say so before allocating more than 2 GB.
void check_dense_size(const std::string& path, size_t rows, size_t cols) {
  if (double(rows) * double(cols) > 2.5e8)
    throw DataError(path + ": " + std::to_string(rows) + " rows x " + std::to_string(cols) +
                    " features would take " +
                    std::to_string(uint64_t(double(rows) * double(cols) * 8 / 1e9)) +
                    " GB as a dense matrix; lossbench trains dense models (limit 2 GB)");
}

// One record at a time out of the whole text, as RFC 4180 has it: a field in double quotes may
// hold the separator, line breaks and doubled quotes. Lines are physical lines, so a message
// names the line where its record starts (or where an unclosed quote opened). Unquoted fields
// are trimmed; a quote inside an unquoted field is an ordinary character (5'11"), as Python's
// csv module reads it.
class Scanner {
 public:
  Scanner(std::string_view text, char sep, const std::string& path)
      : t_(text), sep_(sep), path_(path) {}

  // The next record that is not a blank line into cells[0, count); false at the end.
  bool next() {
    while (pos_ < t_.size()) {
      line = line_;
      count = 0;
      bool quoted = false;
      while (field(quoted)) {
      }
      if (count > 1 || quoted || !cells[0].empty()) return true;
    }
    return false;
  }

  std::vector<std::string> cells;  // reused, so a long file allocates per column, not per cell
  size_t count = 0;
  size_t line = 0;

 private:
  bool blank(char c) const { return c == ' ' || (c == '\t' && sep_ != '\t'); }
  bool ends_field(char c) const { return c == sep_ || c == '\n' || c == '\r'; }

  // One field into cells[count++]; true when a separator follows (the record goes on).
  bool field(bool& quoted) {
    if (count == cells.size()) cells.emplace_back();
    std::string& f = cells[count++];
    f.clear();
    const size_t n = t_.size();
    size_t p = pos_;
    while (p < n && blank(t_[p])) ++p;
    if (p < n && t_[p] == '"') {
      quoted = true;
      const size_t opened = line_;
      pos_ = p + 1;
      for (;;) {
        const size_t q = t_.find('"', pos_);
        if (q == std::string_view::npos)
          throw DataError(at(path_, opened) + "a quoted field opens here and is never closed");
        for (size_t i = pos_; i < q; ++i)
          if (t_[i] == '\n' || (t_[i] == '\r' && (i + 1 == n || t_[i + 1] != '\n'))) ++line_;
        f.append(t_.substr(pos_, q - pos_));
        pos_ = q + 1;
        if (pos_ < n && t_[pos_] == '"') {  // "" is one quote
          f += '"';
          ++pos_;
          continue;
        }
        break;
      }
      while (pos_ < n && blank(t_[pos_])) ++pos_;
      if (pos_ < n && !ends_field(t_[pos_]))
        throw DataError(at(path_, line_) + "'" + shown(t_.substr(pos_, 1)) +
                        "' after the closing quote of field " + std::to_string(count) +
                        " (a quote inside a quoted field is written twice: \"\")");
    } else {
      const size_t s = pos_;
      while (pos_ < n && !ends_field(t_[pos_])) ++pos_;
      f.assign(trim_view(t_.substr(s, pos_ - s)));
    }
    if (pos_ == n) return false;
    const char c = t_[pos_++];
    if (c == sep_) return true;
    if (c == '\r' && pos_ < n && t_[pos_] == '\n') ++pos_;
    ++line_;
    return false;
  }

  std::string_view t_;
  char sep_;
  const std::string& path_;
  size_t pos_ = 0, line_ = 1;
};

// The candidate that splits the first records into one number of fields, more than one, every
// time; among those the one giving the most fields, then the first of , ; tab. When none is
// consistent, the one giving the header the most fields: reading then names the ragged line.
// With decimal commas, ',' is no candidate (every "1,5" would split in two).
char detect_separator(std::string_view text, const std::string& path, bool decimal_comma) {
  char best = decimal_comma ? ';' : ',';
  std::pair<bool, size_t> best_score{false, 0};
  for (char c : {',', ';', '\t'}) {
    if (c == ',' && decimal_comma) continue;
    Scanner sc(text, c, path);
    size_t first = 0, records = 0;
    bool consistent = true;
    try {
      while (records < 20 && sc.next()) {
        if (records++ == 0)
          first = sc.count;
        else
          consistent = consistent && sc.count == first;
      }
    } catch (const DataError&) {  // reading with the chosen separator reports it
      consistent = false;
    }
    const std::pair<bool, size_t> score{consistent && first > 1, first};
    if (score > best_score) best = c, best_score = score;
  }
  return best;
}

std::string separator_name(char sep) { return sep == '\t' ? "tab" : std::string(1, sep); }

constexpr uint32_t kNoText = UINT32_MAX;
const char* const kDecimalHint = " (a number with a decimal comma? ?decimal=, reads such numbers)";
const char* const kTextRule =
    "(a column is text, one-hot encoded, only when none of its values is a number)";

// One used column of the file, gathered over the kept rows.
struct Column {
  size_t index = 0;  // in the file's records
  std::string name;
  enum Kind { Auto, Number, Text } kind = Auto;  // Number and Text: fixed by a layout
  char decimal = 0;                              // CsvOptions::decimal
  std::vector<double> num;                       // per row; NaN for text
  std::vector<uint32_t> text;      // per row, into texts, or kNoText; empty until the first text
  std::vector<std::string> texts;  // distinct, in order of appearance
  std::unordered_map<std::string, uint32_t> ids;
  size_t n_text = 0, first_num = SIZE_MAX, first_text = SIZE_MAX;  // rows

  std::string label() const { return column_label(index, name); }

  void add(const std::string& cell, size_t row, const std::string& path, size_t line,
           const std::string& layout_path) {
    double v;
    const std::string_view t = trim_view(cell);
    if (kind != Text && (parse_number(t, v) || (decimal == ',' && decimal_comma_number(t, v)))) {
      if (!std::isfinite(v))
        throw DataError(at(path, line) + "non-finite value '" + shown(cell) + "' in " + label());
      num.push_back(v);
      if (!text.empty()) text.push_back(kNoText);
      if (first_num == SIZE_MAX) first_num = row;
      return;
    }
    if (kind == Number)
      throw DataError(at(path, line) + "'" + shown(cell) + "' in " + label() + " is not a number" +
                      (layout_path.empty() ? "" : ", as the column is in " + layout_path) +
                      (decimal == 0 && decimal_comma_number(t, v) ? kDecimalHint : ""));
    if (text.empty()) text.assign(row, kNoText);
    const auto [it, fresh] = ids.try_emplace(cell, uint32_t(texts.size()));
    if (fresh) texts.push_back(cell);
    text.push_back(it->second);
    num.push_back(std::numeric_limits<double>::quiet_NaN());
    if (first_text == SIZE_MAX) first_text = row;
    ++n_text;
  }

  // Whether an Auto column is text; a column of numbers with stray text (or the reverse) is an
  // error at the first value of the minority.
  bool is_text(const std::string& path, const std::vector<size_t>& lines) const {
    const size_t n = num.size(), n_num = n - n_text;
    if (n_text == 0 || n_num == 0) return n_text > 0;
    if (n_num >= n_text)
      throw DataError(at(path, lines[first_text]) + "'" + shown(texts[text[first_text]]) + "' in " +
                      label() + " is not a number, while " + std::to_string(n_num) + " of its " +
                      std::to_string(n) + " values are " + kTextRule);
    throw DataError(at(path, lines[first_num]) + format_double(num[first_num]) + " in " + label() +
                    " is a number, while " + std::to_string(n_text) + " of its " +
                    std::to_string(n) + " values are text " + kTextRule);
  }

  // Text, in sorted order: for each distinct text (in order of appearance) its sorted index.
  std::vector<uint32_t> rank(const std::vector<std::string>& sorted) const {
    std::vector<uint32_t> r(texts.size(), kNoText);
    for (size_t k = 0; k < texts.size(); ++k) {
      auto it = std::lower_bound(sorted.begin(), sorted.end(), texts[k]);
      if (it != sorted.end() && *it == texts[k]) r[k] = uint32_t(it - sorted.begin());
    }
    return r;
  }
};

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

std::vector<std::string> sorted_texts(const Column& c) {
  std::vector<std::string> s = c.texts;
  std::sort(s.begin(), s.end());
  return s;
}

size_t find_column(const std::vector<std::string>& names, const std::string& name) {
  return size_t(std::find(names.begin(), names.end(), name) - names.begin());
}

// The target of a file read on its own: numbers (finish_targets) or text labels, which become
// the indices of the sorted distinct labels.
void text_targets(Dataset& d, const Column& c, const std::string& task, const std::string& path,
                  const std::vector<size_t>& lines) {
  if (!task.empty() && parse_task(task) == LB_TASK_REGRESSION)
    throw DataError(at(path, lines[c.first_text]) + "target '" +
                    shown(c.texts[c.text[c.first_text]]) + "' in " + c.label() +
                    " is text; task=regression needs numbers");
  d.class_names = sorted_texts(c);
  const size_t k = d.class_names.size();
  if (k < 2)
    throw DataError(path + ": classification target has a single class (" +
                    shown(d.class_names[0]) + ")");
  d.task = task.empty() ? (k == 2 ? LB_TASK_BINARY : LB_TASK_MULTICLASS) : parse_task(task);
  if (d.task == LB_TASK_BINARY && k != 2) {
    std::string some;
    for (size_t i = 0; i < std::min<size_t>(k, 3); ++i)
      some += (i ? ", '" : "'") + shown(d.class_names[i]) + "'";
    throw DataError(path + ": binary task needs 2 classes, " + c.label() + " has " +
                    std::to_string(k) + " (" + some + (k > 3 ? ", ...)" : ")"));
  }
  d.n_classes = int(k);
  const auto r = c.rank(d.class_names);
  for (size_t i = 0; i < c.text.size(); ++i) d.y[Eigen::Index(i)] = r[c.text[i]];
}

// The target of a file read in another's layout: its classes, and nothing else.
void like_targets(Dataset& d, const Column& c, const Dataset& like, const std::string& path,
                  const std::vector<size_t>& lines) {
  const std::string& from = like.csv_layout.path;
  d.task = like.task;
  d.n_classes = like.n_classes;
  d.class_names = like.class_names;
  if (!like.class_names.empty()) {
    const auto r = c.rank(like.class_names);
    for (size_t i = 0; i < c.text.size(); ++i) {
      if (r[c.text[i]] == kNoText)
        throw DataError(at(path, lines[i]) + "class '" + shown(c.texts[c.text[i]]) + "' in " +
                        c.label() + " is not one of the " + std::to_string(like.n_classes) +
                        " classes of " + from);
      d.y[Eigen::Index(i)] = r[c.text[i]];
    }
    return;
  }
  for (size_t i = 0; i < c.num.size(); ++i) {
    const double v = c.num[i];
    if (d.task != LB_TASK_REGRESSION && !(v >= 0 && v < like.n_classes && v == std::floor(v)))
      throw DataError(at(path, lines[i]) + "class label " + format_double(v) + " in " + c.label() +
                      " is not one of the classes 0.." + std::to_string(like.n_classes - 1) +
                      " of " + from);
    d.y[Eigen::Index(i)] = v;
  }
}

Dataset read_csv_text(std::string_view text, const std::string& path, const CsvOptions& opt,
                      const Dataset* like);

}  // namespace

Dataset read_csv(const std::string& path, const CsvOptions& opt, const Dataset* like) {
  std::ifstream in = open_checked(path);
  std::string text(std::filesystem::file_size(path), '\0');  // one copy of the file in memory
  in.read(text.data(), std::streamsize(text.size()));
  text.resize(size_t(in.gcount()));
  return read_csv_text(text, path, opt, like);
}

Dataset read_libsvm(const std::string& path, const std::string& task) {
  std::ifstream in = open_checked(path);
  return read_libsvm(in, path, task);
}

Dataset read_csv(std::istream& in, const std::string& path, const CsvOptions& opt,
                 const Dataset* like) {
  std::ostringstream text;
  text << in.rdbuf();
  return read_csv_text(text.str(), path, opt, like);
}

namespace {

// The whole text at once: the separator is detected on its first records.
Dataset read_csv_text(std::string_view text, const std::string& path, const CsvOptions& opt,
                      const Dataset* like) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // Excel's UTF-8 mark
  const Dataset::CsvLayout* layout = like ? &like->csv_layout : nullptr;
  if (layout && layout->columns.empty())
    throw DataError(path + ": cannot be read in the layout of '" + like->spec +
                    "', which was not read from a CSV file");
  const char sep = opt.sep ? opt.sep : detect_separator(text, path, opt.decimal == ',');
  Scanner sc(text, sep, path);
  if (!sc.next()) throw DataError(path + ": no data rows");
  const size_t width = sc.count, header_line = sc.line;
  if (width < 2)
    throw DataError(at(path, header_line) + "need at least 2 columns, found 1 (separator '" +
                    separator_name(sep) + "'; ?sep=,|;|tab sets it)");
  std::vector<std::string> names;
  if (opt.header) {
    names.assign(sc.cells.begin(), sc.cells.begin() + long(width));
    for (size_t j = 0; j < width; ++j) {
      const size_t k = find_column(names, names[j]);
      if (k < j)  // columns are found by name: for ?target, ?drop and a second file
        throw DataError(at(path, header_line) + "column name '" + shown(names[j]) +
                        "' is both column " + std::to_string(k + 1) + " and " +
                        std::to_string(j + 1));
    }
  } else {
    for (size_t j = 0; j < width; ++j) names.push_back("x" + std::to_string(j));
  }

  // The target and the feature columns (in X's order) by their index in the file.
  size_t target = width;
  std::vector<size_t> features;
  std::vector<Column::Kind> kind(width, Column::Auto);
  if (layout) {
    auto need = [&](const std::string& name, const std::string& role) {
      const size_t j = find_column(names, name);
      if (j == width)
        throw DataError(at(path, header_line) + "no column '" + shown(name) + "' (" + role +
                        " of " + layout->path + ")" + did_you_mean(name, names));
      return j;
    };
    target = need(layout->target, "the target");
    kind[target] = like->class_names.empty() ? Column::Number : Column::Text;
    for (const auto& c : layout->columns) {
      features.push_back(need(c.name, "a feature"));
      kind[features.back()] = c.categories.empty() ? Column::Number : Column::Text;
    }
  } else {
    if (opt.target.empty()) {
      target = width - 1;
    } else {
      target = find_column(names, opt.target);
      double idx;
      if (target == width && parse_number(opt.target, idx) && idx >= 0 && idx < double(width) &&
          idx == std::floor(idx))
        target = size_t(idx);
      if (target == width)
        throw DataError(at(path, header_line) + "no target column '" + opt.target + "'" +
                        did_you_mean(opt.target, names) + " among " + std::to_string(width) +
                        " columns");
    }
    std::vector<bool> dropped(width, false);
    for (const auto& name : opt.drop) {
      const size_t j = find_column(names, name);
      if (j == width)
        throw DataError(at(path, header_line) + "?drop: no column '" + shown(name) + "'" +
                        did_you_mean(name, names));
      if (j == target)
        throw DataError(at(path, header_line) + "?drop: '" + shown(name) +
                        "' is the target column");
      dropped[j] = true;
    }
    for (size_t j = 0; j < width; ++j)
      if (!dropped[j] && j != target) features.push_back(j);
    if (features.empty()) throw DataError(at(path, header_line) + "?drop leaves no feature column");
  }
  // The columns read, in file order (so a missing value is reported where it comes first).
  std::vector<Column> cols;
  std::vector<size_t> col_of(width, SIZE_MAX);
  std::vector<bool> read(width, false);
  read[target] = true;
  for (size_t j : features) read[j] = true;
  for (size_t j = 0; j < width; ++j) {
    if (!read[j]) continue;
    col_of[j] = cols.size();
    cols.emplace_back();
    cols.back().index = j;
    cols.back().name = names[j];
    cols.back().kind = kind[j];
    cols.back().decimal = opt.decimal;
  }
  const Column* tc = &cols[col_of[target]];

  std::vector<size_t> lines;  // of each kept row
  size_t rows_dropped = 0;
  const std::string layout_path = layout ? layout->path : "";
  bool pending = !opt.header;
  while (pending || sc.next()) {
    pending = false;
    if (sc.count != width)
      throw DataError(at(path, sc.line) + std::to_string(sc.count) + " fields, expected " +
                      std::to_string(width) + " as in line " + std::to_string(header_line));
    bool missing = false;
    for (const auto& c : cols) {
      const std::string_view v = trim_view(sc.cells[c.index]);
      if (!is_missing(v)) continue;
      if (!opt.na_drop)
        throw DataError(at(path, sc.line) + "missing value (" +
                        (v.empty() ? std::string("empty") : "'" + std::string(v) + "'") + ") in " +
                        c.label() + "; ?na=drop leaves out the rows that have one");
      missing = true;
      break;
    }
    if (missing) {
      ++rows_dropped;
      continue;
    }
    for (auto& c : cols) c.add(sc.cells[c.index], lines.size(), path, sc.line, layout_path);
    lines.push_back(sc.line);
  }
  // A column whose text is all numbers with a decimal comma would become one-hot categories (or
  // class labels) without a word: an error, unless ?decimal says which it is.
  if (opt.decimal == 0)
    for (const auto& c : cols) {
      double v;
      if (c.kind != Column::Auto || c.n_text == 0 ||
          !std::all_of(c.texts.begin(), c.texts.end(),
                       [&](const std::string& x) { return decimal_comma_number(trim_view(x), v); }))
        continue;
      throw DataError(at(path, lines[c.first_text]) + "'" + shown(c.texts[c.text[c.first_text]]) +
                      "' in " + c.label() +
                      " is a number with a decimal comma: add ?decimal=, to read it as one (or "
                      "?decimal=. to keep such values as text)");
    }
  if (lines.empty())
    throw DataError(path + ": no data rows" +
                    (rows_dropped
                         ? " (" + std::to_string(rows_dropped) + " left out for a missing value)"
                         : std::string()));

  Dataset d;
  d.rows_dropped = rows_dropped;
  const size_t n = lines.size();
  // Features: a numeric column is one column of X, a text column one per category.
  std::vector<std::vector<std::string>> categories;
  size_t p = 0;
  for (size_t f = 0; f < features.size(); ++f) {
    const Column& c = cols[col_of[features[f]]];
    if (layout) {
      categories.push_back(layout->columns[f].categories);
    } else if (c.is_text(path, lines)) {
      if (c.texts.size() > opt.max_categories) {
        const size_t row = size_t(
            std::find(c.text.begin(), c.text.end(), uint32_t(opt.max_categories)) - c.text.begin());
        throw DataError(at(path, lines[row]) + c.label() + " has more than " +
                        std::to_string(opt.max_categories) + " distinct text values ('" +
                        shown(c.texts[opt.max_categories]) + "' is one more); drop it with ?drop=" +
                        shown(c.name) + " or raise ?max_categories");
      }
      categories.push_back(sorted_texts(c));
    } else {
      categories.emplace_back();
    }
    p += std::max<size_t>(1, categories.back().size());
  }
  check_dense_size(path, n, p);
  d.X = RowMatrix::Zero(Eigen::Index(n), Eigen::Index(p));
  d.y.resize(Eigen::Index(n));
  size_t k = 0;
  for (size_t f = 0; f < features.size(); ++f) {
    const Column& c = cols[col_of[features[f]]];
    const auto& cats = categories[f];
    Dataset::CsvColumn lc{c.name, cats};
    if (cats.empty()) {
      for (size_t i = 0; i < n; ++i) d.X(Eigen::Index(i), Eigen::Index(k)) = c.num[i];
      d.feature_names.push_back(c.name);
    } else {
      const auto r = c.rank(cats);
      for (size_t i = 0; i < n; ++i)
        if (r[c.text[i]] != kNoText) d.X(Eigen::Index(i), Eigen::Index(k + r[c.text[i]])) = 1;
      for (const auto& v : cats) d.feature_names.push_back(c.name + "=" + v);
    }
    k += std::max<size_t>(1, cats.size());
    d.csv_layout.columns.push_back(std::move(lc));
  }
  d.csv_layout.path = path;
  d.csv_layout.target = tc->name;
  if (like) {
    like_targets(d, *tc, *like, path, lines);
  } else if (tc->is_text(path, lines)) {
    text_targets(d, *tc, opt.task, path, lines);
  } else {
    for (size_t i = 0; i < n; ++i) d.y[Eigen::Index(i)] = tc->num[i];
    finish_targets(d, opt.task, path, lines);
  }
  return d;
}

}  // namespace

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
  check_dense_size(path, rows.size(), size_t(max_index));
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
