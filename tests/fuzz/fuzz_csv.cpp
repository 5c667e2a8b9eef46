// libFuzzer target: the CSV reader must reject or accept any bytes without crashing, hanging or
// reading out of bounds. The first byte picks the options.
#include "data/dataset.hpp"

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  lossbench::CsvOptions opt;
  opt.header = data[0] & 1;
  if (data[0] & 2) opt.target = "0";
  if (data[0] & 4) opt.task = (data[0] & 8) ? "multiclass" : "regression";
  std::istringstream in(std::string(reinterpret_cast<const char*>(data + 1), size - 1));
  try {
    lossbench::Dataset d = lossbench::read_csv(in, "fuzz.csv", opt);
    if (d.X.rows() != d.y.size()) __builtin_trap();
  } catch (const lossbench::DataError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
