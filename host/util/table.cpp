#include "util/table.hpp"

#include <cmath>

namespace lossbench {

Cell Cell::null() { return Cell{}; }

Cell Cell::of(int64_t v) {
  Cell c;
  c.kind = Integer;
  c.integer = v;
  return c;
}

Cell Cell::of(double v) {
  Cell c;
  if (!std::isfinite(v)) return c;
  c.kind = Real;
  c.real = v;
  return c;
}

Cell Cell::of(std::string v) {
  Cell c;
  c.kind = Text;
  c.text = std::move(v);
  return c;
}

}  // namespace lossbench
