// `lossbench new loss|optimizer NAME [DIR]`: a plugin project that builds, passes `check` and
// runs against the built-ins as written, so that an author starts from working code.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "plugins/registry.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace lossbench::cli {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

// @NAME@, @CLASS@, @KIND@, @PREFIX@ and @LOSSBENCH@ are filled in by cmd_new.
constexpr const char* kCMakeLists =
    R"T(# The lossbench @KIND@ @NAME@, built out of tree against the lossbench SDK:
#   cmake -B build && cmake --build build --target check
cmake_minimum_required(VERSION 3.18)
project(@NAME@ CXX)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release)
endif()

# CMAKE_PREFIX_PATH first, then the prefix of the lossbench that generated this project.
find_package(lossbench_sdk REQUIRED PATHS "@PREFIX@")
lossbench_add_plugin(@NAME@ @NAME@.cpp)

# check: lossbench's conformance kit on the built plugin; -DLOSSBENCH=PATH for another lossbench.
set(LOSSBENCH "@LOSSBENCH@" CACHE FILEPATH "the lossbench that checks the plugin")
add_custom_target(check COMMAND "${LOSSBENCH}" check $<TARGET_FILE:@NAME@> VERBATIM)
add_dependencies(check @NAME@)
)T";

constexpr const char* kLossSource =
    R"T(// @NAME@, a lossbench loss. As generated it is the squared error (the built-in mse): a working
// start. Put your loss and its gradient in evaluate(); `cmake --build build --target check`
// compares the two by finite differences.
//   L = 1/N sum (p - y)^2          dL/dp = 2 (p - y) / N          (N = rows x cols)
#include <lossbench/sdk.hpp>

class @CLASS@ final : public lossbench::Loss {
 public:
  // Once per trial: read hyperparameters here (p["name"]) and allocate any scratch (setup gives
  // the largest batch and the number of output columns), since evaluate() must not allocate.
  @CLASS@(const lossbench::Params&, const lossbench::LossSetup&) {}

  // pred: rows x cols, row-major. target: the same shape for regression, or rows x 1 class
  // indices (binary: 0/1 against one logit column; multiclass: 0..K-1 against K columns).
  double evaluate(lossbench::ConstMatrixView pred, lossbench::ConstMatrixView target,
                  lossbench::MatrixView grad) override {
    const double n = double(pred.size());
    grad = (pred - target) * (2.0 / n);        // your dL/dpred
    return (pred - target).squaredNorm() / n;  // your L
  }
};

// The tasks it fits (kRegression, kBinary, kMulticlass, kClassification), then any
// hyperparameters: {"name", default, min, max, "what it does"}, ...
LOSSBENCH_LOSS(@CLASS@, "@NAME@", "squared error (the lossbench new template)",
               lossbench::kRegression)
)T";

constexpr const char* kOptimizerSource =
    R"T(// @NAME@, a lossbench optimizer. As generated it is plain SGD with weight decay: a working start.
// Put your update in step(); `cmake --build build --target check` tests that a zero gradient is
// a fixed point and that some learning rate descends a convex quadratic.
//   g = grad + weight_decay x          x = x - lr g
#include <lossbench/sdk.hpp>

class @CLASS@ final : public lossbench::Optimizer {
 public:
  // Once per trial, for a model of n parameters: read hyperparameters and size every state
  // vector here, since step() must not allocate.
  @CLASS@(const lossbench::Params& p, lossbench::Index n)
      : weight_decay_(p["weight_decay"]), g_(n) {}

  // x: all the model's parameters as one vector, updated in place; grad: dL/dx on this
  // minibatch; t counts steps from 1 (for bias corrections).
  void step(lossbench::VectorView x, lossbench::ConstVectorView grad, double lr,
            uint64_t /*t*/) override {
    g_ = grad + weight_decay_ * x;
    x -= lr * g_;
  }

 private:
  const double weight_decay_;
  Eigen::VectorXd g_;
};

// Hyperparameters: {"name", default, min, max, "what it does"}, ...
LOSSBENCH_OPTIMIZER(@CLASS@, "@NAME@", "plain SGD (the lossbench new template)",
                    {"weight_decay", 0.0, 0.0, 10.0, "L2 penalty added to the gradient"})
)T";

constexpr const char* kLossSweep =
    R"T(# @NAME@ against the built-in regression losses on real data (diabetes) and on data with 10%
# gross outliers, where the robust losses (mae, huber) beat mse. From this folder, once built:
#   lossbench run --config @NAME@.ini --plugin-dir build
# then lossbench top results/@NAME@.db, and lossbench rank results/@NAME@.db --by loss.
# A classification loss: change the datasets (iris, breast_cancer, moons) and the losses (auto).
datasets = diabetes, linear(n=600,d=8,noise=0.3,outliers=0.1)
models = linear; mlp(hidden=32,activation=tanh)
losses = @NAME@, mse, mae, huber
optimizers = sgd, adam
lr = 0.01, 0.1
seeds = 0, 1, 2
epochs = 20
)T";

constexpr const char* kOptimizerSweep =
    R"T(# @NAME@ against SGD and Adam, on regression (diabetes) and multiclass data (iris), with a
# linear model and an MLP, over a grid of learning rates. From this folder, once built:
#   lossbench run --config @NAME@.ini --plugin-dir build
# then lossbench top results/@NAME@.db, and lossbench rank results/@NAME@.db --by optimizer.
datasets = diabetes, iris
models = linear; mlp(hidden=32,activation=tanh)
losses = mse, cross_entropy
optimizers = @NAME@, sgd, adam
lr = 0.001, 0.01, 0.1
seeds = 0, 1, 2
epochs = 20
)T";

constexpr const char* kReadme = R"T(# @NAME@

A lossbench @KIND@, generated by `lossbench new @KIND@ @NAME@`: the math is in `@NAME@.cpp`.

```sh
cmake -B build && cmake --build build --target check    # build, then the conformance kit
lossbench run --config @NAME@.ini --plugin-dir build     # against the built-ins
lossbench top results/@NAME@.db                          # the leaderboard
```

`lossbench` is @LOSSBENCH@. `cmake -B build` finds the SDK installed beside it; for another,
add `-DCMAKE_PREFIX_PATH=PREFIX` (and `-DLOSSBENCH=PATH` for the lossbench `check` runs).
`@NAME@.ini` is the sweep: edit its datasets, models and grids. The rules a plugin keeps and
what `check` verifies: `sdk/README.md` in the lossbench sources.
)T";

// A path inside a CMake quoted argument.
std::string cmake_quoted(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"' || c == '$') out += '\\';
    out += c;
  }
  return out;
}

// my_loss -> MyLoss: the template's class name (a name may start with a digit, a class not).
std::string class_name(const std::string& name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? char(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out.empty() || std::isdigit(static_cast<unsigned char>(out[0])) ? "Plugin" + out : out;
}

void check_name(const std::string& kind, const std::string& name) {
  const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!valid)
    throw po::error("name '" + name + "' must match [a-z0-9_]+ (lowercase letters, digits, _)");
  // Names are unique among all loaded plugins: a clash would make the new one unusable.
  const Registry reg = load_plugins({});
  for (const auto& p : reg.plugins())
    if (p->name == name)
      throw po::error("name '" + name + "' is taken by the " + kind_name(p->kind) + " in " +
                      p->path + "; choose another for your " + kind);
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

int cmd_new(const std::vector<std::string>& args) {
  po::options_description desc(
      "lossbench new loss|optimizer NAME [DIR]\n"
      "Writes a plugin project into DIR (default ./NAME, which must not exist or be empty):\n"
      "CMakeLists.txt (a 'check' target runs the conformance kit), NAME.cpp (a working template:\n"
      "squared error, or plain SGD), NAME.ini (a sweep against the built-ins) and README.md.\n"
      "NAME: [a-z0-9_]+, not the name of a plugin lossbench loads already");
  std::vector<std::string> words;
  desc.add_options()("help,h", "show this help")("arg", po::value(&words)->composing(),
                                                 "loss|optimizer NAME [DIR] (positional)");
  po::variables_map vm;
  parse_or_throw(args, desc, {"arg"}, vm);
  if (vm.count("help") || words.empty()) {
    std::cout << desc;
    return vm.count("help") ? 0 : 2;
  }
  const std::string kind = words[0];
  if (kind != "loss" && kind != "optimizer")
    throw po::error("'" + kind + "' is not loss or optimizer" +
                    did_you_mean(kind, {"loss", "optimizer"}));
  if (words.size() < 2) throw po::error("no NAME: lossbench new " + kind + " NAME [DIR]");
  if (words.size() > 3) throw po::error("unexpected argument '" + words[3] + "'");
  const std::string name = words[1];
  check_name(kind, name);
  const fs::path dir = words.size() > 2 ? words[2] : name;
  std::error_code ec;
  if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec)))
    throw po::error("DIR '" + dir.string() + "' exists and is not an empty folder");
  if (!fs::create_directories(dir, ec) && ec)
    throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());

  const fs::path exe = executable_dir() / "lossbench";
  auto fill = [&](std::string s) {
    s = replace_all(s, "@NAME@", name);
    s = replace_all(s, "@CLASS@", class_name(name));
    s = replace_all(s, "@KIND@", kind);
    s = replace_all(s, "@PREFIX@", cmake_quoted(executable_dir().parent_path().string()));
    return replace_all(s, "@LOSSBENCH@", cmake_quoted(exe.string()));
  };
  const bool loss = kind == "loss";
  write_file(dir / "CMakeLists.txt", fill(kCMakeLists));
  write_file(dir / (name + ".cpp"), fill(loss ? kLossSource : kOptimizerSource));
  write_file(dir / (name + ".ini"), fill(loss ? kLossSweep : kOptimizerSweep));
  write_file(dir / "README.md", fill(kReadme));
  write_file(dir / ".gitignore", "build/\nresults/\n");
  const std::string cd = shell_quote(dir.string());
  std::cout << "wrote " << kind << " " << name << " into " << dir.string() << "/ (CMakeLists.txt, "
            << name << ".cpp, " << name << ".ini, README.md). Next:\n  cd " << cd
            << " && cmake -B build && cmake --build build --target check\n  " << exe.string()
            << " run --config " << name << ".ini --plugin-dir build\n";
  // A build tree's lossbench has no SDK package beside it: cmake would fail to find one.
  if (!fs::is_directory(executable_dir().parent_path() / "lib" / "cmake" / "lossbench_sdk", ec))
    std::cout << "The SDK is not installed beside " << exe.string()
              << ": install it (make install PREFIX=P) and add -DCMAKE_PREFIX_PATH=P to cmake.\n";
  return 0;
}

}  // namespace lossbench::cli
