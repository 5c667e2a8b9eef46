// Loading: good plugins load with their provenance; each broken fixture is one clear line.
#include "plugins/probe.hpp"
#include "test_paths.hpp"

#include <catch2/catch.hpp>

#include <cstddef>

#include <csignal>
#include <cstdlib>
#include <thread>

using namespace lossbench;
using namespace lossbench::test;

namespace {
std::string only_failure(const std::string& fixture_name) {
  Registry r;
  r.add_file(fixture(fixture_name));
  REQUIRE(r.failures().size() == 1);
  CHECK(r.plugins().empty());
  return r.failures()[0].message();
}
}  // namespace

TEST_CASE("built-in plugins load with kind, tasks, hash and ABI", "[registry]") {
  const Registry& r = builtins();
  CHECK(r.failures().empty());
  INFO("every file in plugins/losses/ and plugins/optimizers/ is one built-in, and each must load");
  CHECK(r.of_kind(LB_KIND_LOSS).size() == builtin_sources("losses"));
  CHECK(r.of_kind(LB_KIND_OPTIMIZER).size() == builtin_sources("optimizers"));
  auto huber = r.require("huber", LB_KIND_LOSS);
  CHECK(huber->supports(LB_TASK_REGRESSION));
  CHECK_FALSE(huber->supports(LB_TASK_MULTICLASS));
  CHECK(huber->sha256.size() == 64);
  CHECK(huber->abi_major == LOSSBENCH_ABI_MAJOR);
  CHECK_THAT(huber->path, Catch::EndsWith("/huber.so"));
  REQUIRE(huber->hyperparams.size() == 1);
  CHECK(huber->hyperparams[0].name == "delta");
  CHECK(huber->hyperparams[0].default_value == 1.0);
  CHECK(r.require("soft_f1", LB_KIND_LOSS)->tasks == (LB_TASK_BINARY | LB_TASK_MULTICLASS));
}

TEST_CASE("the imbalance losses: focal on binary data too, and their hyperparameters",
          "[registry]") {
  const Registry& r = builtins();
  auto focal = r.require("focal", LB_KIND_LOSS);
  CHECK(focal->tasks == (LB_TASK_BINARY | LB_TASK_MULTICLASS));
  REQUIRE(focal->hyperparams.size() == 2);
  CHECK(focal->hyperparams[0].name == "gamma");
  CHECK(focal->hyperparams[1].name == "alpha");
  CHECK(focal->hyperparams[1].default_value == 0.25);  // torchvision's default
  CHECK(focal->hyperparams[1].min_value == -1.0);
  // torchvision reads every negative alpha as "none"; only -1 spells it here.
  CHECK_NOTHROW(LossInstance(focal, {2.0, -1.0}, LB_TASK_BINARY, 4, 1));
  CHECK_THROWS_WITH(LossInstance(focal, {2.0, -0.5}, LB_TASK_BINARY, 4, 1),
                    Catch::Contains("alpha is in [0, 1], or -1 for no class weighting"));
  auto bce = r.require("bce", LB_KIND_LOSS);
  REQUIRE(bce->hyperparams.size() == 1);
  CHECK(bce->hyperparams[0].name == "pos_weight");
  CHECK(bce->hyperparams[0].default_value == 1.0);
  auto ce = r.require("cross_entropy", LB_KIND_LOSS);
  REQUIRE(ce->hyperparams.size() == 1);
  CHECK(ce->hyperparams[0].name == "label_smoothing");
  CHECK(ce->hyperparams[0].default_value == 0.0);
  CHECK(ce->hyperparams[0].max_value == 1.0);
}

TEST_CASE("a name nobody provides gets close suggestions", "[registry]") {
  CHECK_THROWS_WITH(builtins().require("hubber", LB_KIND_LOSS),
                    Catch::Contains("unknown loss 'hubber'") && Catch::Contains("'huber'"));
  CHECK_THROWS_WITH(builtins().require("adam", LB_KIND_LOSS),
                    Catch::Contains("'adam' is an optimizer, not a loss"));
}

TEST_CASE("broken plugin files are explained one line each", "[registry]") {
  CHECK_THAT(only_failure("no_entry"),
             Catch::Contains("no_entry.so: no entry symbol 'lossbench_plugin_entry'"));
  CHECK_THAT(
      only_failure("wrong_abi"),
      Catch::Contains("wrong_abi.so: built for plugin ABI 99.0, but this host speaks ABI 1.0"));
  CHECK_THAT(only_failure("newer_minor"),
             Catch::Contains("built for plugin ABI 1.7, newer than this host's 1.0"));
  CHECK_THAT(
      only_failure("missing_function"),
      Catch::Contains("invalid descriptor: plugin 'incomplete': missing function loss_evaluate"));
  CHECK_THAT(only_failure("bad_default"),
             Catch::Contains("hyperparameter 'scale': default 5 outside its range [0, 1]"));
  CHECK_THAT(only_failure("not_a_library"),
             Catch::Contains("not_a_library.so: not a loadable shared library"));
  Registry r;
  r.add_file(std::string(fixture_dir()) + "/does_not_exist.so");
  REQUIRE(r.failures().size() == 1);
  CHECK_THAT(r.failures()[0].message(), Catch::Contains("does_not_exist.so: no such file"));
  for (const auto& f : {r.failures()[0].message(), only_failure("wrong_abi")})
    CHECK(f.find('\n') == std::string::npos);
}

TEST_CASE("two files providing one name: neither is used, both are named", "[registry]") {
  Registry r;
  r.add_file(fixture("twin_a"));
  r.add_file(fixture("twin_b"));
  CHECK(r.find("twin") == nullptr);
  REQUIRE(r.failures().size() == 1);
  CHECK_THAT(r.failures()[0].message(),
             Catch::Contains("twin_b.so: plugin 'twin' is also provided by") &&
                 Catch::Contains("twin_a.so"));
  CHECK_THROWS_WITH(r.require("twin", LB_KIND_LOSS),
                    Catch::Contains("twin_a.so") && Catch::Contains("twin_b.so"));
}

TEST_CASE("a folder of mixed fixtures: good plugins still load", "[registry]") {
  Registry r;
  r.add_directory(fixture_dir());
  CHECK(r.find("fixture_half_mse") != nullptr);
  CHECK(r.find("fixture_plain_gd") != nullptr);
  CHECK(r.find("nan_loss") != nullptr);
  CHECK(r.failures().size() >= 7);
  r.add_directory(std::string(fixture_dir()) + "/nope");
  CHECK_THAT(r.failures().back().message(),
             Catch::Contains("nope: plugin directory does not exist"));
}

TEST_CASE("descriptors are read at the size the library declares, larger or smaller",
          "[registry]") {
  // Larger: two optimizers whose lb_plugin carries appended fields. Read at the host's own
  // sizeof, the second descriptor started inside the first one's appended fields.
  Registry r;
  REQUIRE(r.add_file(fixture("wide_plugins")) == 2);
  CHECK(r.failures().empty());
  auto second = r.require("wide_half_sgd", LB_KIND_OPTIMIZER);
  CHECK(second->description == "SGD at half the learning rate, second in the array");
  OptimizerInstance opt(second, {}, 2);
  double params[2] = {1, 1}, grads[2] = {1, -2};
  REQUIRE(opt.step(params, grads, 2, 0.5, 1));
  CHECK(params[0] == 0.75);
  CHECK(params[1] == 1.5);
  CHECK(r.require("wide_sgd", LB_KIND_OPTIMIZER)->description ==
        "plain SGD, from a library with grown descriptors");
  // Smaller than ABI 1.0's descriptor: refused with both sizes, nothing read past its end.
  Registry n;
  CHECK(n.add_file(fixture("narrow_plugin")) == 0);
  REQUIRE(n.failures().size() == 1);
  CHECK_THAT(
      n.failures()[0].message(),
      Catch::Contains("plugin #0: descriptor of " + std::to_string(offsetof(lb_plugin, destroy)) +
                      " bytes, expected at least " + std::to_string(sizeof(lb_plugin))));
  // A size that would misalign the next descriptor.
  Registry o;
  CHECK(o.add_file(fixture("odd_stride")) == 0);
  REQUIRE(o.failures().size() == 1);
  CHECK_THAT(o.failures()[0].message(),
             Catch::Contains("descriptor of " + std::to_string(sizeof(lb_plugin) + 4) +
                             " bytes, not a multiple of " + std::to_string(alignof(lb_plugin))));
}

TEST_CASE("a throwing create becomes an error carrying its message", "[registry]") {
  Registry r;
  r.add_file(fixture("throwing_create"));
  auto p = r.require("throwing_create", LB_KIND_LOSS);
  CHECK_THROWS_WITH(LossInstance(p, {}, LB_TASK_REGRESSION, 4, 1),
                    Catch::Contains("create failed: deliberate failure in create"));
}

TEST_CASE("instances keep their library loaded and validate hyperparameters", "[registry]") {
  std::unique_ptr<LossInstance> loss;
  {
    Registry r;
    r.add_file(fixture("two_plugins"));
    auto p = r.require("fixture_half_mse", LB_KIND_LOSS);
    CHECK_THROWS_WITH(LossInstance(p, {11.0}, LB_TASK_REGRESSION, 4, 1),
                      Catch::Contains("scale = 11 is outside its range [0, 10]"));
    CHECK_THROWS_WITH(LossInstance(p, {1.0}, LB_TASK_BINARY, 4, 1),
                      Catch::Contains("does not support binary"));
    loss = std::make_unique<LossInstance>(p, std::vector<double>{2.0}, LB_TASK_REGRESSION, 4, 1);
  }  // the registry is gone; the instance still holds the library
  double pred[2] = {3, 1}, target[2] = {1, 1}, grad[2], value = 0;
  REQUIRE(loss->evaluate(pred, target, 2, 1, &value, grad));
  CHECK(value == Approx(2.0));  // 0.5 * 2 * (4 + 0) / 2
  CHECK(grad[0] == Approx(2.0));
  CHECK_FALSE(loss->evaluate(pred, target, 5, 1, &value, grad));  // more rows than created for
  CHECK_THAT(loss->error(), Catch::Contains("exceeds the created shape 4x1"));
}

TEST_CASE("a library that crashes or exits while loading is one failure, not the end",
          "[registry]") {
  Registry r;
  r.add_directory(load_fixture_dir());
  r.add_directory(plugin_dir());
  CHECK(r.of_kind(LB_KIND_LOSS).size() == builtin_sources("losses"));
  REQUIRE(r.failures().size() == 3);
  CHECK_THAT(r.failures()[0].message(),
             Catch::EndsWith("abort_on_load.so: crashed while loading (SIGABRT)"));
  CHECK_THAT(r.failures()[1].message(),
             Catch::EndsWith("exit_on_load.so: exited while loading (status 0)"));
  CHECK_THAT(r.failures()[2].message(),
             Catch::EndsWith("segv_on_load.so: crashed while loading (SIGSEGV)"));
}

TEST_CASE("the load probe names the file its child died on and goes on after it", "[registry]") {
  using namespace std::chrono_literals;
  const std::vector<std::string> files = {"fine", "segv", "exit", "throw", "hang", "fine too"};
  auto load = [](const std::string& f) {
    if (f == "segv") std::raise(SIGSEGV);
    if (f == "exit") std::exit(3);
    if (f == "throw") throw std::runtime_error("the real load reports this");
    if (f == "hang") std::this_thread::sleep_for(1h);
  };
  const auto why = probe_in_child(files, load, 300ms);
  REQUIRE(why.size() == 6);
  for (const auto& w : why) REQUIRE(w.has_value());  // every file was probed
  CHECK(std::vector<std::string>{*why[0], *why[1], *why[2], *why[3], *why[4], *why[5]} ==
        std::vector<std::string>{"", "crashed while loading (SIGSEGV)",
                                 "exited while loading (status 3)", "",
                                 "hung while loading (no answer after 0.3 s)", ""});
}
