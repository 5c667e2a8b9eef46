// libFuzzer target: dataset and model spec parsers on arbitrary text.
#include "data/dataset.hpp"
#include "model/model.hpp"

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string s(reinterpret_cast<const char*>(data), size);
  try {
    lossbench::parse_generator_spec(s);
  } catch (const lossbench::DataError&) {
  }
  try {
    lossbench::ModelSpec::parse(s);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
