#include "oracle_runner.hpp"

#include "model/model.hpp"
#include "util/strings.hpp"

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>

namespace lossbench::test {

namespace pt = boost::property_tree;
namespace fs = std::filesystem;

namespace {

using Oracle = std::function<void(const std::string&)>;

// Every number JSON can hold, subnormals included (std::stod throws on those).
double number(const std::string& text) {
  double v = 0;
  if (!parse_double(text, v)) throw std::runtime_error("not a number: '" + text + "'");
  return v;
}

std::vector<double> numbers(const pt::ptree& t, const std::string& key) {
  std::vector<double> v;
  for (const auto& kv : t.get_child(key)) {
    if (!kv.second.empty()) {  // nested array: flatten row-major
      for (const auto& inner : kv.second) v.push_back(number(inner.second.data()));
    } else {
      v.push_back(number(kv.second.data()));
    }
  }
  return v;
}

std::vector<std::vector<double>> rows_of(const pt::ptree& t, const std::string& key) {
  std::vector<std::vector<double>> out;
  for (const auto& kv : t.get_child(key)) {
    std::vector<double> row;
    for (const auto& inner : kv.second) row.push_back(number(inner.second.data()));
    out.push_back(row);
  }
  return out;
}

// Hyperparameters: the plugin's defaults overridden by the case's "params"; an unknown name
// is an error rather than silently ignored.
std::vector<double> hyperparams(const Plugin& p, const pt::ptree& c) {
  auto hp = p.defaults();
  if (auto params = c.get_child_optional("params"))
    for (const auto& kv : *params) {
      int i = p.hyperparam_index(kv.first);
      if (i < 0) throw std::runtime_error("unknown hyperparameter '" + kv.first + "' of " + p.name);
      hp[i] = number(kv.second.data());
    }
  return hp;
}

struct Comparer {
  std::vector<std::string>& errors;
  std::string where;
  double rel, abs;
  bool ok = true;
  void value(const std::string& what, double got, double want) {
    if (std::abs(got - want) <= abs + rel * std::abs(want)) return;
    ok = false;
    errors.push_back(where + ": " + what + ": got " + format_double(got) + ", PyTorch " +
                     format_double(want));
  }
  void vector(const std::string& what, const double* got, const std::vector<double>& want) {
    for (size_t i = 0; i < want.size() && ok; ++i)
      value(what + "[" + std::to_string(i) + "]", got[i], want[i]);
  }
};

void run_loss_case(const pt::ptree& c, const std::string& where, const Registry& reg,
                   std::vector<std::string>& errors) {
  auto plugin = reg.require(c.get<std::string>("loss"), LB_KIND_LOSS);
  const lb_task task = parse_task(c.get<std::string>("task"));
  const size_t rows = c.get<size_t>("rows"), cols = c.get<size_t>("cols");
  const auto pred = numbers(c, "pred"), target = numbers(c, "target"), grad = numbers(c, "grad");
  if (pred.size() != rows * cols || grad.size() != rows * cols)
    throw std::runtime_error("pred or grad is not rows x cols");
  LossInstance loss(plugin, hyperparams(*plugin, c), task, rows, cols);
  double value = NAN;
  std::vector<double> g(rows * cols, NAN);
  if (!loss.evaluate(pred.data(), target.data(), rows, cols, &value, g.data()))
    throw std::runtime_error(std::string("evaluate failed: ") + loss.error());
  Comparer cmp{errors, where, 1e-9, 1e-12};
  cmp.value("value", value, c.get<double>("value"));
  cmp.vector("grad", g.data(), grad);
}

void run_optimizer_case(const pt::ptree& c, const std::string& where, const Registry& reg,
                        std::vector<std::string>& errors) {
  auto plugin = reg.require(c.get<std::string>("optimizer"), LB_KIND_OPTIMIZER);
  std::vector<double> x = numbers(c, "x0");
  const auto grads = rows_of(c, "grads"), traj = rows_of(c, "trajectory");
  if (grads.size() != traj.size() || grads.empty())
    throw std::runtime_error("grads and trajectory differ in length or are empty");
  OptimizerInstance opt(plugin, hyperparams(*plugin, c), x.size());
  const double lr = c.get<double>("lr");
  Comparer cmp{errors, where, 1e-8, 1e-12};
  for (size_t t = 0; t < grads.size() && cmp.ok; ++t) {
    if (grads[t].size() != x.size()) throw std::runtime_error("gradient of the wrong length");
    if (!opt.step(x.data(), grads[t].data(), x.size(), lr, t + 1))
      throw std::runtime_error(std::string("step failed: ") + opt.error());
    cmp.vector("step " + std::to_string(t + 1) + " x", x.data(), traj[t]);
  }
}

// An MLP case: forward X through the given layers, the loss plugin on the outputs, backward;
// compares the loss and d loss / d (W, b) of every layer.
void run_model_case(const pt::ptree& c, const std::string& where, const Registry& reg,
                    std::vector<std::string>& errors) {
  auto plugin = reg.require(c.get<std::string>("loss"), LB_KIND_LOSS);
  const lb_task task = parse_task(c.get<std::string>("task"));
  const Eigen::Index rows = c.get<Eigen::Index>("rows");
  std::vector<Model::Layer> layers;
  std::vector<double> params;
  for (const auto& kv : c.get_child("layers")) {
    const auto& l = kv.second;
    layers.push_back(
        {l.get<int>("in"), l.get<int>("out"), parse_activation(l.get<std::string>("activation"))});
    for (double v : numbers(l, "W")) params.push_back(v);
    for (double v : numbers(l, "b")) params.push_back(v);
  }
  Model model(layers, rows);
  if (size_t(model.n_params()) != params.size())
    throw std::runtime_error("W/b sizes do not match in/out");
  model.params() = Eigen::Map<Eigen::VectorXd>(params.data(), Eigen::Index(params.size()));
  const auto X = numbers(c, "X"), target = numbers(c, "target");
  const Eigen::Map<const RowMatrix> Xm(X.data(), rows, layers.front().in);
  auto out = model.forward(Xm);
  const size_t cols = size_t(layers.back().out);
  LossInstance loss(plugin, hyperparams(*plugin, c), task, size_t(rows), cols);
  std::vector<double> dout(size_t(rows) * cols);
  double value = NAN;
  if (!loss.evaluate(out.data(), target.data(), size_t(rows), cols, &value, dout.data()))
    throw std::runtime_error(std::string("evaluate failed: ") + loss.error());
  model.backward(dout.data());
  Comparer cmp{errors, where, 1e-8, 1e-12};
  cmp.value("value", value, c.get<double>("value"));
  size_t l = 0, offset = 0;
  for (const auto& kv : c.get_child("grads")) {
    const auto W = numbers(kv.second, "W"), b = numbers(kv.second, "b");
    cmp.vector("layer " + std::to_string(l) + " dW", model.grads().data() + offset, W);
    cmp.vector("layer " + std::to_string(l) + " db", model.grads().data() + offset + W.size(), b);
    offset += W.size() + b.size();
    ++l;
  }
  if (l != layers.size())
    throw std::runtime_error("grads has " + std::to_string(l) + " layers, expected " +
                             std::to_string(layers.size()));
}

}  // namespace

OracleReport run_oracle_dir(const std::string& dir, const Registry& registry) {
  OracleReport report;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  if (ec) report.errors.push_back(dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) report.errors.push_back(dir + ": no *.json case files");

  for (const auto& f : files) {
    ++report.files;
    pt::ptree root;
    try {
      pt::read_json(f.string(), root);
    } catch (const std::exception& e) {
      report.errors.push_back(f.string() + ": " + e.what());
      continue;
    }
    auto cases = root.get_child_optional("cases");
    if (!cases || cases->empty()) {
      report.errors.push_back(f.string() + ": holds no case");
      continue;
    }
    for (const auto& kv : *cases) {
      const pt::ptree& c = kv.second;
      const std::string where =
          f.filename().string() + " case '" + c.get<std::string>("name", "?") + "'";
      ++report.cases;
      if (c.count("optimizer") && !c.count("layers"))
        report.covered.insert(c.get<std::string>("optimizer"));
      if (c.count("loss") && !c.count("layers")) report.covered.insert(c.get<std::string>("loss"));
      try {
        if (c.count("optimizer"))
          run_optimizer_case(c, where, registry, report.errors);
        else if (c.count("layers"))
          run_model_case(c, where, registry, report.errors);
        else if (c.count("loss"))
          run_loss_case(c, where, registry, report.errors);
        else
          throw std::runtime_error("names no loss, optimizer or layers");
      } catch (const std::exception& e) {
        report.errors.push_back(where + ": " + e.what());
      }
    }
  }
  return report;
}

}  // namespace lossbench::test
