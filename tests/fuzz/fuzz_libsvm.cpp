// libFuzzer target: the LIBSVM reader on arbitrary bytes.
#include "data/dataset.hpp"

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    lossbench::Dataset d = lossbench::read_libsvm(in, "fuzz.svm", "");
    if (d.X.rows() != d.y.size()) __builtin_trap();
  } catch (const lossbench::DataError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
