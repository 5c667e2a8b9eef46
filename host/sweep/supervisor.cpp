#include "sweep/supervisor.hpp"

#include "plugins/registry.hpp"
#include "store/store.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <poll.h>
#include <set>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lossbench {

namespace {

std::atomic<int> g_forward{0};
extern "C" void on_supervisor_signal(int sig) { g_forward.store(sig); }

std::string short_hash(const std::string& h) { return h.substr(0, 12); }

}  // namespace

uint64_t parse_size(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  std::string unit = trim(end ? end : "");
  double mult = 1;
  if (unit == "K" || unit == "k") mult = 1024.0;
  else if (unit == "M" || unit == "m") mult = 1024.0 * 1024;
  else if (unit == "G" || unit == "g") mult = 1024.0 * 1024 * 1024;
  else if (!unit.empty()) throw std::invalid_argument("'" + s + "' is not a size like 512M or 4G");
  if (s.empty() || !(v >= 0) || !std::isfinite(v)) throw std::invalid_argument("'" + s + "' is not a size like 512M or 4G");
  return uint64_t(v * mult);
}

uint64_t default_memory_cap() {
  const double bytes = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
  return uint64_t(bytes * 0.75);
}

void apply_memory_cap(uint64_t bytes) {
  // A plugin that crashes all night must not fill the disk with core files either.
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  if (bytes == 0) return;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return;  // sanitizers reserve terabytes of shadow address space: an RLIMIT_AS would starve them
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return;
#endif
#endif
  rlimit r{bytes, bytes};
  if (setrlimit(RLIMIT_AS, &r) != 0) throw std::runtime_error(std::string("cannot set --max-memory: ") + std::strerror(errno));
}

SupervisorResult supervise(const SupervisorOptions& o, std::ostream& log) {
  SupervisorResult res;
  std::map<std::string, int> crashes;    // trial -> crashes while running alone
  std::set<std::string> suspects;        // to run alone on the next start
  const std::string solo_file = o.db + ".suspects";
  const std::string exe = (executable_dir() / "lossbench").string();
  int empty_crashes = 0;

  struct sigaction sa {};
  sa.sa_handler = on_supervisor_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  std::vector<std::string> run_args = o.run_args;
  while (true) {
    {
      std::ofstream f(solo_file, std::ios::trunc);
      for (const auto& h : suspects) f << h << "\n";
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    std::vector<std::string> args = {exe, "run"};
    args.insert(args.end(), run_args.begin(), run_args.end());
    // --force resets finished trials once; a restarted worker must keep what its predecessor did.
    run_args.erase(std::remove(run_args.begin(), run_args.end(), "--force"), run_args.end());
    args.insert(args.end(), {"--internal-worker-fd", std::to_string(fds[1]), "--internal-solo", solo_file,
                             "--internal-max-memory", std::to_string(o.max_memory)});
    const pid_t parent = getpid();
    const pid_t child = fork();
    if (child < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (child == 0) {
      // The worker dies with its supervisor, and gets Ctrl-C only through it (own group), so a
      // terminal's SIGINT reaches it once, not twice.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(1);
      setpgid(0, 0);
      fcntl(fds[1], F_SETFD, 0);  // the write end survives exec
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(exe.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);

    std::map<std::string, std::chrono::steady_clock::time_point> in_flight;
    std::set<std::string> hung;
    std::string buf;
    bool eof = false;
    int status = 0;
    bool exited = false;
    while (!exited) {
      if (int sig = g_forward.exchange(0)) kill(child, sig);
      pollfd p{fds[0], POLLIN, 0};
      if (!eof && poll(&p, 1, 100) > 0) {
        char chunk[4096];
        const ssize_t n = read(fds[0], chunk, sizeof chunk);
        if (n <= 0) {
          eof = true;
        } else {
          buf.append(chunk, size_t(n));
          size_t nl;
          while ((nl = buf.find('\n')) != std::string::npos) {
            const std::string line = buf.substr(0, nl);
            buf.erase(0, nl + 1);
            if (line.size() < 3) continue;
            // A start or a finished epoch resets the trial's clock: a hang is a stretch without
            // progress, so a long trial that keeps finishing epochs is never taken for one.
            if (line[0] == 'S' || (line[0] == 'B' && in_flight.count(line.substr(2))))
              in_flight[line.substr(2)] = std::chrono::steady_clock::now();
            if (line[0] == 'E') in_flight.erase(line.substr(2)), suspects.erase(line.substr(2));
          }
        }
      } else if (eof) {
        usleep(50000);
      }
      const auto now = std::chrono::steady_clock::now();
      for (const auto& [h, t0] : in_flight)
        if (std::chrono::duration<double>(now - t0).count() > o.hang_timeout_s && !hung.count(h)) {
          hung.insert(h);
          kill(child, SIGKILL);
        }
      const pid_t w = waitpid(child, &status, WNOHANG);
      if (w == child) exited = true;
    }
    close(fds[0]);

    const bool crashed = WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
                                                 WEXITSTATUS(status) != 130 && !in_flight.empty());
    if (!crashed && hung.empty()) {
      std::remove(solo_file.c_str());
      res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
      return res;
    }
    ++res.restarts;
    const std::string how = WIFSIGNALED(status) ? "killed by " + signal_text(WTERMSIG(status))
                                                : "exited with status " + std::to_string(WEXITSTATUS(status));
    if (!hung.empty()) {
      for (const auto& h : hung) {
        Store::record_outcome(o.db, h, "timeout",
                              "no progress for " + format_double(o.hang_timeout_s) +
                                  " s (a plugin call did not return); the worker was killed");
        log << "lossbench: trial " << short_hash(h) << " made no progress for " << format_double(o.hang_timeout_s)
            << " s: recorded as timeout, worker restarted\n";
        ++res.hung;
        in_flight.erase(h);
        suspects.erase(h);
      }
      // The others in flight were innocent: they just run again.
    } else if (in_flight.size() == 1) {
      const std::string h = in_flight.begin()->first;
      if (++crashes[h] > o.max_retries) {
        Store::record_outcome(o.db, h, "crashed", "worker " + how + " while running this trial alone");
        suspects.erase(h);
        log << "lossbench: worker " << how << " in trial " << short_hash(h) << ": recorded as crashed, worker restarted\n";
        ++res.crashed;
      } else {
        suspects.insert(h);
        log << "lossbench: worker " << how << " in trial " << short_hash(h) << ": retrying it alone\n";
      }
    } else if (!in_flight.empty()) {
      for (const auto& [h, t] : in_flight) suspects.insert(h);
      log << "lossbench: worker " << how << " with " << in_flight.size()
          << " trials in flight: re-running each alone to find the culprit\n";
    } else {
      if (++empty_crashes > 3) {
        log << "lossbench: worker " << how << " outside any trial, repeatedly; giving up\n";
        res.exit_code = 1;
        return res;
      }
      log << "lossbench: worker " << how << " outside any trial; restarting\n";
    }
  }
}

}  // namespace lossbench
