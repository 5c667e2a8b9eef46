#pragma once
// Loads plugin files in a throw-away child process first, so that a library whose constructor
// (or entry symbol) crashes, aborts, hangs or calls exit() costs one line in `lossbench plugins`
// instead of the whole host.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lossbench {

// Calls load(paths[i]) for every path, in order, in one forked child (a fresh child again after
// each one that dies). Returns, for each path, "" when its load returned, else why the child died
// while loading it: "crashed while loading (SIGSEGV)", "exited while loading (status 0)", or "hung
// while loading (no answer after 10 s)". `timeout` applies to each file. A file no child got to
// (none could be forked) has no result: the caller loads it in-process as before, and must not
// remember it as probed.
std::vector<std::optional<std::string>> probe_in_child(
    const std::vector<std::string>& paths, const std::function<void(const std::string&)>& load,
    std::chrono::milliseconds timeout);

// The file hashes that probed fine before: a probe costs a fork and a dlopen per file, too much
// to repeat for twenty built-ins on every start. Kept under $XDG_CACHE_HOME/lossbench (or
// ~/.cache/lossbench); an unreadable or unwritable cache just means probing again.
class ProbeCache {
 public:
  ProbeCache();
  bool known_good(const std::string& sha256) const;
  // Records these hashes as probed fine; best effort.
  void remember(const std::vector<std::string>& sha256s);

 private:
  std::string file_;
  std::vector<std::string> good_;  // sorted
};

}  // namespace lossbench
