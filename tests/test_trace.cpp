// A trial in lossbench is a trial in PyTorch: each reference in tests/trace/references is a
// `lossbench trace` replayed by PyTorch (tests/trace/replay_torch.py, float64). Retracing the
// same options here must give PyTorch's loss and gradient norm at every step and its final
// weights, to 1e-9 relative (1e-12 absolute near zero).
#include "cli/run_args.hpp"
#include "sweep/trace.hpp"
#include "test_paths.hpp"
#include "util/strings.hpp"

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

using namespace lossbench;
namespace pt = boost::property_tree;

namespace {

double num(const pt::ptree& t) {
  double v = 0;
  REQUIRE(parse_double(t.data(), v));
  return v;
}

bool close(double got, double want) {
  return std::abs(got - want) <= std::max(1e-12, 1e-9 * std::abs(want));
}

}  // namespace

TEST_CASE("a traced trial equals PyTorch step by step", "[trace]") {
  const std::string dir = std::string(LOSSBENCH_SOURCE_DIR) + "/tests/trace/references";
  size_t cases = 0;
  for (const auto& file : std::filesystem::directory_iterator(dir)) {
    pt::ptree ref;
    pt::read_json(file.path().string(), ref);
    const std::string name = ref.get<std::string>("name");
    INFO("case " << name << " (" << file.path().filename().string() << ")");
    std::vector<std::string> args;
    for (const auto& a : ref.get_child("args")) args.push_back(a.second.data());
    bool help = false;
    const cli::RunArgs ra = cli::parse_run(args, help);
    const Plan plan = expand(ra.spec, test::builtins());
    REQUIRE(plan.trials.size() == 1);
    const auto& steps = ref.get_child("steps");
    const Trace t = trace_trial(plan.trials[0], steps.size());
    REQUIRE(t.ending.empty());
    REQUIRE(t.loss.size() == steps.size());
    // The same trial first: if these differ, the trial changed (its split, batch order or
    // schedule) and the reference must be regenerated (tests/trace/gen_references.sh).
    size_t i = 0;
    for (const auto& batch : ref.get_child("batches")) {
      std::vector<Eigen::Index> rows;
      for (const auto& r : batch.second) rows.push_back(Eigen::Index(num(r.second)));
      REQUIRE(rows == t.batches[i++]);
    }
    i = 0;
    for (const auto& lr : ref.get_child("lr")) REQUIRE(t.lr[i++] == num(lr.second));
    // Then every step and the weights PyTorch ended with.
    i = 0;
    size_t off = 0;
    for (const auto& s : steps) {
      const double loss = num(s.second.get_child("loss")),
                   norm = num(s.second.get_child("grad_norm"));
      if (!close(t.loss[i], loss) || !close(t.grad_norm[i], norm)) {
        ++off;
        UNSCOPED_INFO("step " << i + 1 << ": loss " << format_double(t.loss[i]) << " vs PyTorch "
                              << format_double(loss) << ", gradient norm "
                              << format_double(t.grad_norm[i]) << " vs " << format_double(norm));
      }
      ++i;
    }
    CHECK(off == 0);
    size_t l = 0, weights = 0;
    double worst = 0;
    for (const auto& layer : ref.get_child("final")) {
      REQUIRE(l < t.final.size());
      const TraceLayer& mine = t.final[l++];
      Eigen::Index r = 0;
      for (const auto& row : layer.second.get_child("weight")) {
        Eigen::Index c = 0;
        for (const auto& v : row.second) {
          const double want = num(v.second), got = mine.weight(r, c++);
          worst = std::max(worst, std::abs(got - want) / std::max(1e-3, std::abs(want)));
          weights += !close(got, want);
        }
        ++r;
      }
      Eigen::Index c = 0;
      for (const auto& v : layer.second.get_child("bias"))
        weights += !close(mine.bias[c++], num(v.second));
    }
    CHECK(l == t.final.size());
    INFO("largest difference in a final weight, relative: " << worst);
    CHECK(weights == 0);
    ++cases;
  }
  CHECK(cases >= 6);
}

TEST_CASE("trace stops after the steps asked, across epoch boundaries", "[trace]") {
  bool help = false;
  const cli::RunArgs ra = cli::parse_run(
      {"--datasets", "iris", "--losses", "cross_entropy", "--optimizers", "sgd", "--epochs", "3"},
      help);
  const Plan plan = expand(ra.spec, test::builtins());
  REQUIRE(plan.trials.size() == 1);
  CHECK(trial_steps(plan.trials[0]) == 9);  // 90 training rows in batches of 32: 3 a epoch
  const Trace t = trace_trial(plan.trials[0], 5);
  CHECK(t.loss.size() == 5);
  CHECK(t.ending.empty());
  CHECK(t.batches[3].size() == 32);  // epoch 2's first batch
  CHECK(t.batches[2].size() == 26);  // epoch 1's partial last batch
  CHECK(t.init.size() == 1);
  CHECK(t.final[0].weight.rows() == 3);  // out x in, as nn.Linear keeps it
  CHECK(t.final[0].weight.cols() == 4);
  CHECK((t.final[0].weight - t.init[0].weight).norm() > 0);
}
