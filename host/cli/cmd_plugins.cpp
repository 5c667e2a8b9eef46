// `lossbench plugins` and `lossbench check`.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"
#include "plugins/check.hpp"
#include "plugins/registry.hpp"
#include "util/strings.hpp"

#include <iomanip>
#include <iostream>

namespace lossbench::cli {

namespace po = boost::program_options;

namespace {

// Text padded to a column, with at least one space after it when it is wider.
std::string column(const std::string& text, size_t width) {
  return text + std::string(text.size() < width ? width - text.size() : 1, ' ');
}

void print_plugin(std::ostream& out, const Plugin& p) {
  out << "  " << column(p.name, 16)
      << column(p.is_loss() ? tasks_string(p.tasks) : std::string("-"), 28) << p.description
      << "\n";
  for (const auto& h : p.hyperparams)
    out << "      " << column(h.name + " = " + format_double(h.default_value), 22)
        << column("[" + format_double(h.min_value) + ", " + format_double(h.max_value) + "]", 26)
        << h.doc << "\n";
  out << "      file " << p.path << "  sha256 " << p.sha256.substr(0, 16) << "  ABI " << p.abi_major
      << "." << p.abi_minor << "\n";
}

// One row per plugin, losses first, for --format csv|json. Hyperparameters as one text field,
// "name=default[min,max]" separated by spaces (json replaces it by an array of objects).
Table plugin_table(const std::vector<std::shared_ptr<const Plugin>>& plugins) {
  Table t{{"name", "kind", "tasks", "description", "hyperparameters", "path", "sha256", "abi"}, {}};
  for (const auto& p : plugins) {
    std::vector<std::string> hps;
    for (const auto& h : p->hyperparams)
      hps.push_back(h.name + "=" + format_double(h.default_value) + "[" +
                    format_double(h.min_value) + "," + format_double(h.max_value) + "]");
    t.rows.push_back({Cell::of(p->name), Cell::of(std::string(kind_name(p->kind))),
                      p->is_loss() ? Cell::of(tasks_string(p->tasks)) : Cell::null(),
                      Cell::of(p->description), Cell::of(join(hps, " ")), Cell::of(p->path),
                      Cell::of(p->sha256),
                      Cell::of(std::to_string(p->abi_major) + "." + std::to_string(p->abi_minor))});
  }
  return t;
}

// [{"name", "default", "min", "max", "doc"}, ...]; an infinite bound is null.
std::string hyperparams_json(const Plugin& p) {
  std::string s = "[";
  for (const auto& h : p.hyperparams)
    s += (s.size() > 1 ? ", " : "") +
         json_object({"name", "default", "min", "max", "doc"},
                     {Cell::of(h.name), Cell::of(h.default_value), Cell::of(h.min_value),
                      Cell::of(h.max_value), Cell::of(h.doc)});
  return s + "]";
}

}  // namespace

int cmd_plugins(const std::vector<std::string>& args) {
  po::options_description desc(
      "lossbench plugins [options]\n"
      "Every loaded plugin, and every file that failed to load (then the exit code is 1).\n"
      "--format csv: one row per plugin, losses first:\n"
      "  name,kind,tasks,description,hyperparameters,path,sha256,abi\n"
      "  kind: loss or optimizer; tasks: e.g. regression,binary (empty for an optimizer);\n"
      "  hyperparameters: name=default[min,max] separated by spaces\n"
      "--format json: an array of these rows as objects, one per line; tasks is null for an\n"
      "  optimizer, hyperparameters an array [{\"name\", \"default\", \"min\", \"max\", \"doc\"}, "
      "...]\n"
      "  (an unbounded min or max is null)\n"
      "With csv and json, load failures go to stderr, one line each.\n"
      "options");
  std::vector<std::string> dirs;
  Format format = Format::Table;
  desc.add_options()("help,h", "show this help")("plugin-dir", po::value(&dirs)->composing(),
                                                 "also load plugins from DIR (repeatable)");
  add_format_option(desc, &format);
  po::variables_map vm;
  parse_or_throw(args, desc, {}, vm);
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  Registry reg = load_plugins(dirs);
  if (format != Format::Table) {
    std::vector<std::shared_ptr<const Plugin>> all;
    for (lb_kind kind : {LB_KIND_LOSS, LB_KIND_OPTIMIZER})
      for (const auto& p : reg.of_kind(kind)) all.push_back(p);
    const Table t = plugin_table(all);
    if (format == Format::Csv) {
      write_table(std::cout, t, format);
    } else {
      // The rows of the csv, with the hyperparameters as an array instead of the text field.
      std::vector<std::string> objects;
      for (size_t i = 0; i < all.size(); ++i) {
        std::vector<std::pair<std::string, std::string>> members;
        for (size_t c = 0; c < t.columns.size(); ++c)
          members.emplace_back(t.columns[c], t.columns[c] == "hyperparameters"
                                                 ? hyperparams_json(*all[i])
                                                 : json_value(t.rows[i][c]));
        objects.push_back(json_object(members));
      }
      std::cout << json_array(objects) << "\n";
    }
    for (const auto& f : reg.failures())
      std::cerr << "lossbench plugins: failed to load " << f.message() << "\n";
    return reg.failures().empty() ? 0 : 1;
  }
  for (lb_kind kind : {LB_KIND_LOSS, LB_KIND_OPTIMIZER}) {
    auto ps = reg.of_kind(kind);
    std::cout << (kind == LB_KIND_LOSS ? "losses" : "optimizers") << " (" << ps.size() << ")\n";
    if (kind == LB_KIND_LOSS)
      std::cout << "  " << std::left << std::setw(16) << "name" << std::setw(28) << "tasks"
                << "description\n";
    for (const auto& p : ps) print_plugin(std::cout, *p);
    if (kind == LB_KIND_LOSS)
      std::cout
          << "  Regression losses see targets standardized by the training rows' mean and sd, "
             "so a\n  scale hyperparameter (huber's delta) is in units of that sd: "
             "'lossbench dataset SPEC'\n  shows it, and SPEC?standardize_target=0 keeps "
             "the target's own units.\n";
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
      if (!p) {  // check takes losses and optimizers: suggest among both
        try {
          reg.require(t, LB_KIND_LOSS);  // says so when two files provide the name
        } catch (const PluginError& e) {
          if (std::string(e.what()).find("provided by both") != std::string::npos) throw;
        }
        std::vector<std::string> names = reg.names(LB_KIND_LOSS),
                                 more = reg.names(LB_KIND_OPTIMIZER);
        names.insert(names.end(), more.begin(), more.end());
        throw std::invalid_argument("unknown plugin '" + t + "'" + did_you_mean(t, names) +
                                    "; 'lossbench plugins' lists the losses and optimizers");
      }
      todo.push_back(p);
    }
    for (const auto& p : todo) {
      auto r = check_plugin(p);
      results.insert(results.end(), r.begin(), r.end());
    }
  }
  return print_check_table(std::cout, results) == 0 ? 0 : 1;
}

}  // namespace lossbench::cli
