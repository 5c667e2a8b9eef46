// `lossbench slurm`: a sweep as a Slurm job array (one shard a task, each into its own database)
// and a merge job after it. Arrays rather than MPI: tasks start as nodes free up, a crashing task
// takes no other with it, and Slurm requeues a task alone; resume-by-config_hash makes a requeued
// task continue where it stopped.
#include "cli/commands.hpp"
#include "cli/manifest.hpp"
#include "cli/options.hpp"
#include "cli/run_args.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace lossbench::cli {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

// A command's standard output, and whether it exited 0.
bool capture(const std::string& cmd, std::string& out) {
  out.clear();
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return false;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  return pclose(p) == 0;
}

// Slurm refuses an array index at or above MaxArraySize (1001 unless the cluster sets it).
uint64_t max_array_size(std::string& source) {
  std::string out;
  source = "Slurm's default";
  if (!capture("scontrol show config", out)) return 1001;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq == std::string::npos || trim(line.substr(0, eq)) != "MaxArraySize") continue;
    double v = 0;
    if (!parse_double(trim(line.substr(eq + 1)), v) || v < 1) break;
    source = "this cluster's MaxArraySize";
    return uint64_t(v);
  }
  return 1001;
}

void write_file(const fs::path& p, const std::string& text, bool executable) {
  std::ofstream out(p);
  out << text;
  if (!out.good()) throw std::runtime_error(p.string() + ": cannot write");
  out.close();
  if (executable)
    fs::permissions(p, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::add);
}

// sbatch --parsable prints "jobid" or "jobid;cluster".
std::string submit(const std::string& cmd) {
  std::string out;
  if (!capture(cmd, out)) {
    std::replace(out.begin(), out.end(), '\n', ' ');  // the error stays one line
    throw std::runtime_error("'" + cmd + "' failed: " + trim(out));
  }
  return trim(out.substr(0, out.find(';')));
}

}  // namespace

int cmd_slurm(const std::vector<std::string>& args) {
  po::options_description desc(
      "lossbench slurm --config F --shards N --out DIR [options]\n"
      "Splits a sweep into a Slurm job array of N shards: writes DIR/manifest.json (the sweep,\n"
      "plugin sha256s, dataset hashes, host version: each task checks them before training),\n"
      "DIR/array.sbatch (task I runs shard I/N into DIR/shard-I.db; --requeue resumes it) and\n"
      "DIR/merge.sbatch (lossbench merge of every shard), and prints the two sbatch commands.\n"
      "options");
  std::string config, out, merged;
  std::vector<std::string> sbatch_args, plugin_dirs;
  int shards = 0, max_parallel = 0, cpus = 1;
  desc.add_options()("help,h", "show this help")("config", po::value(&config), "INI sweep file")(
      "shards", po::value(&shards), "array tasks, each a shard of the sweep")(
      "out", po::value(&out), "folder for the manifest, scripts, shard databases and logs")(
      "db", po::value(&merged), "the merged database (default DIR/merged.db)")(
      "max-parallel", po::value(&max_parallel), "at most K tasks at once (--array=...%K)")(
      "cpus-per-task", po::value(&cpus)->default_value(1), "CPUs (trial threads) per task")(
      "sbatch-arg", po::value(&sbatch_args)->composing(),
      "a line '#SBATCH ARG' in both scripts, e.g. --sbatch-arg=--partition=short (repeatable)")(
      "plugin-dir", po::value(&plugin_dirs)->composing(),
      "also load plugins from DIR, here and in every task (repeatable)")(
      "submit", "run the two sbatch commands (the merge after the array) and print the job ids");
  po::variables_map vm;
  parse_or_throw(args, desc, {}, vm);
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  if (config.empty() || out.empty() || !vm.count("shards"))
    throw po::error("--config, --shards and --out are required (see 'lossbench slurm --help')");
  if (shards < 1) throw po::error("option '--shards': must be at least 1");
  if (vm.count("max-parallel") && max_parallel < 1)
    throw po::error("option '--max-parallel': must be at least 1");
  if (cpus < 1) throw po::error("option '--cpus-per-task': must be at least 1");
  std::string source;
  const uint64_t limit = max_array_size(source);
  if (uint64_t(shards) > limit)
    throw std::runtime_error("--shards " + std::to_string(shards) + " is above " + source + " (" +
                             std::to_string(limit) +
                             "): use fewer, larger shards (each task then runs more trials)");

  std::vector<std::string> run_args = {"--config", config};
  for (const auto& d : plugin_dirs) run_args.insert(run_args.end(), {"--plugin-dir", d});
  bool help = false;
  const RunArgs ra = parse_run(run_args, help);
  const Plan plan = expand(ra.spec, load_plugins(ra.plugin_dirs));
  if (plan.unsharded == 0) throw std::invalid_argument(config + ": the sweep has no trials");

  const fs::path dir = fs::absolute(out);
  fs::create_directories(dir);
  if (merged.empty()) merged = (dir / "merged.db").string();
  merged = fs::absolute(merged).string();
  const std::string exe = fs::read_symlink("/proc/self/exe").string();
  const std::string manifest = (dir / "manifest.json").string();
  write_file(manifest, manifest_json(manifest_of(plan, ra.spec, fs::absolute(config).string())),
             false);

  std::string extra, plugin_args;
  for (const auto& a : sbatch_args) extra += "#SBATCH " + a + "\n";
  for (const auto& d : plugin_dirs)
    plugin_args += " --plugin-dir " + shell_quote(fs::absolute(d).string());
  const std::string q_dir = shell_quote(dir.string());
  const std::string stem = fs::path(config).stem().string();
  write_file(
      dir / "array.sbatch",
      "#!/bin/bash\n#SBATCH --job-name=lossbench-" + stem + "\n#SBATCH --array=0-" +
          std::to_string(shards - 1) +
          (max_parallel > 0 ? "%" + std::to_string(max_parallel) : "") +
          "\n#SBATCH --requeue\n#SBATCH --open-mode=append\n#SBATCH --cpus-per-task=" +
          std::to_string(cpus) + "\n#SBATCH --output=" + dir.string() +
          "/shard-%a.log\n#SBATCH --chdir=" + fs::current_path().string() + "\n" + extra +
          "# One shard of the sweep into its own database: a requeued task resumes it.\n"
          "exec " +
          shell_quote(exe) + " run --manifest " + shell_quote(manifest) +
          " --shard \"$SLURM_ARRAY_TASK_ID/" + std::to_string(shards) + "\" --db " + q_dir +
          "/shard-\"$SLURM_ARRAY_TASK_ID\".db --threads \"${SLURM_CPUS_PER_TASK:-1}\" --quiet" +
          plugin_args + "\n",
      true);
  write_file(dir / "merge.sbatch",
             "#!/bin/bash\n#SBATCH --job-name=lossbench-" + stem +
                 "-merge\n#SBATCH --output=" + dir.string() +
                 "/merge.log\n#SBATCH --chdir=" + fs::current_path().string() + "\n" + extra +
                 "# Every shard by name: a task that never wrote its database is an error here, "
                 "not a silent gap.\nshards=()\nfor ((i = 0; i < " +
                 std::to_string(shards) + "; i++)); do shards+=(" + q_dir +
                 "/shard-$i.db); done\nexec " + shell_quote(exe) +
                 " merge \"${shards[@]}\" --into " + shell_quote(merged) + "\n",
             true);
  const std::string array_cmd = "sbatch --parsable " + shell_quote((dir / "array.sbatch").string());
  const std::string merge_script = shell_quote((dir / "merge.sbatch").string());
  std::cout << "wrote " << manifest << ", array.sbatch and merge.sbatch: " << plan.unsharded
            << " trials in " << shards << " shards\n";
  if (!vm.count("submit")) {
    std::cout << "submit with:\n  jobid=$(" << array_cmd
              << ")\n  sbatch --dependency=afterany:$jobid " << merge_script
              << "\nthe merged database: " << merged << "\n";
    return 0;
  }
  const std::string array_job = submit(array_cmd);
  const std::string merge_job =
      submit("sbatch --parsable --dependency=afterany:" + array_job + " " + merge_script);
  std::cout << "submitted array job " << array_job << " (" << shards << " tasks) and merge job "
            << merge_job << " (after the array); the merged database: " << merged << "\n";
  return 0;
}

}  // namespace lossbench::cli
