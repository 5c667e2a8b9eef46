#include "plugins/probe.hpp"

#include "util/process.hpp"
#include "util/strings.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace lossbench {

namespace {

// A library that calls exit() from its constructor would otherwise run the host's atexit
// handlers and stdio flushes in the child: buffered output twice, destructors of state the child
// only has a copy of. Registered last, this runs first and leaves at once with the same status.
extern "C" void leave_now(int status, void*) { _exit(status); }

// Writes one byte per file whose load returned; the first file without its byte is the culprit.
[[noreturn]] void probe_child(int fd, const std::vector<std::string>& paths, size_t from,
                              const std::function<void(const std::string&)>& load) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The plugin's own output belongs to the real load in the host, not to this rehearsal.
  const int devnull = open("/dev/null", O_WRONLY);
  if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  // Crashes must end the child with their signal, whatever handlers the host installed.
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS}) signal(sig, SIG_DFL);
  on_exit(leave_now, nullptr);
  for (size_t i = from; i < paths.size(); ++i) {
    try {
      load(paths[i]);
    } catch (...) {
      // A throwing load is the host's to report, in-process; the probe only looks for deaths.
    }
    const char done = 1;
    while (write(fd, &done, 1) < 0 && errno == EINTR) {
    }
  }
  _exit(0);
}

// Runs a child over paths[from..] and returns how many of them it finished; `why` says how it
// ended when that is fewer than all of them. Returns SIZE_MAX when no child could be started.
size_t run_probe_child(const std::vector<std::string>& paths, size_t from,
                       const std::function<void(const std::string&)>& load,
                       std::chrono::milliseconds timeout, std::string& why) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return SIZE_MAX;
  // Whatever the host has buffered must not be written a second time by the child.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t child = fork();
  if (child < 0) {
    close(fds[0]);
    close(fds[1]);
    return SIZE_MAX;
  }
  if (child == 0) {
    close(fds[0]);
    probe_child(fds[1], paths, from, load);
  }
  close(fds[1]);
  size_t done = 0;
  bool hung = false;
  while (true) {
    pollfd p{fds[0], POLLIN, 0};
    const int r = poll(&p, 1, int(timeout.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) {
      hung = true;
      kill(child, SIGKILL);
      break;
    }
    char buf[256];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += size_t(n);
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (hung)
    why = "hung while loading (no answer after " + format_double(timeout.count() / 1000.0) + " s)";
  else if (WIFSIGNALED(status))
    why = "crashed while loading (" + signal_text(WTERMSIG(status)) + ")";
  else
    why = "exited while loading (status " + std::to_string(WEXITSTATUS(status)) + ")";
  return done;
}

std::string cache_file() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  if (xdg && *xdg == '/') return std::string(xdg) + "/lossbench/probed-ok";
  if (home && *home == '/') return std::string(home) + "/.cache/lossbench/probed-ok";
  return "";
}

constexpr size_t kMaxCacheEntries = 4096;

bool is_digest(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

std::vector<std::optional<std::string>> probe_in_child(
    const std::vector<std::string>& paths, const std::function<void(const std::string&)>& load,
    std::chrono::milliseconds timeout) {
  std::vector<std::optional<std::string>> result(paths.size());
  size_t from = 0;
  while (from < paths.size()) {
    std::string why;
    const size_t done = run_probe_child(paths, from, load, timeout, why);
    if (done == SIZE_MAX) break;  // no child: the rest stay unprobed
    for (size_t i = from; i < std::min(from + done, paths.size()); ++i) result[i] = "";
    from += std::min(done, paths.size() - from);
    if (from == paths.size()) break;
    result[from++] = why;
  }
  return result;
}

ProbeCache::ProbeCache() : file_(cache_file()) {
  if (file_.empty()) return;
  std::ifstream in(file_);
  for (std::string line; std::getline(in, line);)
    if (is_digest(line)) good_.push_back(line);
  std::sort(good_.begin(), good_.end());
}

bool ProbeCache::known_good(const std::string& sha256) const {
  return std::binary_search(good_.begin(), good_.end(), sha256);
}

void ProbeCache::remember(const std::vector<std::string>& sha256s) {
  if (file_.empty() || sha256s.empty()) return;
  const std::string dir = file_.substr(0, file_.rfind('/'));
  mkdir(dir.substr(0, dir.rfind('/')).c_str(), 0700);
  mkdir(dir.c_str(), 0700);
  std::string lines;
  for (const auto& h : sha256s) lines += h + "\n";
  // Appends of one short write each are atomic, so concurrent hosts (a run and its worker) do
  // not interleave lines. Past the cap, rebuilt builds have left mostly stale hashes: start over.
  int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
  if (good_.size() + sha256s.size() > kMaxCacheEntries) flags |= O_TRUNC;
  const int fd = open(file_.c_str(), flags, 0600);
  if (fd < 0) return;
  if (write(fd, lines.data(), lines.size()) < 0) {
    // Best effort: the next start probes again.
  }
  close(fd);
}

}  // namespace lossbench
