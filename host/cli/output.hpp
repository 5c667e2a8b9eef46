#pragma once
// What the commands print: tables as aligned text, CSV or JSON (--format), and the leaderboard.
#include "util/table.hpp"

#include <boost/program_options.hpp>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace lossbench::cli {

enum class Format { Table, Csv, Json };
// "table", "csv" or "json"; otherwise throws std::runtime_error
// ("--format: 'x' is not one of table, csv, json").
Format parse_format(const std::string& text);

// table: aligned columns, two spaces between, no trailing spaces; a real with 4 significant
//        digits (%.4g), NULL as '-', integers and text as they are.
// csv:   RFC 4180 quoting (a field holding , " CR or LF is quoted, its quotes doubled), a header
//        line, '\n' line ends; NULL as an empty field, reals with round-trip precision.
// json:  an array of objects, one per row and line, keys = columns; null, integers, numbers with
//        round-trip precision (a whole real keeps a '.0'), strings with JSON escapes.
void write_table(std::ostream& out, const Table& t, Format f);
// One cell as the aligned table shows it (NULL '-', a real with 4 significant digits).
std::string table_text(const Cell& c);

// The pieces of write_table's JSON, for a command whose document is more than one table.
// One value: null, 12, 0.5, "text" (control characters as \u00XX, invalid UTF-8 as U+FFFD).
std::string json_value(const Cell& c);
// {"key": value, ...} on one line; the values are JSON already (json_value, json_array, ...).
std::string json_object(const std::vector<std::pair<std::string, std::string>>& members);
// A row as an object, keys = columns.
std::string json_object(const std::vector<std::string>& columns, const std::vector<Cell>& row);
// "[\n" + one item (JSON already) per line, each indented by indent + 2 spaces, + "\n" + indent
// + "]"; "[]" when there are none. No final newline.
std::string json_array(const std::vector<std::string>& items, const std::string& indent = "");
// The rows of t as objects (keys = columns), one per line.
std::string json_array(const Table& t, const std::string& indent = "");

// The --format option of a command: adds it to desc (default table) and stores the parsed value
// in *format at notify; an unknown value is a usage error (boost::program_options::error).
void add_format_option(boost::program_options::options_description& desc, Format* format);

// Strings as Text cells through write_table's aligned table.
void print_table(std::ostream& out, const std::vector<std::string>& cols,
                 const std::vector<std::vector<std::string>>& rows);
// The leaderboard as `top` prints it, at most limit rows per dataset and model (0: all).
void print_leaderboard(std::ostream& out, const std::string& db, size_t limit = 0);
// `lossbench CMD DB`: the one positional database, which must exist. Returns false (with the
// exit code in rc) when it printed help instead. With format, the command also takes --format.
bool database_argument(const std::vector<std::string>& args, const char* usage, std::string& db,
                       int& rc, Format* format = nullptr);

}  // namespace lossbench::cli
