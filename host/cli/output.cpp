#include "cli/output.hpp"

#include "cli/options.hpp"
#include "store/store.hpp"
#include "sweep/metrics.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace lossbench::cli {

namespace po = boost::program_options;

Format parse_format(const std::string& text) {
  if (text == "table") return Format::Table;
  if (text == "csv") return Format::Csv;
  if (text == "json") return Format::Json;
  throw std::runtime_error("--format: '" + text + "' is not one of table, csv, json");
}

namespace {

// A cell's kind as the writers treat it: a Real set by hand to NaN or an infinity (Cell::of never
// makes one) is Null, so no format ever writes one.
Cell::Kind kind_of(const Cell& c) {
  return c.kind == Cell::Real && !std::isfinite(c.real) ? Cell::Null : c.kind;
}

void write_aligned(std::ostream& out, const Table& t) {
  std::vector<std::vector<std::string>> text;
  std::vector<size_t> w(t.columns.size());
  for (size_t i = 0; i < w.size(); ++i) w[i] = t.columns[i].size();
  for (const auto& r : t.rows) {
    text.emplace_back();
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) {
      text.back().push_back(table_text(r[i]));
      w[i] = std::max(w[i], text.back().back().size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) s.append(w[i - 1] - cells[i - 1].size() + 2, ' ');
      s += cells[i];
    }
    s.erase(s.find_last_not_of(' ') + 1);  // nothing after the last cell, even an empty one
    out << s << "\n";
  };
  line(t.columns);
  for (const auto& r : text) line(r);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string csv_text(const Cell& c) {
  switch (kind_of(c)) {
    case Cell::Null:
      return "";
    case Cell::Integer:
      return std::to_string(c.integer);
    case Cell::Real:
      return format_double(c.real);
    case Cell::Text:
      break;
  }
  return csv_field(c.text);
}

void write_csv(std::ostream& out, const Table& t) {
  std::string s;
  for (size_t i = 0; i < t.columns.size(); ++i) s += (i ? "," : "") + csv_field(t.columns[i]);
  out << s << "\n";
  for (const auto& r : t.rows) {
    s.clear();
    for (size_t i = 0; i < r.size(); ++i) s += (i ? "," : "") + csv_text(r[i]);
    out << s << "\n";
  }
}

// Length of the valid UTF-8 sequence at s[i], or 0 (a stray byte, an overlong form, a surrogate,
// beyond U+10FFFF, or cut short).
size_t utf8_length(const std::string& s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned c = b(i);
  size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size() || b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

std::string json_string(const std::string& s) {
  std::string q = "\"";
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = utf8_length(s, i);
      q += n ? s.substr(i, n) : "\\ufffd";
      i += n ? n : 1;
      continue;
    }
    switch (c) {
      case '"':
        q += "\\\"";
        break;
      case '\\':
        q += "\\\\";
        break;
      case '\b':
        q += "\\b";
        break;
      case '\f':
        q += "\\f";
        break;
      case '\n':
        q += "\\n";
        break;
      case '\r':
        q += "\\r";
        break;
      case '\t':
        q += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(c));
          q += buf;
        } else {
          q += char(c);
        }
    }
    ++i;
  }
  return q + "\"";
}

}  // namespace

std::string table_text(const Cell& c) {
  switch (kind_of(c)) {
    case Cell::Null:
      return "-";
    case Cell::Integer:
      return std::to_string(c.integer);
    case Cell::Real: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.4g", c.real);
      return buf;
    }
    case Cell::Text:
      break;
  }
  return c.text;
}

std::string json_value(const Cell& c) {
  switch (kind_of(c)) {
    case Cell::Null:
      return "null";
    case Cell::Integer:
      return std::to_string(c.integer);
    case Cell::Real: {
      std::string s = format_double(c.real);
      // 1.0 stays a real for a reader that types numbers (Python's json): "1.0", not "1".
      if (s.find_first_of(".e") == std::string::npos) s += ".0";
      return s;
    }
    case Cell::Text:
      break;
  }
  return json_string(c.text);
}

std::string json_object(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string s = "{";
  for (const auto& [key, value] : members) {
    if (s.size() > 1) s += ", ";
    s += json_string(key) + ": " + value;
  }
  return s + "}";
}

std::string json_object(const std::vector<std::string>& columns, const std::vector<Cell>& row) {
  std::vector<std::pair<std::string, std::string>> members;
  for (size_t i = 0; i < columns.size() && i < row.size(); ++i)
    members.emplace_back(columns[i], json_value(row[i]));
  return json_object(members);
}

std::string json_array(const std::vector<std::string>& items, const std::string& indent) {
  if (items.empty()) return "[]";
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) s += (i ? ",\n" : "\n") + indent + "  " + items[i];
  return s + "\n" + indent + "]";
}

std::string json_array(const Table& t, const std::string& indent) {
  std::vector<std::string> objects;
  for (const auto& r : t.rows) objects.push_back(json_object(t.columns, r));
  return json_array(objects, indent);
}

void write_table(std::ostream& out, const Table& t, Format f) {
  switch (f) {
    case Format::Table:
      write_aligned(out, t);
      return;
    case Format::Csv:
      write_csv(out, t);
      return;
    case Format::Json:
      out << json_array(t) << "\n";
      return;
  }
}

void add_format_option(po::options_description& desc, Format* format) {
  desc.add_options()(
      "format",
      po::value<std::string>()->default_value("table")->notifier([format](const std::string& text) {
        try {
          *format = parse_format(text);
        } catch (const std::runtime_error& e) {
          throw po::error(e.what());
        }
      }),
      "output: table (to read), csv or json (to parse)");
}

void print_table(std::ostream& out, const std::vector<std::string>& cols,
                 const std::vector<std::vector<std::string>>& rows) {
  Table t{cols, {}};
  for (const auto& r : rows) {
    t.rows.emplace_back();
    for (const auto& s : r) t.rows.back().push_back(Cell::of(s));
  }
  write_table(out, t, Format::Table);
}

// `lossbench CMD DB`: the one positional database, which must exist. Returns false (with the
// exit code in rc) when it printed help instead.
bool database_argument(const std::vector<std::string>& args, const char* usage, std::string& db,
                       int& rc, Format* format) {
  po::options_description desc(usage);
  std::vector<std::string> dbs;
  desc.add_options()("help,h", "show this help")("db", po::value(&dbs)->composing(),
                                                 "database (positional)");
  if (format) add_format_option(desc, format);
  po::variables_map vm;
  parse_or_throw(args, desc, {"db"}, vm);
  if (vm.count("help") || dbs.size() != 1) {
    std::cout << desc;
    rc = vm.count("help") ? 0 : 2;
    return false;
  }
  if (!std::filesystem::exists(dbs[0])) throw StoreError(dbs[0] + ": no such database");
  db = dbs[0];
  return true;
}

}  // namespace lossbench::cli
