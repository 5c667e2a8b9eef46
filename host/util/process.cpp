#include "util/process.hpp"

#include "util/strings.hpp"

#include <sys/resource.h>
#include <unistd.h>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace lossbench {

namespace fs = std::filesystem;

fs::path executable_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : exe.parent_path();
}

void on_stop_signals(void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

std::string signal_text(int sig) {
  const char* name = sigabbrev_np(sig);
  return name ? std::string("SIG") + name : "signal " + std::to_string(sig);
}

uint64_t parse_size(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  std::string unit = trim(end ? end : "");
  double mult = 1;
  if (unit == "K" || unit == "k")
    mult = 1024.0;
  else if (unit == "M" || unit == "m")
    mult = 1024.0 * 1024;
  else if (unit == "G" || unit == "g")
    mult = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "t")
    mult = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty())
    throw std::invalid_argument("'" + s + "' is not a size like 512M or 4G");
  if (s.empty() || !(v >= 0) || !std::isfinite(v))
    throw std::invalid_argument("'" + s + "' is not a size like 512M or 4G");
  if (v * mult >= 0x1p63)
    throw std::invalid_argument("'" + s + "' is larger than any address space");
  return uint64_t(v * mult);
}

namespace {
double physical_memory_bytes() {
  return double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
}
}  // namespace

uint64_t default_memory_cap() { return uint64_t(physical_memory_bytes() * 0.75); }

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
  if (setrlimit(RLIMIT_AS, &r) != 0)
    throw std::runtime_error(std::string("cannot set --max-memory: ") + std::strerror(errno));
}

double memory_limit_bytes() {
  rlimit r{};
  if (getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur != RLIM_INFINITY) return double(r.rlim_cur);
  return physical_memory_bytes();
}

std::string instruction_set() {
#if defined(__AVX512F__)
  return "x86-64-v4 (AVX-512)";
#elif defined(__AVX2__) && defined(__FMA__)
  return "x86-64-v3 (AVX2, FMA)";
#elif defined(__SSE4_2__)
  return "x86-64-v2 (SSE4.2)";
#elif defined(__x86_64__)
  return "x86-64 (SSE2)";
#else
  return "not x86-64";
#endif
}

}  // namespace lossbench
