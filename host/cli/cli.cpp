#include "cli/cli.hpp"

#include "cli/commands.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

#include <lossbench/abi.h>
#include <boost/program_options.hpp>

#include <csignal>
#include <iostream>

namespace lossbench::cli {

namespace {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"run", "run a sweep: lossbench run --config sweeps/quick.ini (results into SQLite)",
       &cmd_run},
      {"status",
       "summarize a running or finished sweep: lossbench status DB (or a slurm --out DIR)",
       &cmd_status},
      {"slurm", "a sweep as a Slurm job array: lossbench slurm --config F --shards N --out DIR",
       &cmd_slurm},
      {"merge", "join shard databases: lossbench merge A.db B.db ... --into M.db", &cmd_merge},
      {"top", "the leaderboard: each loss and optimizer tuned, with CIs and ties: lossbench top DB",
       &cmd_top},
      {"rank", "which loss (or optimizer) is best across datasets: lossbench rank DB --by loss",
       &cmd_rank},
      {"report", "the sweep as one offline HTML page of charts: lossbench report DB [--out FILE]",
       &cmd_report},
      {"datasets", "list shipped datasets and generators with their parameters", &cmd_datasets},
      {"dataset", "describe a dataset: shape, task, class balance, feature summary", &cmd_dataset},
      {"plugins", "list every loaded plugin (kind, tasks, hyperparameters, file) and every failure",
       &cmd_plugins},
      {"check", "run the conformance kit on a plugin: lossbench check NAME|PATH.so", &cmd_check},
      {"trace", "one trial step by step as JSON, to replay elsewhere (PyTorch): see docs/trace.md",
       &cmd_trace},
      {"new", "a plugin project to start from: lossbench new loss|optimizer NAME [DIR]", &cmd_new},
  };
  return table;
}

std::string compiler() {
#if defined(__clang__)
  return "Clang " __clang_version__;
#elif defined(__GNUC__)
  return "GCC " __VERSION__;
#else
  return "unknown";
#endif
}

void usage(std::ostream& out) {
  out << "usage: lossbench COMMAND [options]\n\n"
         "lossbench benchmarks loss functions and optimizers: it loads loss and optimizer\n"
         "plugins, trains models on datasets and records convergence and accuracy.\n\n"
         "commands:\n";
  for (const auto& c : commands())
    out << "  " << c.name << std::string(10 - std::string(c.name).size(), ' ') << c.summary << "\n";
  out << "\n'lossbench COMMAND --help' shows a command's options.\n"
         "Plugins are searched in the folder beside the executable, in each folder of\n"
         "LOSSBENCH_PLUGIN_PATH (':'-separated) and in each --plugin-dir.\n";
}

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe or a file-size limit must be an error we report (EPIPE, EFBIG from write), not
  // a silent death: with these ignored, the store sees a failed write and says so.
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 2 && args[0] == "help") args = {args[1], "--help"};  // help run = run --help
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    usage(std::cout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "lossbench " << LOSSBENCH_VERSION << "\ncommit      " << LOSSBENCH_GIT_COMMIT
              << "\nplugin ABI  " << LOSSBENCH_ABI_MAJOR << "." << LOSSBENCH_ABI_MINOR
              << "\ncompiler    " << compiler() << "\nbuilt for   " << instruction_set() << "\n";
    return 0;
  }
  const std::string name = args[0];
  args.erase(args.begin());
  std::vector<std::string> names;
  for (const auto& c : commands()) {
    if (name == c.name) {
      try {
        return c.fn(args);
      } catch (const boost::program_options::error& e) {
        std::cerr << "lossbench " << name << ": " << e.what() << " (see 'lossbench " << name
                  << " --help')\n";
        return 2;
      } catch (const std::exception& e) {
        std::cerr << "lossbench " << name << ": " << e.what() << "\n";
        return 1;
      }
    }
    names.push_back(c.name);
  }
  std::cerr << "lossbench: unknown command '" << name << "'" << did_you_mean(name, names)
            << "; 'lossbench --help' lists them\n";
  return 2;
}

}  // namespace lossbench::cli
