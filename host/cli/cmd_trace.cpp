// `lossbench trace`: one trial, step by step, as JSON a reference implementation can replay
// (docs/trace.md). The axes are run's options, one value each.
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/run_args.hpp"
#include "sweep/trace.hpp"
#include "util/strings.hpp"
#include "util/task.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace lossbench::cli {

namespace po = boost::program_options;

namespace {

std::string json_string(const std::string& s) { return json_value(Cell::of(s)); }

void number(std::string& out, double v) {
  if (std::isfinite(v))
    append_double(out, v);
  else
    out += "null";
}

void row(std::string& out, const double* v, Eigen::Index n) {
  out += '[';
  for (Eigen::Index i = 0; i < n; ++i) {
    if (i) out += ',';
    number(out, v[i]);
  }
  out += ']';
}

void matrix(std::string& out, const RowMatrix& m, const std::string& indent) {
  out += "[";
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    out += r ? ",\n" + indent : "";
    row(out, m.data() + r * m.cols(), m.cols());
  }
  out += "]";
}

void layers(std::string& out, const std::vector<TraceLayer>& ls) {
  out += "[";
  for (size_t l = 0; l < ls.size(); ++l) {
    out += l ? ",\n    " : "\n    ";
    out += "{\"weight\": ";
    matrix(out, ls[l].weight, "      ");
    out += ",\n     \"bias\": ";
    row(out, ls[l].bias.data(), ls[l].bias.size());
    out += "}";
  }
  out += "]";
}

std::string trace_json(const TrialConfig& c, const Trace& t) {
  const Split& s = c.data->split;
  std::string o = "{\"format\": 1,\n \"lossbench\": \"" LOSSBENCH_VERSION "\",\n \"config\": ";
  o += json_string(c.canonical());
  o += ",\n \"data\": {\"dataset\": " + json_string(c.data->data.spec) + ", \"task\": \"" +
       task_name(c.data->data.task) +
       "\", \"n_classes\": " + std::to_string(c.data->data.n_classes) + ",\n  \"X_train\": ";
  matrix(o, s.X_train, "   ");
  o += ",\n  \"y_train\": ";
  row(o, s.y_train.data(), s.y_train.rows());
  o += "},\n \"model\": {\"spec\": " + json_string(c.model.text) + ", \"layers\": [";
  for (size_t l = 0; l < t.init.size(); ++l)
    o += std::string(l ? ", " : "") + "{\"in\": " + std::to_string(t.init[l].in) +
         ", \"out\": " + std::to_string(t.init[l].out) + ", \"activation\": \"" +
         t.init[l].activation + "\"}";
  o += "]},\n \"init\": ";
  layers(o, t.init);
  o += ",\n \"loss\": {\"name\": \"" + c.loss->name + "\", \"params\": " + c.loss_params_json() +
       "},\n \"optimizer\": {\"name\": \"" + c.optimizer->name +
       "\", \"params\": " + c.optimizer_params_json() + "},\n \"lr\": ";
  row(o, t.lr.data(), Eigen::Index(t.lr.size()));
  o += ",\n \"batches\": [";
  for (size_t i = 0; i < t.batches.size(); ++i) {
    o += i ? ",\n  [" : "\n  [";
    for (size_t j = 0; j < t.batches[i].size(); ++j)
      o += (j ? "," : "") + std::to_string(t.batches[i][j]);
    o += "]";
  }
  o += "],\n \"steps\": [";
  for (size_t i = 0; i < t.loss.size(); ++i) {
    o += i ? ",\n  {\"loss\": " : "\n  {\"loss\": ";
    number(o, t.loss[i]);
    o += ", \"grad_norm\": ";
    number(o, t.grad_norm[i]);
    o += "}";
  }
  o += "],\n \"final\": ";
  layers(o, t.final);
  return o + "}\n";
}

// --steps and --out are trace's own; everything else is run's.
std::vector<std::string> take(std::vector<std::string> args, const std::string& name,
                              std::string& value) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--" + name) {
      if (i + 1 == args.size()) throw po::error("option '--" + name + "' needs a value");
      value = args[i + 1];
      args.erase(args.begin() + long(i), args.begin() + long(i) + 2);
      return args;
    }
    if (args[i].rfind("--" + name + "=", 0) == 0) {
      value = args[i].substr(name.size() + 3);
      args.erase(args.begin() + long(i));
      return args;
    }
  }
  return args;
}

}  // namespace

int cmd_trace(const std::vector<std::string>& args_in) {
  std::string steps_text, out;
  auto args = take(take(args_in, "steps", steps_text), "out", out);
  if (std::find(args.begin(), args.end(), "--help") != args.end() ||
      std::find(args.begin(), args.end(), "-h") != args.end() || args.empty()) {
    std::cout << "lossbench trace --datasets D --models M --losses L --optimizers O --lr X "
                 "[--seeds S] [run's options] [--steps N] --out DIR\n\n"
                 "Trains one trial exactly as 'lossbench run' would, for N optimizer steps "
                 "(default: all of\nthem), and writes DIR/trace.json: the standardized training "
                 "rows, the initial weights,\neach step's batch, learning rate, loss and gradient "
                 "norm, and the final weights\n(docs/trace.md). Every axis takes one value. "
                 "tests/trace/replay_torch.py replays a trace in\nPyTorch; replay your own plugin "
                 "against your own reference the same way.\n";
    return args.empty() ? 2 : 0;
  }
  if (out.empty()) throw po::error("option '--out' is required: the folder for trace.json");
  bool help = false;
  RunArgs ra = parse_run(args, help);
  const std::vector<std::pair<const char*, size_t>> axes = {
      {"datasets", ra.spec.datasets.size()},
      {"models", ra.spec.models.size()},
      {"losses", ra.spec.losses.size()},
      {"optimizers", ra.spec.optimizers.size()},
      {"lr", ra.spec.lrs.size()},
      {"seeds", ra.spec.seeds.size()},
      {"split_seed", ra.spec.split_seeds.size()}};
  for (const auto& [name, n] : axes)
    if (n != 1)
      throw po::error("option '" + std::string(name) +
                      "': trace trains one trial, give one value (" + std::to_string(n) +
                      " given)");
  for (const auto& [plugin, hps] : ra.spec.hyperparams)
    for (const auto& [hp, values] : hps)
      if (values.size() != 1)
        throw po::error("option '" + plugin + "." + hp +
                        "': trace trains one trial, give one value (" +
                        std::to_string(values.size()) + " given)");
  Registry reg = load_plugins(ra.plugin_dirs);
  const Plan plan = expand(ra.spec, reg);
  if (plan.trials.size() != 1)
    throw std::invalid_argument("the options give " + std::to_string(plan.trials.size()) +
                                " trials (is the loss '" + ra.spec.losses[0] +
                                "' one that fits the dataset's task?); trace trains exactly one");
  const TrialConfig& c = plan.trials[0];
  const uint64_t all = trial_steps(c);
  uint64_t steps = all;
  if (!steps_text.empty()) {
    double v = 0;
    if (!parse_double(steps_text, v) || v < 1 || v != std::floor(v) || v > double(all))
      throw po::error("option '--steps': '" + steps_text + "' must be an integer from 1 to " +
                      std::to_string(all) + " (the trial's epochs x batches per epoch)");
    steps = uint64_t(v);
  }
  const Trace t = trace_trial(c, steps);
  if (!t.ending.empty())
    throw std::runtime_error("the trial ended after " + std::to_string(t.loss.size()) + " of " +
                             std::to_string(steps) + " steps: " + t.ending);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) throw std::runtime_error("--out " + out + ": cannot create it: " + ec.message());
  const std::string path = (std::filesystem::path(out) / "trace.json").string();
  std::ofstream f(path);
  f << trace_json(c, t);
  f.close();
  if (!f) throw std::runtime_error(path + ": cannot write it");
  std::cout << "traced " << steps << " steps of " << c.loss->name << " + " << c.optimizer->name
            << " on " << c.data->data.spec << " into " << path << "\n";
  return 0;
}

}  // namespace lossbench::cli
