// libFuzzer target: the CSV reader must reject or accept any bytes without crashing, hanging or
// reading out of bounds. The first byte picks the options (decimal commas: bit 3 without bit 2);
// its top bit reads the input a second time in the layout of the first reading, as a user's test
// file is read.
#include "data/dataset.hpp"

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t o = data[0];
  lossbench::CsvOptions opt;
  opt.header = o & 1;
  if (o & 2) opt.target = "0";
  if (o & 4) opt.task = (o & 8) ? "multiclass" : "regression";
  if (!(o & 4) && (o & 8)) opt.decimal = ',';  // bit 3 is free when no task is set
  opt.na_drop = o & 16;
  opt.sep = "\0,;\t"[(o >> 5) & 3];
  opt.max_categories = 4;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    std::istringstream in(text);
    lossbench::Dataset d = lossbench::read_csv(in, "fuzz.csv", opt);
    if (d.X.rows() != d.y.size() || size_t(d.X.cols()) != d.feature_names.size()) __builtin_trap();
    if (!d.class_names.empty() && int(d.class_names.size()) != d.n_classes) __builtin_trap();
    if (o & 128) {
      std::istringstream again(text);
      lossbench::Dataset e = lossbench::read_csv(again, "fuzz2.csv", opt, &d);
      // A file read in its own layout is the same dataset.
      if (e.X != d.X || e.y != d.y || e.class_names != d.class_names) __builtin_trap();
    }
  } catch (const lossbench::DataError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
