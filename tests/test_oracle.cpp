// The `oracle` test: every built-in computes what PyTorch computes under the same name.
#include "oracle_runner.hpp"
#include "test_paths.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

using namespace lossbench;
using namespace lossbench::test;
namespace fs = std::filesystem;

TEST_CASE("every oracle case matches PyTorch", "[oracle]") {
  const char* env = std::getenv("LOSSBENCH_ORACLE_DIR");
  const std::string dir = env && *env ? env : LOSSBENCH_TEST_ORACLE_DIR;
  REQUIRE(builtins().failures().empty());
  OracleReport r = run_oracle_dir(dir, builtins());
  for (const auto& e : r.errors) FAIL_CHECK(e);
  REQUIRE(r.cases > 0);
  // A built-in without a reference case is a claim ("computes what PyTorch computes") untested.
  if (!env || !*env)
    for (const auto& p : builtins().plugins())
      if (!r.covered.count(p->name))
        FAIL_CHECK("built-in " << kind_name(p->kind) << " '" << p->name << "' has no case in "
                               << dir << " (add one: tests/data/oracle/README.md)");
  WARN("oracle: " << r.cases << " cases in " << r.files << " files from " << dir);
}

namespace {
// A scratch folder holding one case file.
std::string dir_with(const std::string& json) {
  static int n = 0;
  fs::path d = fs::temp_directory_path() /
               ("lossbench_oracle_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
  fs::create_directories(d);
  std::ofstream(d / "cases.json") << json;
  return d.string();
}
}  // namespace

TEST_CASE("the oracle runner fails what it must fail", "[oracle]") {
  SECTION("a wrong reference value, naming case, element and both values") {
    auto r =
        run_oracle_dir(dir_with(R"({"cases":[{"name":"mse/bad","loss":"mse","task":"regression",
      "params":{},"rows":1,"cols":2,"pred":[1,2],"target":[0,0],"value":2.5,"grad":[1,2.5]}]})"),
                       builtins());
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0], Catch::Contains("case 'mse/bad'") && Catch::Contains("grad[1]") &&
                                Catch::Contains("got 2") && Catch::Contains("PyTorch 2.5"));
  }
  SECTION("an unknown plugin") {
    auto r = run_oracle_dir(dir_with(R"({"cases":[{"name":"x","loss":"msee","task":"regression",
      "rows":1,"cols":1,"pred":[1],"target":[0],"value":1,"grad":[2]}]})"),
                            builtins());
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0], Catch::Contains("unknown loss 'msee'") && Catch::Contains("'mse'"));
  }
  SECTION("an unknown hyperparameter") {
    auto r = run_oracle_dir(dir_with(R"({"cases":[{"name":"x","loss":"huber","task":"regression",
      "params":{"delt":1},"rows":1,"cols":1,"pred":[1],"target":[0],"value":0.5,"grad":[1]}]})"),
                            builtins());
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0], Catch::Contains("unknown hyperparameter 'delt'"));
  }
  SECTION("subnormal and huge numbers are read, not thrown on") {
    // PyTorch writes a gradient that underflows as a subnormal; std::stod threw on it.
    auto r =
        run_oracle_dir(dir_with(R"({"cases":[{"name":"mse/tiny","loss":"mse","task":"regression",
      "params":{},"rows":1,"cols":1,"pred":[-1.401298464324817e-312],"target":[0],"value":0,
      "grad":[-2.802596928649634e-312]}]})"),
                       builtins());
    for (const auto& e : r.errors) FAIL_CHECK(e);
    CHECK(r.cases == 1);
  }
  SECTION("a file with no case") {
    auto r = run_oracle_dir(dir_with(R"({"format":1,"cases":[]})"), builtins());
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0], Catch::Contains("holds no case"));
  }
  SECTION("a wrong optimizer trajectory") {
    auto r = run_oracle_dir(dir_with(R"({"cases":[{"name":"sgd/x","optimizer":"sgd","params":{},
      "lr":0.5,"x0":[1.0],"grads":[[1.0],[1.0]],"trajectory":[[0.5],[0.1]]}]})"),
                            builtins());
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0], Catch::Contains("case 'sgd/x': step 2 x[0]: got 0, PyTorch 0.1"));
  }
}
