#pragma once
// `lossbench run` options -> a plain config. Separate from the command so the fuzzer can drive the
// INI and command-line parsing without running anything.
#include "sweep/sweep.hpp"

#include <set>
#include <string>
#include <vector>

namespace lossbench::cli {

struct RunArgs {
  SweepSpec spec;
  std::vector<std::string> plugin_dirs;
  bool dry_run = false, force = false, quiet = false, isolation = true;
  std::string config;
  std::string manifest;   // --manifest: checked against this build before training
  int worker_fd = -1;     // set in the worker process the supervisor starts
  std::string solo_file;  // crash suspects to run alone first
  uint64_t max_memory = 0;
  int max_retries = 1;
  double hang_timeout = 0;
  std::vector<std::string> notes;  // what was adjusted (a repeated value dropped, threads capped)
  std::set<std::string> retry;     // --retry: finished statuses to run again
  int64_t sweep_id = -1;           // a worker: the supervisor's sweeps row
};

// Parses `lossbench run` arguments (and the --config INI file they name). Throws
// boost::program_options::error naming the option or key; sets help and prints it for --help.
// A --datasets or --models value as a list: split on commas and semicolons outside parentheses
// and double quotes (dropped), so mlp(hidden=8,activation=tanh) and csv:"/a,b.csv" stay whole.
// key names the option in errors.
std::vector<std::string> top_level_list(const std::string& key, const std::string& v);

RunArgs parse_run(const std::vector<std::string>& args, bool& help);

// One seed (--seeds, --split_seed): an integer from 0 to 2^63-1, as SQLite stores it; throws
// boost::program_options::error naming the option `key`.
uint64_t seed_value(const std::string& key, const std::string& text);
// --split: train,val,test fractions; throws boost::program_options::error naming the option.
SplitFractions split_option(const std::string& text);

// `lossbench run ARGS` as a line bash accepts as it is, without --force, for resuming.
std::string resume_command(const std::vector<std::string>& args);

}  // namespace lossbench::cli
