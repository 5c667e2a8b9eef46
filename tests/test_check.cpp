// `lossbench check` passes correct plugins and fails broken ones.
#include "plugins/check.hpp"
#include "test_paths.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace lossbench;
using namespace lossbench::test;

namespace {
size_t failures_of(const std::shared_ptr<const Plugin>& p, std::string* table = nullptr) {
  std::ostringstream out;
  size_t f = print_check_table(out, check_plugin(p));
  if (table) *table = out.str();
  return f;
}
}  // namespace

TEST_CASE("every built-in passes the conformance kit", "[check]") {
  for (const auto& p : builtins().plugins()) {
    std::string table;
    INFO(p->name);
    CHECK(failures_of(p, &table) == 0);
    INFO(table);
  }
}

TEST_CASE("the kit fails a NaN loss and a drifting optimizer", "[check]") {
  Registry r;
  r.add_file(fixture("nan_loss"));
  r.add_file(fixture("drifting_optimizer"));
  std::string table;
  CHECK(failures_of(r.require("nan_loss", LB_KIND_LOSS), &table) > 0);
  CHECK_THAT(table, Catch::Contains("non-finite value or gradient"));
  CHECK(failures_of(r.require("drifting", LB_KIND_OPTIMIZER), &table) >= 2);
  CHECK_THAT(table, Catch::Contains("FAIL    parameters moved at step 1"));
  CHECK_THAT(table, Catch::Contains("FAIL    no learning rate in"));
}

TEST_CASE("the kit checks focal's gradient on binary batches as well as multiclass", "[check]") {
  bool seen = false;
  for (const auto& r : check_plugin(builtins().require("focal", LB_KIND_LOSS)))
    if (r.check == "gradient = finite differences") {
      seen = true;
      CHECK(r.pass);
      CHECK(r.detail == "6 shapes (binary,multiclass)");
    }
  CHECK(seen);
}
