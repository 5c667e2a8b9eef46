#include "isolation/supervisor.hpp"

#include "store/store.hpp"
#include "sweep/worker_pipe.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

namespace lossbench {

namespace {

std::atomic<int> g_forward{0};
extern "C" void on_supervisor_signal(int sig) { g_forward.store(sig); }

std::string short_hash(const std::string& h) { return h.substr(0, 12); }

}  // namespace

namespace {

// How one worker's life ended, and what it had reported on its pipe.
struct WorkerEnd {
  int status = 0;
  std::map<std::string, std::chrono::steady_clock::time_point> in_flight;  // started, not ended
  std::set<std::string> hung;  // killed by us: no progress for hang_timeout_s
  size_t ended = 0;            // trials the worker saw to their end
  int forwarded = 0;           // a signal the supervisor got and passed on (Ctrl-C, SIGTERM)
};

pid_t start_worker(const std::string& exe, std::vector<std::string> args, int write_fd) {
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    // The worker dies with its supervisor, and gets Ctrl-C only through it (own group), so a
    // terminal's SIGINT reaches it once, not twice.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    setpgid(0, 0);
    fcntl(write_fd, F_SETFD, 0);  // the write end survives exec
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  return child;
}

// Reads the worker's "S|B|E <hash>" lines until it exits, killing it when a trial stops making
// progress. Waits on the pipe and on a pidfd of the child together, so the worker's exit is seen
// at once: polling waitpid after the pipe closed slept out up to 50 ms of every run (the child
// closes its files before it becomes a zombie).
WorkerEnd watch_worker(pid_t child, int read_fd, double hang_timeout_s,
                       std::set<std::string>& suspects) {
  WorkerEnd w;
  std::string buf;
  bool eof = false, exited = false;
  // One read of the pipe: false at its end.
  auto read_lines = [&] {
    char chunk[4096];
    const ssize_t n = read(read_fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf.append(chunk, size_t(n));
    size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      const std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      if (line.size() < 3) continue;
      // A start or a finished epoch resets the trial's clock: a hang is a stretch without
      // progress, so a long trial that keeps finishing epochs is never taken for one.
      if (line[0] == worker_pipe::kStarted ||
          (line[0] == worker_pipe::kEpochDone && w.in_flight.count(line.substr(2))))
        w.in_flight[line.substr(2)] = std::chrono::steady_clock::now();
      if (line[0] == worker_pipe::kEnded)
        w.in_flight.erase(line.substr(2)), suspects.erase(line.substr(2)), ++w.ended;
    }
    return true;
  };
  // Through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C". -1 before Linux 5.3, and
  // then the loop polls every 1 ms once the pipe has closed. A pidfd that fired while waitpid
  // still finds no exit (a tracer holds the dead worker) is dropped from the set too, so the loop
  // does not spin on it.
  const int pidfd = int(syscall(SYS_pidfd_open, child, 0));
  bool watch_pidfd = pidfd >= 0;
  while (!exited) {
    if (int sig = g_forward.exchange(0)) kill(child, sig), w.forwarded = sig;
    pollfd p[2] = {{eof ? -1 : read_fd, POLLIN, 0}, {watch_pidfd ? pidfd : -1, POLLIN, 0}};
    const int ready = poll(p, 2, eof && !watch_pidfd ? 1 : 100);
    if (ready > 0 && (p[0].revents & (POLLIN | POLLHUP))) eof = !read_lines();
    const auto now = std::chrono::steady_clock::now();
    for (const auto& [h, t0] : w.in_flight)
      if (std::chrono::duration<double>(now - t0).count() > hang_timeout_s && !w.hung.count(h)) {
        w.hung.insert(h);
        kill(child, SIGKILL);
      }
    if (waitpid(child, &w.status, WNOHANG) == child)
      exited = true;
    else if (ready > 0 && (p[1].revents & POLLIN))
      watch_pidfd = false;
  }
  // The child is gone: what it wrote last is still in the pipe (unless another process holds
  // the write end open, hence no blocking read).
  for (pollfd p{read_fd, POLLIN, 0}; !eof && poll(&p, 1, 0) > 0;) eof = !read_lines();
  if (pidfd >= 0) close(pidfd);
  return w;
}

// SIGKILL and SIGTERM come from outside: the kernel's OOM killer, a user, a job scheduler. A
// plugin's own failure shows as SIGSEGV, SIGABRT, SIGBUS, SIGFPE or SIGILL (and memory past
// --max-memory as bad_alloc or SIGABRT), so such a death blames none of the trials in flight.
bool killed_from_outside(int status) {
  return WIFSIGNALED(status) && (WTERMSIG(status) == SIGKILL || WTERMSIG(status) == SIGTERM);
}

// Kills from outside in a row, with no trial finished between them, before the run stops: each
// restart retries the same trials, and a machine that keeps killing them needs a person.
constexpr int kMaxExternalKills = 3;

// The trials the supervisor killed for making no progress are `timeout`.
void record_hangs(const SupervisorOptions& o, WorkerEnd& w, std::set<std::string>& suspects,
                  SupervisorResult& res, std::ostream& log) {
  for (const auto& h : w.hung) {
    Store::record_outcome(o.db, h, TrialStatus::Timeout,
                          "no progress for " + format_double(o.hang_timeout_s) +
                              " s (a plugin call did not return); the worker was killed");
    log << "lossbench: trial " << short_hash(h) << " made no progress for "
        << format_double(o.hang_timeout_s) << " s: recorded as timeout, worker restarted\n";
    ++res.hung;
    w.in_flight.erase(h);
    suspects.erase(h);
  }
}

}  // namespace

namespace {

// What the supervisor remembers across workers, and what it makes of a worker's death.
struct Supervision {
  const SupervisorOptions& o;
  std::ostream& log;
  SupervisorResult res;
  std::map<std::string, int> crashes;  // trial -> crashes while running alone
  std::set<std::string> suspects;      // to run alone on the next start
  int empty_crashes = 0, external_kills = 0;

  // Records what a dead worker's trials get (timeout, crashed, another run, alone or not);
  // returns true when the run must stop, with res.exit_code set.
  bool attribute(WorkerEnd& w) {
    const int status = w.status;
    ++res.restarts;
    if (w.ended > 0) external_kills = 0;
    const std::string how = WIFSIGNALED(status)
                                ? "killed by " + signal_text(WTERMSIG(status))
                                : "exited with status " + std::to_string(WEXITSTATUS(status));
    auto& in_flight = w.in_flight;
    if (!w.hung.empty()) {
      record_hangs(o, w, suspects, res, log);  // the others in flight were innocent: they run again
    } else if (killed_from_outside(status)) {
      // The trials in flight stay `running`, which the next worker re-queues.
      if (++external_kills >= kMaxExternalKills) {
        log << "lossbench: worker " << how << " from outside " << external_kills
            << " times in a row with no trial finished (the kernel's OOM killer? see dmesg; a lower"
            << " --max-memory makes a trial's excess its own failure); stopping. The "
            << in_flight.size() << " trial(s) in flight are left to run\n";
        return stop(1);
      }
      // Not their fault, but one of them may be what the OOM killer chose: alone next time, it
      // no longer takes its neighbours down with it.
      for (const auto& [h, t] : in_flight) suspects.insert(h);
      log << "lossbench: worker " << how << " from outside with " << in_flight.size()
          << " trial(s) in flight; not their fault: they run again, alone, worker restarted\n";
    } else if (in_flight.size() == 1) {
      blame_alone(in_flight.begin()->first, how);
    } else if (!in_flight.empty()) {
      for (const auto& [h, t] : in_flight) suspects.insert(h);
      log << "lossbench: worker " << how << " with " << in_flight.size()
          << " trials in flight: re-running each alone to find the culprit\n";
    } else {
      if (++empty_crashes > 3) {
        log << "lossbench: worker " << how << " outside any trial, repeatedly; giving up\n";
        return stop(1);
      }
      log << "lossbench: worker " << how << " outside any trial; restarting\n";
    }
    return false;
  }

  // A crash while `h` ran alone: retried up to --max-retries times, then recorded as crashed.
  void blame_alone(const std::string& h, const std::string& how) {
    if (++crashes[h] > o.max_retries) {
      Store::record_outcome(o.db, h, TrialStatus::Crashed,
                            "worker " + how + " while running this trial alone");
      suspects.erase(h);
      log << "lossbench: worker " << how << " in trial " << short_hash(h)
          << ": recorded as crashed, worker restarted\n";
      ++res.crashed;
    } else {
      suspects.insert(h);
      log << "lossbench: worker " << how << " in trial " << short_hash(h)
          << ": retrying it alone\n";
    }
  }

  bool stop(int code) {
    res.exit_code = code;
    return true;
  }
};

}  // namespace

SupervisorResult supervise(const SupervisorOptions& o, std::ostream& log) {
  Supervision sv{o, log, {}, {}, {}};
  const std::string solo_file = o.db + ".suspects";
  const std::string exe = (executable_dir() / "lossbench").string();
  on_stop_signals(on_supervisor_signal);

  // Every worker joins the invocation's sweep, whose trials (with --force and --retry applied)
  // the caller registered once.
  std::vector<std::string> args = {exe, "run"};
  args.insert(args.end(), o.run_args.begin(), o.run_args.end());
  args.insert(args.end(),
              {"--internal-solo", solo_file, "--internal-max-memory", std::to_string(o.max_memory),
               "--internal-sweep-id", std::to_string(o.sweep_id), "--internal-worker-fd"});
  while (true) {
    {
      std::ofstream f(solo_file, std::ios::trunc);
      for (const auto& h : sv.suspects) f << h << "\n";
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
      throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    std::vector<std::string> worker_args = args;
    worker_args.push_back(std::to_string(fds[1]));
    const pid_t child = start_worker(exe, worker_args, fds[1]);
    close(fds[1]);
    WorkerEnd w = watch_worker(child, fds[0], o.hang_timeout_s, sv.suspects);
    close(fds[0]);

    const int status = w.status;
    const bool crashed =
        WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
                                WEXITSTATUS(status) != 130 && !w.in_flight.empty());
    const bool interrupted = w.forwarded && WIFSIGNALED(status) && WTERMSIG(status) == w.forwarded;
    if ((!crashed && w.hung.empty()) || interrupted) {
      sv.res.exit_code = interrupted ? 130 : WIFEXITED(status) ? WEXITSTATUS(status) : 1;
      break;
    }
    if (sv.attribute(w)) break;
  }
  std::remove(solo_file.c_str());
  return sv.res;
}

}  // namespace lossbench
