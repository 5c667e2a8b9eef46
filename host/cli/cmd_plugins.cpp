// `lossbench plugins` and `lossbench check`.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "plugins/check.hpp"
#include "plugins/registry.hpp"
#include "util/strings.hpp"

#include <iomanip>
#include <iostream>

namespace lossbench::cli {

namespace po = boost::program_options;

namespace {

void print_plugin(std::ostream& out, const Plugin& p) {
  out << "  " << std::left << std::setw(16) << p.name << std::setw(28)
      << (p.is_loss() ? tasks_string(p.tasks) : std::string("-")) << p.description << "\n";
  for (const auto& h : p.hyperparams)
    out << "      " << std::left << std::setw(22)
        << (h.name + " = " + format_double(h.default_value)) << std::setw(26)
        << ("[" + format_double(h.min_value) + ", " + format_double(h.max_value) + "]") << h.doc
        << "\n";
  out << "      file " << p.path << "  sha256 " << p.sha256.substr(0, 16) << "  ABI " << p.abi_major
      << "." << p.abi_minor << "\n";
}

}  // namespace

int cmd_plugins(const std::vector<std::string>& args) {
  po::options_description desc("lossbench plugins [options]");
  std::vector<std::string> dirs;
  desc.add_options()("help,h", "show this help")("plugin-dir", po::value(&dirs)->composing(),
                                                 "also load plugins from DIR (repeatable)");
  po::variables_map vm;
  parse_or_throw(args, desc, {}, vm);
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  Registry reg = load_plugins(dirs);
  for (lb_kind kind : {LB_KIND_LOSS, LB_KIND_OPTIMIZER}) {
    auto ps = reg.of_kind(kind);
    std::cout << (kind == LB_KIND_LOSS ? "losses" : "optimizers") << " (" << ps.size() << ")\n";
    if (kind == LB_KIND_LOSS)
      std::cout << "  " << std::left << std::setw(16) << "name" << std::setw(28) << "tasks"
                << "description\n";
    for (const auto& p : ps) print_plugin(std::cout, *p);
    std::cout << "\n";
  }
  if (!reg.failures().empty()) {
    std::cout << "failed to load (" << reg.failures().size() << ")\n";
    for (const auto& f : reg.failures()) std::cout << "  " << f.message() << "\n";
    return 1;
  }
  return 0;
}

int cmd_check(const std::vector<std::string>& args) {
  po::options_description desc(
      "lossbench check NAME|PATH [options]\n"
      "Runs the conformance kit: gradients against finite differences, extreme inputs,\n"
      "repeatability and invariances for losses; fixed points, descent and independence of\n"
      "state for optimizers. PATH (a .so file) checks every plugin in that file");
  std::vector<std::string> dirs, targets;
  desc.add_options()("help,h", "show this help")("plugin-dir", po::value(&dirs)->composing(),
                                                 "also load plugins from DIR (repeatable)")(
      "target", po::value(&targets)->composing(), "plugin name or .so path (positional)");
  po::variables_map vm;
  parse_or_throw(args, desc, {"target"}, vm);
  if (vm.count("help") || targets.empty()) {
    std::cout << desc;
    return vm.count("help") ? 0 : 2;
  }
  std::vector<CheckResult> results;
  for (const auto& t : targets) {
    const bool is_file =
        t.find('/') != std::string::npos || (t.size() > 3 && t.substr(t.size() - 3) == ".so");
    std::vector<std::shared_ptr<const Plugin>> todo;
    if (is_file) {
      Registry own;
      own.add_file(t);
      if (!own.failures().empty()) throw std::runtime_error(own.failures().front().message());
      todo = own.plugins();
    } else {
      Registry reg = load_plugins(dirs);
      auto p = reg.find(t);
      todo.push_back(p ? p : reg.require(t, LB_KIND_LOSS));
    }
    for (const auto& p : todo) {
      auto r = check_plugin(p);
      results.insert(results.end(), r.begin(), r.end());
    }
  }
  return print_check_table(std::cout, results) == 0 ? 0 : 1;
}

}  // namespace lossbench::cli
