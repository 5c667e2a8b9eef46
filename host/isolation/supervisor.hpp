#pragma once
// Isolation: `lossbench run` trains in a worker process (itself, re-executed) and supervises it.
// The worker reports each trial's start and end on a pipe, so when it dies (SIGSEGV, SIGABRT, out
// of memory) or a plugin call never returns, the supervisor knows exactly which trials were in
// flight: it records the culprit as `crashed` or `timeout`, re-runs innocent bystanders (alone,
// when the culprit is not yet known) and restarts the worker on the remaining trials. A SIGKILL or
// SIGTERM from outside (the OOM killer, a user) blames no trial: they run again.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace lossbench {

struct SupervisorOptions {
  std::vector<std::string> run_args;  // the `lossbench run` arguments, passed on to the worker
  std::string db;
  int max_retries = 1;           // a trial that crashes alone is re-run this many times
  double hang_timeout_s = 1800;  // a trial with no finished epoch for this long is killed as hung
  uint64_t max_memory = 0;       // address-space cap of the worker, bytes (0: none)
  int64_t sweep_id = -1;  // the invocation's sweeps row, its trials registered: workers join it
};

struct SupervisorResult {
  int exit_code = 0;
  size_t crashed = 0, hung = 0, restarts = 0;
};

SupervisorResult supervise(const SupervisorOptions& options, std::ostream& log);

}  // namespace lossbench
