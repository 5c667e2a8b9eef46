#pragma once
// Finds, loads and validates plugin libraries; maps names to plugins.
//
// Everything here runs before any parallel work starts. A bad file becomes a LoadFailure (path
// and one-line reason) and loading goes on with the other files. Each file is first loaded in a
// child process (plugins/probe.hpp), so that one which crashes, hangs or exits while loading is
// such a failure too, instead of the end of the host.
#include "plugins/plugin.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lossbench {

struct LoadFailure {
  std::string path;
  std::string reason;
  std::string message() const { return path + ": " + reason; }
};

class Registry {
 public:
  // Loads every *.so in dir, in name order. A missing directory is a failure, not an exception.
  void add_directory(const std::filesystem::path& dir);
  // The same for several folders, in order.
  void add_directories(const std::vector<std::filesystem::path>& dirs);
  // Loads one library; returns how many plugins it added.
  size_t add_file(const std::filesystem::path& file);
  // Loads several, in order; returns how many plugins they added.
  size_t add_files(const std::vector<std::filesystem::path>& files);

  // The plugin of that name, or nullptr (also when the name is ambiguous).
  std::shared_ptr<const Plugin> find(std::string_view name) const;
  // The plugin of that name and kind; otherwise throws PluginError with the reason: unknown
  // (with close names), of the other kind, provided by two files, or its file failed to load.
  std::shared_ptr<const Plugin> require(std::string_view name, lb_kind kind) const;

  const std::vector<std::shared_ptr<const Plugin>>& plugins() const { return plugins_; }
  std::vector<std::shared_ptr<const Plugin>> of_kind(lb_kind kind) const;
  const std::vector<LoadFailure>& failures() const { return failures_; }
  std::vector<std::string> names(lb_kind kind) const;

 private:
  void fail(const std::string& path, const std::string& reason) {
    failures_.push_back({path, reason});
  }
  // The in-process load of a file that probed fine.
  size_t load_file(const std::string& path, const std::string& digest);
  std::vector<std::shared_ptr<const Plugin>> plugins_;
  std::vector<LoadFailure> failures_;
  std::map<std::string, std::vector<std::string>, std::less<>> ambiguous_;  // name -> files
  std::vector<std::string> seen_files_;  // canonical paths already loaded
};

// The plugin folders to search: the one beside the executable (the build's, or an install's
// lib/lossbench/plugins), then each of LOSSBENCH_PLUGIN_PATH (':'-separated), then --plugin-dir.
std::vector<std::filesystem::path> plugin_search_path(const std::vector<std::string>& extra_dirs);

// A registry loaded from plugin_search_path(extra_dirs).
Registry load_plugins(const std::vector<std::string>& extra_dirs);

}  // namespace lossbench
