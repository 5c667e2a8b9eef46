#pragma once
// Where the build put what the tests load; set by tests/CMakeLists.txt.
#include "plugins/registry.hpp"

namespace lossbench::test {
inline const char* plugin_dir() { return LOSSBENCH_TEST_PLUGIN_DIR; }
inline const char* fixture_dir() { return LOSSBENCH_TEST_FIXTURE_DIR; }
// Libraries that crash or exit while being loaded, apart from the fixtures loaded as a folder.
inline const char* load_fixture_dir() { return LOSSBENCH_TEST_LOAD_FIXTURE_DIR; }
inline std::string fixture(const std::string& name) { return std::string(fixture_dir()) + "/" + name + ".so"; }
// The built-in plugins, loaded as the host loads them.
inline const Registry& builtins() {
  static Registry r = [] {
    Registry reg;
    reg.add_directory(plugin_dir());
    return reg;
  }();
  return r;
}
}  // namespace lossbench::test
