// `lossbench run` options -> RunArgs: the command line and the INI sweep file, merged (the command
// line wins), checked, and turned into a SweepSpec plus the run's own settings.
#include "cli/run_args.hpp"

#include "cli/manifest.hpp"
#include "cli/options.hpp"
#include "sweep/metrics.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

namespace lossbench::cli {

namespace po = boost::program_options;

namespace {

std::vector<std::string> list(const std::string& key, const std::string& v) {
  auto parts = split(v, ',');
  for (const auto& p : parts)
    if (p.empty()) throw po::error("option '" + key + "': empty item in '" + v + "'");
  return parts;
}

double number(const std::string& key, const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end || !std::isfinite(v))
    throw po::error(
        "option '" + key + "': '" + s + "' is " +
        (!s.empty() && !*end && std::isinf(v) && s.find_first_of("iI") == std::string::npos
             ? "out of the range of a double"
             : "not a number"));
  return v;
}

constexpr int kMaxInt = 1000000000;

int positive_int(const std::string& key, const std::string& s, int min = 1, int max = kMaxInt) {
  const double v = number(key, s);
  if (v != std::floor(v) || v < min || v > max)
    throw po::error("option '" + key + "': '" + s + "' must be an integer from " +
                    std::to_string(min) + " to " + std::to_string(max));
  return int(v);
}

// Repeated values of an axis would train the same trial twice into one row: each runs once, and
// the user hears of it.
template <class T, class Same>
std::vector<T> unique_values(const std::string& key, std::vector<T> v,
                             const std::vector<std::string>& text, Same same,
                             std::vector<std::string>& notes) {
  std::vector<T> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::none_of(out.begin(), out.end(), [&](const T& x) { return same(x, v[i]); }))
      out.push_back(v[i]);
    else
      notes.push_back("note: option '" + key + "' lists '" + text[i] +
                      "' more than once; it runs once");
  }
  return out;
}

std::vector<std::string> unique_texts(const std::string& key, const std::vector<std::string>& v,
                                      std::vector<std::string>& notes) {
  return unique_values(key, v, v, std::equal_to<std::string>(), notes);
}

// The INI file as text for Boost's parser, after what it cannot see or say: a UTF-8 byte order
// mark (editors on Windows write one; it would become part of the first key), `;` comments (Boost
// knows only `#`), a malformed line (Boost names no line) and a key given twice in one section
// (Boost keeps the last, silently). Line numbers stay those of the file.
std::string read_sweep_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw po::error("--config " + path + ": cannot open");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  std::map<std::string, int> seen;  // "section.key" -> line
  std::string section, out;
  std::istringstream lines(text);
  int n = 0;
  for (std::string line; std::getline(lines, line);) {
    ++n;
    const std::string at = path + ":" + std::to_string(n) + ": ";
    const std::string t = trim(line.substr(0, line.find('#')));
    if (t.empty() || t.front() == ';') {
      out += "\n";
      continue;
    }
    out += t + "\n";
    if (t.front() == '[') {
      if (t.back() != ']') throw po::error(at + "'" + t + "' is not a [section]");
      section = trim(t.substr(1, t.size() - 2));
      continue;
    }
    const auto eq = t.find('=');
    if (eq == std::string::npos || trim(t.substr(0, eq)).empty())
      throw po::error(at + "'" + t + "' is not key = value, a [section] or a comment");
    const std::string key = (section.empty() ? "" : section + ".") + trim(t.substr(0, eq));
    auto [it, fresh] = seen.emplace(key, n);
    if (!fresh)
      throw po::error(at + "'" + key + "' is already set on line " + std::to_string(it->second) +
                      " (list the values once: key = a, b)");
  }
  return out;
}

po::options_description sweep_options() {
  po::options_description d("sweep (command line or INI file; the command line wins)");
  d.add_options()("datasets", po::value<std::string>(),
                  "datasets: built-ins, csv:PATH, libsvm:PATH, generators (text in double quotes "
                  "is taken as it is: csv:\"/a,b (1).csv\")")(
      "models", po::value<std::string>()->default_value("linear"),
      "models: linear; mlp(hidden=64x64,activation=relu)")(
      "losses", po::value<std::string>()->default_value("auto"),
      "loss plugins, or auto: every loss fitting each task")(
      "optimizers", po::value<std::string>()->default_value("sgd,adam"), "optimizer plugins")(
      "lr", po::value<std::string>()->default_value("0.01"), "learning rates")(
      "seeds", po::value<std::string>()->default_value("0"),
      "seeds (init and minibatch order): integers 0 to 2^63-1")(
      "split", po::value<std::string>()->default_value("0.6,0.2,0.2"),
      "train,val,test fractions of each dataset's rows (stratified for classification)")(
      "split_seed", po::value<std::string>()->default_value("0"),
      "split seeds: each deals the rows anew, a replicate like a seed")(
      "epochs", po::value<std::string>()->default_value("20"), "epochs per trial")(
      "batch_size", po::value<std::string>()->default_value("32"), "minibatch size")(
      "schedule", po::value<std::string>()->default_value("constant"),
      "LR schedule: constant, step, cosine")("warmup", po::value<std::string>()->default_value("0"),
                                             "linear LR warmup, in epochs")(
      "step_every", po::value<std::string>()->default_value("10"),
      "step schedule: epochs between decays")(
      "gamma", po::value<std::string>()->default_value("0.1"), "step schedule: decay factor")(
      "eval_every", po::value<std::string>()->default_value("1"),
      "epochs between evaluation points")("metric", po::value<std::string>()->default_value(""),
                                          ("primary metric, one of " + join(metric_names(), ", ") +
                                           " (default rmse / accuracy; f1_pos on binary data only)")
                                              .c_str())(
      "target", po::value<std::string>()->default_value(""),
      "a value of the metric: epochs and time to reach it are recorded")(
      "time_budget", po::value<std::string>()->default_value("0"),
      "seconds per trial before it is stopped (0: none)")(
      "divergence_factor", po::value<std::string>()->default_value("1000"),
      "train loss above this times its start: diverged")(
      "threads", po::value<std::string>()->default_value("0"),
      "trials in parallel (0: all cores; more than 4 per core are capped)")(
      "db", po::value<std::string>(), "SQLite results database (default results/<config name>.db)");
  return d;
}

// The options of `lossbench run`: what --help shows, and the internal ones the supervisor passes
// to its worker.
struct RunOptionsDesc {
  po::options_description general{"lossbench run [--config FILE] [options]"},
      sweep = sweep_options(), internal, all, visible;
  RunOptionsDesc() {
    general.add_options()("help,h", "show this help")("config", po::value<std::string>(),
                                                      "INI sweep file (see sweeps/)")(
        "dry-run",
        "print the axes, the number of trials and an estimate of the time for those left to run "
        "(from finished trials of the same dataset and model); run nothing")(
        "force", "re-run trials the database already holds")(
        "retry", po::value<std::string>(),
        "re-run finished trials of these statuses: crashed,timeout,failed (any)")(
        "quiet", "no progress line, and no leaderboard at the end: the summary line only")(
        "shard", po::value<std::string>(),
        "I/N: run only the trials whose config_hash (first 64 bits) mod N is I, for one task of "
        "many (each into its own --db; lossbench merge joins them)")(
        "manifest", po::value<std::string>(),
        "DIR/manifest.json from lossbench slurm: its sweep, checked against this build (plugins, "
        "datasets, host version) before training")(
        "plugin-dir", po::value<std::vector<std::string>>()->composing(),
        "also load plugins from DIR (repeatable)")(
        "no-isolation",
        "train in this process instead of a supervised worker (a crashing plugin then ends the "
        "run)")(
        "max-memory", po::value<std::string>(),
        "address-space cap of the training process, at least 256M, e.g. 4G (default: 75% of "
        "RAM; 0: none)")("max-retries", po::value<std::string>()->default_value("1"),
                         "times a trial that crashes alone is re-run")(
        "hang-timeout", po::value<std::string>(),
        "seconds a trial may go without finishing an epoch before the worker is killed as hung "
        "(default: "
        "2 x time_budget + 30, or 1800)");
    internal.add_options()("internal-worker-fd", po::value<int>())(
        "internal-solo", po::value<std::string>())("internal-max-memory", po::value<std::string>())(
        "internal-sweep-id", po::value<int64_t>());
    all.add(general).add(sweep).add(internal);
    visible.add(general).add(sweep);
  }
};

using HyperparamAxes =
    std::map<std::string, std::vector<double>>;  // "optimizer.adam.beta2" -> values

// One hyperparameter axis, from the command line or an INI section; anything else unregistered
// is an unknown option.
void take_hyperparam(const po::basic_option<char>& o, HyperparamAxes& into,
                     const std::string& where, const po::options_description& visible) {
  const std::string& key = o.string_key;
  const bool section = key.rfind("loss.", 0) == 0 || key.rfind("optimizer.", 0) == 0;
  if (!where.empty() && visible.find_nothrow(key, false))
    throw po::error(where + "'" + key +
                    "' is a command-line option, not a sweep file key (give --" + key +
                    " on the command line)");
  if (!section || std::count(key.begin(), key.end(), '.') != 2) {
    std::vector<std::string> names;
    for (const auto& opt : visible.options()) names.push_back(opt->long_name());
    throw po::error(where + "unknown option '" + key + "'" + did_you_mean(key, names) +
                    " (hyperparameters go in sections like [optimizer.adam])");
  }
  std::vector<double> values;
  for (const auto& v : o.value)
    for (const auto& item : list(key, v)) values.push_back(number(key, item));
  into[key] = values;
}

// Hyperparameter axes (--loss.NAME.HP V, --optimizer.NAME.HP=V) are taken out of the command line
// first: the parser cannot know that an option it has never heard of takes a value. Returns the
// other arguments.
std::vector<std::string> take_hyperparam_args(const std::vector<std::string>& args,
                                              HyperparamAxes& into,
                                              const po::options_description& visible) {
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--loss.", 0) != 0 && a.rfind("--optimizer.", 0) != 0) {
      rest.push_back(a);
      continue;
    }
    po::basic_option<char> o;
    const auto eq = a.find('=');
    o.string_key = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (eq != std::string::npos)
      o.value.push_back(a.substr(eq + 1));
    else if (i + 1 < args.size())
      o.value.push_back(args[++i]);
    else
      throw po::error("option '" + o.string_key + "' needs a value");
    take_hyperparam(o, into, "", visible);
  }
  return rest;
}

// The INI file's keys under the command line's (stored first, so they win), and its sections'
// hyperparameter axes into `into`.
void merge_sweep_file(const std::string& path, const RunOptionsDesc& d, po::variables_map& vm,
                      HyperparamAxes& into) {
  std::istringstream in(read_sweep_file(path));
  auto ini = po::parse_config_file(in, d.sweep, true);
  for (const auto& o : ini.options)
    if (o.unregistered) take_hyperparam(o, into, path + ": ", d.visible);
  po::store(ini, vm);
}

std::string value_of(const po::variables_map& vm, const char* k) {
  return vm.count(k) ? vm[k].as<std::string>() : std::string();
}

// The axes of the matrix; a value repeated in one runs once, with a note.
void set_axes(const po::variables_map& vm, const HyperparamAxes& hp, RunArgs& ra) {
  auto get = [&](const char* k) { return value_of(vm, k); };
  SweepSpec& s = ra.spec;
  auto& notes = ra.notes;
  if (get("datasets").empty())
    throw po::error("no datasets: give --datasets or a --config file that sets them");
  s.datasets = unique_texts("datasets", top_level_list("datasets", get("datasets")), notes);
  s.models = unique_texts("models", top_level_list("models", get("models")), notes);
  s.losses = unique_texts("losses", list("losses", get("losses")), notes);
  s.optimizers = unique_texts("optimizers", list("optimizers", get("optimizers")), notes);
  const auto lr_text = list("lr", get("lr"));
  std::vector<double> lrs;
  for (const auto& x : lr_text) {
    const double v = number("lr", x);
    if (!(v > 0)) throw po::error("option 'lr': " + x + " must be > 0");
    lrs.push_back(v);
  }
  s.lrs = unique_values("lr", lrs, lr_text, std::equal_to<double>(), notes);
  const auto seed_text = list("seeds", get("seeds"));
  std::vector<uint64_t> seeds;
  for (const auto& x : seed_text) seeds.push_back(seed_value("seeds", x));
  s.seeds = unique_values("seeds", seeds, seed_text, std::equal_to<uint64_t>(), notes);
  s.split = split_option(get("split"));
  const auto split_seed_text = list("split_seed", get("split_seed"));
  std::vector<uint64_t> split_seeds;
  for (const auto& x : split_seed_text) split_seeds.push_back(seed_value("split_seed", x));
  s.split_seeds =
      unique_values("split_seed", split_seeds, split_seed_text, std::equal_to<uint64_t>(), notes);
  for (const auto& [key, values] : hp) {
    const auto last = key.rfind('.');
    std::vector<std::string> text;
    for (double v : values) text.push_back(format_double(v));
    s.hyperparams[key.substr(0, last)][key.substr(last + 1)] =
        unique_values(key, values, text, std::equal_to<double>(), notes);
  }
}

// How each trial trains: epochs, batches, schedule, metric, budgets.
void set_training(const po::variables_map& vm, RunArgs& ra) {
  auto get = [&](const char* k) { return value_of(vm, k); };
  SweepSpec& s = ra.spec;
  s.epochs = positive_int("epochs", get("epochs"));
  s.batch_size = positive_int("batch_size", get("batch_size"));
  s.eval_every = positive_int("eval_every", get("eval_every"));
  s.threads = positive_int("threads", get("threads"), 0);
  // More threads than 4 per core buys nothing for CPU-bound training, and each costs a stack:
  // 100000 of them once exhausted the worker's address space.
  const int max_threads = 4 * std::max(1, int(std::thread::hardware_concurrency()));
  if (s.threads > max_threads) {
    ra.notes.push_back("note: option 'threads': " + std::to_string(s.threads) +
                       " is more than 4 per core; using " + std::to_string(max_threads));
    s.threads = max_threads;
  }
  s.schedule.kind = get("schedule");
  if (s.schedule.kind != "constant" && s.schedule.kind != "step" && s.schedule.kind != "cosine")
    throw po::error("option 'schedule': '" + s.schedule.kind + "' is not constant, step or cosine" +
                    did_you_mean(s.schedule.kind, {"constant", "step", "cosine"}));
  s.schedule.warmup_epochs = number("warmup", get("warmup"));
  if (s.schedule.warmup_epochs < 0) throw po::error("option 'warmup': must be >= 0 (epochs)");
  s.schedule.step_every = positive_int("step_every", get("step_every"));
  s.schedule.gamma = number("gamma", get("gamma"));
  if (!(s.schedule.gamma > 0))
    throw po::error("option 'gamma': " + get("gamma") +
                    " must be > 0 (a factor on the learning rate)");
  s.metric = get("metric");
  if (!s.metric.empty() &&
      std::find(metric_names().begin(), metric_names().end(), s.metric) == metric_names().end())
    throw po::error("option 'metric': unknown metric '" + s.metric + "'" +
                    did_you_mean(s.metric, metric_names()));
  if (!get("target").empty()) s.target = number("target", get("target"));
  s.time_budget_s = number("time_budget", get("time_budget"));
  if (s.time_budget_s < 0) throw po::error("option 'time_budget': must be >= 0");
  s.divergence_factor = number("divergence_factor", get("divergence_factor"));
  if (!(s.divergence_factor > 1)) throw po::error("option 'divergence_factor': must be > 1");
}

// Where results go and what this invocation does with trials already there.
void set_run_options(const po::variables_map& vm, RunArgs& ra) {
  auto get = [&](const char* k) { return value_of(vm, k); };
  const std::string stem =
      ra.config.empty() ? "sweep" : std::filesystem::path(ra.config).stem().string();
  ra.spec.db = vm.count("db") ? get("db") : "results/" + stem + ".db";
  // SQLite takes both as a database that vanishes with the connection: a night's results gone.
  if (ra.spec.db.empty() || ra.spec.db == ":memory:" || ra.spec.db.rfind("file:", 0) == 0)
    throw po::error("option 'db': '" + ra.spec.db +
                    "' is not a file path; results must outlive the run");
  if (vm.count("shard")) {
    const std::string v = get("shard");
    const auto slash = v.find('/');
    const auto is_count = [](const std::string& x) {
      return !x.empty() && x.size() <= 9 && std::all_of(x.begin(), x.end(), ::isdigit);
    };
    const std::string i = v.substr(0, slash),
                      n = slash == std::string::npos ? "" : v.substr(slash + 1);
    if (!is_count(i) || !is_count(n) || std::stoul(i) >= std::stoul(n))
      throw po::error("option 'shard': '" + v + "' must be I/N with 0 <= I < N, e.g. 0/4");
    ra.spec.shard = std::stoul(i), ra.spec.shards = std::stoul(n);
  }
  ra.dry_run = vm.count("dry-run") > 0;
  ra.force = vm.count("force") > 0;
  ra.quiet = vm.count("quiet") > 0;
  if (vm.count("plugin-dir")) ra.plugin_dirs = vm["plugin-dir"].as<std::vector<std::string>>();
  if (vm.count("retry"))
    for (const auto& r : list("retry", get("retry"))) {
      if (r != "crashed" && r != "timeout" && r != "failed")
        throw po::error("option 'retry': '" + r + "' is not crashed, timeout or failed" +
                        did_you_mean(r, {"crashed", "timeout", "failed"}));
      ra.retry.insert(r);
    }
}

// The supervised worker: memory cap, retries, hang timeout, and what the supervisor tells it.
void set_isolation(const po::variables_map& vm, RunArgs& ra) {
  auto get = [&](const char* k) { return value_of(vm, k); };
  ra.isolation = vm.count("no-isolation") == 0;
  if (vm.count("internal-worker-fd")) ra.worker_fd = vm["internal-worker-fd"].as<int>();
  if (vm.count("internal-solo")) ra.solo_file = vm["internal-solo"].as<std::string>();
  if (vm.count("internal-sweep-id")) ra.sweep_id = vm["internal-sweep-id"].as<int64_t>();
  try {
    ra.max_memory = vm.count("internal-max-memory") ? parse_size(get("internal-max-memory"))
                    : vm.count("max-memory")        ? parse_size(get("max-memory"))
                                                    : default_memory_cap();
  } catch (const std::invalid_argument& e) {
    throw po::error(std::string("option 'max-memory': ") + e.what());
  }
  // Below this the worker cannot even load its plugins or start its threads, and says so in
  // misleading words ("unknown loss").
  constexpr uint64_t kMinMemory = 256ull << 20;
  if (ra.max_memory > 0 && ra.max_memory < kMinMemory)
    throw po::error("option 'max-memory': '" + get("max-memory") +
                    "' is below 256M, less than lossbench itself needs");
  ra.max_retries = positive_int("max-retries", get("max-retries"), 0);
  ra.hang_timeout = vm.count("hang-timeout")    ? number("hang-timeout", get("hang-timeout"))
                    : ra.spec.time_budget_s > 0 ? 2 * ra.spec.time_budget_s + 30
                                                : 1800;
  if (!(ra.hang_timeout > 0)) throw po::error("option 'hang-timeout': must be > 0");
}

}  // namespace

// Models are separated by ';' because an mlp(...) spec holds commas; datasets likewise split on
// top-level commas only. Text in double quotes is literal and the quotes are dropped, so a path
// may hold ',', ';' and parentheses: csv:"/data/a,b (1).csv"?target=y.
std::vector<std::string> top_level_list(const std::string& key, const std::string& v) {
  std::vector<std::string> out;
  int depth = 0;
  bool quoted = false;
  std::string cur;
  for (char ch : v) {
    if (ch == '"') {
      quoted = !quoted;
      continue;
    }
    if (!quoted && ch == '(') ++depth;
    if (!quoted && ch == ')' && --depth < 0)
      throw po::error("option '" + key + "': unbalanced ')' in '" + v +
                      "' (quote a path that holds one: csv:\"/path/a).csv\")");
    if (!quoted && (ch == ',' || ch == ';') && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += ch;
    }
  }
  if (quoted) throw po::error("option '" + key + "': unclosed '\"' in '" + v + "'");
  if (depth > 0) throw po::error("option '" + key + "': unclosed '(' in '" + v + "'");
  out.push_back(trim(cur));
  for (const auto& p : out)
    if (p.empty()) throw po::error("option '" + key + "': empty item in '" + v + "'");
  return out;
}

// Seeds are stored as SQLite integers (int64) and written into the trial's identity in full.
uint64_t seed_value(const std::string& key, const std::string& s) {
  constexpr uint64_t kMax = uint64_t(INT64_MAX);
  const bool digits = !s.empty() && s.size() <= 19 && std::all_of(s.begin(), s.end(), ::isdigit);
  if (!digits || std::stoull(s) > kMax)
    throw po::error("option '" + key + "': '" + s + "' must be an integer from 0 to " +
                    std::to_string(kMax));
  return std::stoull(s);
}

SplitFractions split_option(const std::string& text) {
  try {
    return parse_split(text);
  } catch (const std::invalid_argument& e) {
    throw po::error("option 'split': " + std::string(e.what()));
  }
}

RunArgs parse_run(const std::vector<std::string>& args, bool& help) {
  const RunOptionsDesc d;
  RunArgs ra;
  HyperparamAxes hp_cli, hp;
  po::variables_map vm;
  store_command_line(take_hyperparam_args(args, hp_cli, d.visible), d.all, d.visible, {}, vm);
  help = vm.count("help") > 0;
  if (help) {
    std::ostringstream text;
    text << d.visible;
    // Boost starts a description of groups with the blank line that separates them.
    std::cout
        << text.str().substr(text.str().find_first_not_of('\n'))
        << "\nHyperparameter axes: [loss.NAME] / [optimizer.NAME] sections in the INI file\n"
           "(e.g. [optimizer.adam] beta2 = 0.99, 0.999) or --optimizer.adam.beta2 0.99,0.999.\n";
    return ra;
  }
  if (vm.count("manifest")) {
    ra.manifest = vm["manifest"].as<std::string>();
    // A task of an array is given the manifest, not the sweep: the manifest names its file.
    if (!vm.count("config")) {
      try {
        ra.config = read_manifest(ra.manifest).config;
      } catch (const std::runtime_error& e) {
        throw po::error(e.what());  // an option's bad value, like any other here
      }
    }
  }
  if (vm.count("config")) ra.config = vm["config"].as<std::string>();
  if (!ra.config.empty()) {
    merge_sweep_file(ra.config, d, vm, hp);
  }
  po::notify(vm);
  for (auto& [k, v] : hp_cli) hp[k] = v;  // the command line wins
  set_axes(vm, hp, ra);
  set_training(vm, ra);
  set_run_options(vm, ra);
  set_isolation(vm, ra);
  return ra;
}

// The command that resumes an interrupted run, as bash reads it. Resuming continues this
// invocation: --force or --retry again would re-run what it finished.
std::string resume_command(const std::vector<std::string>& args) {
  std::string cmd = "lossbench run";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--internal-", 0) == 0) break;
    if (a == "--force" || a.rfind("--retry=", 0) == 0) continue;
    if (a == "--retry") {
      ++i;
      continue;
    }
    cmd += " " + shell_quote(a);
  }
  return cmd;
}

}  // namespace lossbench::cli
