#pragma once
// Where the build put what the tests load; set by tests/CMakeLists.txt.
#include "plugins/registry.hpp"

#include <filesystem>
#include <string>

namespace lossbench::test {
inline const char* plugin_dir() { return LOSSBENCH_TEST_PLUGIN_DIR; }
inline const char* fixture_dir() { return LOSSBENCH_TEST_FIXTURE_DIR; }
// Libraries that crash or exit while being loaded, apart from the fixtures loaded as a folder.
inline const char* load_fixture_dir() { return LOSSBENCH_TEST_LOAD_FIXTURE_DIR; }
inline std::string fixture(const std::string& name) {
  return std::string(fixture_dir()) + "/" + name + ".so";
}
// The built-in plugins, loaded as the host loads them.
inline const Registry& builtins() {
  static Registry r = [] {
    Registry reg;
    reg.add_directory(plugin_dir());
    return reg;
  }();
  return r;
}
// How many built-ins of a kind the source tree holds: one file each in plugins/losses/ or
// plugins/optimizers/, so that adding one needs no count changed in a test.
inline size_t builtin_sources(const std::string& folder) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(LOSSBENCH_SOURCE_DIR) +
                                                           "/plugins/" + folder))
    n += e.path().extension() == ".cpp";
  return n;
}
}  // namespace lossbench::test
