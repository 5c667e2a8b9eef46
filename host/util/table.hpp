#pragma once
// A typed table: what a query of the results database returns (Store::table) and what the
// commands print as an aligned table, CSV or JSON (cli/output.hpp's write_table).
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace lossbench {

struct Cell {
  enum Kind { Null, Integer, Real, Text } kind = Null;
  int64_t integer = 0;
  double real = 0;
  std::string text;

  static Cell null();
  static Cell of(int64_t v);
  // NaN and +-inf become Null: no output format has to represent them.
  static Cell of(double v);
  static Cell of(std::string v);
  // Any other integer type (an int, a size_t) as an Integer: without this, Cell::of(3) would be
  // ambiguous between int64_t and double.
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                                          !std::is_same_v<T, int64_t>,
                                      int> = 0>
  static Cell of(T v) {
    return of(static_cast<int64_t>(v));
  }
};

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

}  // namespace lossbench
