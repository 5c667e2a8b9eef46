#include "plugins/registry.hpp"

#include "plugins/probe.hpp"
#include "util/process.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <set>
#include <system_error>

namespace lossbench {

namespace fs = std::filesystem;

class Library {
 public:
  boost::dll::shared_library lib;
};

namespace {

// The smallest descriptor sizes this host can read: everything up to and including the last
// field of ABI 1.0. Later minors append fields, which this host ignores.
constexpr size_t kMinLibrarySize = offsetof(lb_library, plugins) + sizeof(const lb_plugin*);
constexpr size_t kMinPluginSize = offsetof(lb_plugin, destroy) + sizeof(void (*)(lb_handle));

bool valid_name(const char* s) {
  if (!s || !*s) return false;
  for (const char* p = s; *p; ++p)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return false;
  return true;
}

std::string quoted(const char* s) { return s ? "'" + std::string(s) + "'" : "(null)"; }

// The i-th plugin descriptor, stepping by the size the library's header gave lb_plugin (the first
// descriptor's struct_size; all must agree): a later minor version appends fields, and this host's
// own sizeof would land in the middle of the second descriptor.
const lb_plugin& plugin_at(const lb_library& lib, uint32_t i) {
  const size_t stride = i == 0 ? 0 : lib.plugins[0].struct_size;
  return *reinterpret_cast<const lb_plugin*>(reinterpret_cast<const char*>(lib.plugins) +
                                             i * stride);
}

// Empty string when the descriptor is usable, else what is wrong with it.
std::string descriptor_problem(const lb_plugin& p, size_t index) {
  const std::string at = "plugin #" + std::to_string(index);
  if (p.struct_size < kMinPluginSize)
    return at + ": descriptor of " + std::to_string(p.struct_size) + " bytes, expected at least " +
           std::to_string(kMinPluginSize);
  // The array is stepped through by this size: anything else would misalign the next descriptor.
  if (p.struct_size % alignof(lb_plugin) != 0)
    return at + ": descriptor of " + std::to_string(p.struct_size) + " bytes, not a multiple of " +
           std::to_string(alignof(lb_plugin));
  if (!valid_name(p.name))
    return at + ": invalid name " + quoted(p.name) + " (expected [a-z0-9_]+)";
  const std::string who = "plugin '" + std::string(p.name) + "'";
  if (!p.description || !*p.description) return who + ": empty description";
  if (!p.destroy) return who + ": missing function destroy";
  if (p.kind == LB_KIND_LOSS) {
    if (!p.loss_create) return who + ": missing function loss_create";
    if (!p.loss_evaluate) return who + ": missing function loss_evaluate";
    if ((p.tasks & (LB_TASK_REGRESSION | LB_TASK_BINARY | LB_TASK_MULTICLASS)) == 0 ||
        (p.tasks & ~uint32_t(LB_TASK_REGRESSION | LB_TASK_BINARY | LB_TASK_MULTICLASS)) != 0)
      return who + ": tasks must be a non-empty set of regression, binary, multiclass";
  } else if (p.kind == LB_KIND_OPTIMIZER) {
    if (!p.optimizer_create) return who + ": missing function optimizer_create";
    if (!p.optimizer_step) return who + ": missing function optimizer_step";
  } else {
    return who + ": unknown kind " + std::to_string(p.kind) + " (expected loss or optimizer)";
  }
  if (p.n_hyperparams > 0 && !p.hyperparams) return who + ": hyperparameter table missing";
  std::set<std::string> names;
  for (uint32_t i = 0; i < p.n_hyperparams; ++i) {
    const lb_hyperparam& h = p.hyperparams[i];
    if (!valid_name(h.name))
      return who + ": hyperparameter #" + std::to_string(i) + " has invalid name " + quoted(h.name);
    const std::string hn = who + ": hyperparameter '" + h.name + "'";
    if (!names.insert(h.name).second) return hn + " declared twice";
    if (std::isnan(h.min_value) || std::isnan(h.max_value) || h.min_value > h.max_value)
      return hn + ": invalid range [" + format_double(h.min_value) + ", " +
             format_double(h.max_value) + "]";
    if (!(h.default_value >= h.min_value && h.default_value <= h.max_value))
      return hn + ": default " + format_double(h.default_value) + " outside its range [" +
             format_double(h.min_value) + ", " + format_double(h.max_value) + "]";
    if (!h.doc || !*h.doc) return hn + ": empty doc";
  }
  return "";
}

// Loads the file and checks everything it declares: "" with desc set when usable, else why not.
std::string open_library(const std::string& path, boost::dll::shared_library& lib,
                         const lb_library*& desc) {
  try {
    // RTLD_LOCAL keeps each plugin's symbols to itself; RTLD_NOW reports a missing dependency
    // here rather than as a crash in the middle of a sweep.
    lib.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return std::string("not a loadable shared library (") + e.what() + ")";
  }
  if (!lib.has(LOSSBENCH_ENTRY_SYMBOL))
    return std::string("no entry symbol '") + LOSSBENCH_ENTRY_SYMBOL +
           "': not a lossbench plugin (build it with lossbench_add_plugin)";
  try {
    desc = lib.get<const lb_library*()>(LOSSBENCH_ENTRY_SYMBOL)();
  } catch (const std::exception& e) {
    return std::string("entry symbol failed: ") + e.what();
  }
  if (!desc) return "entry symbol returned no descriptor";
  const std::string host_abi =
      std::to_string(LOSSBENCH_ABI_MAJOR) + "." + std::to_string(LOSSBENCH_ABI_MINOR);
  const std::string its_abi =
      std::to_string(desc->abi_major) + "." + std::to_string(desc->abi_minor);
  if (desc->abi_major != LOSSBENCH_ABI_MAJOR)
    return "built for plugin ABI " + its_abi + ", but this host speaks ABI " + host_abi +
           " (rebuild the plugin against this host's SDK)";
  if (desc->abi_minor > LOSSBENCH_ABI_MINOR)
    return "built for plugin ABI " + its_abi + ", newer than this host's " + host_abi +
           " (upgrade lossbench)";
  if (desc->struct_size < kMinLibrarySize)
    return "library descriptor of " + std::to_string(desc->struct_size) +
           " bytes, expected at least " + std::to_string(kMinLibrarySize);
  if (desc->n_plugins == 0 || !desc->plugins) return "library declares no plugins";

  // Validate the whole library first: a half-valid library is rejected as a whole, so that its
  // file hash never stands for a partial set of plugins.
  const uint32_t stride = desc->plugins[0].struct_size;
  std::set<std::string> in_file;
  for (uint32_t i = 0; i < desc->n_plugins; ++i) {
    const lb_plugin& p = plugin_at(*desc, i);
    std::string problem = descriptor_problem(p, i);
    if (problem.empty() && p.struct_size != stride)
      problem = "plugin #" + std::to_string(i) + ": descriptor of " +
                std::to_string(p.struct_size) + " bytes, but plugin #0's is " +
                std::to_string(stride) + " (one header for the whole array)";
    if (problem.empty() && !in_file.insert(p.name).second)
      problem = "plugin '" + std::string(p.name) + "' declared twice in this library";
    if (!problem.empty()) return "invalid descriptor: " + problem;
  }
  return "";
}

// The probe child's rehearsal: the same steps as the real load, so that a crash in a
// constructor, the entry symbol or while reading the descriptors all happen there first. The
// library stays open, as it would in the host; the child exits without unloading anything.
void rehearse_load(const std::string& path) {
  auto* lib = new boost::dll::shared_library;
  const lb_library* desc = nullptr;
  open_library(path, *lib, desc);
}

// Long enough for a big library on a loaded machine; a constructor that blocks on something
// that never comes must not hold the host for good.
constexpr std::chrono::milliseconds kProbeTimeout{10000};

}  // namespace

std::vector<fs::path> plugin_search_path(const std::vector<std::string>& extra_dirs) {
  std::vector<fs::path> dirs;
  const fs::path here = executable_dir();
  // The build tree puts plugins beside the executable; an install puts them under lib/.
  if (fs::is_directory(here / "plugins"))
    dirs.push_back(here / "plugins");
  else if (fs::is_directory(here.parent_path() / "lib" / "lossbench" / "plugins"))
    dirs.push_back(here.parent_path() / "lib" / "lossbench" / "plugins");
  if (const char* env = std::getenv("LOSSBENCH_PLUGIN_PATH"))
    for (const auto& d : split(env, ':'))
      if (!d.empty()) dirs.emplace_back(d);
  for (const auto& d : extra_dirs) dirs.emplace_back(d);
  return dirs;
}

Registry load_plugins(const std::vector<std::string>& extra_dirs) {
  Registry r;
  r.add_directories(plugin_search_path(extra_dirs));
  return r;
}

void Registry::add_directory(const fs::path& dir) { add_directories({dir}); }

void Registry::add_directories(const std::vector<fs::path>& dirs) {
  std::vector<fs::path> all;  // every folder's files go to one probe child, not one per folder
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      fail(dir.string(), "plugin directory does not exist or is not a directory");
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".so") files.push_back(e.path());
    if (ec) fail(dir.string(), "cannot list plugin directory: " + ec.message());
    std::sort(files.begin(), files.end());
    all.insert(all.end(), files.begin(), files.end());
  }
  add_files(all);
}

size_t Registry::add_file(const fs::path& file) { return add_files({file}); }

size_t Registry::add_files(const std::vector<fs::path>& files) {
  struct Candidate {
    std::string path, digest, problem;
  };
  std::vector<Candidate> todo;
  for (const auto& file : files) {
    std::error_code ec;
    const fs::path canon = fs::weakly_canonical(fs::absolute(file), ec);
    Candidate c{ec ? file.string() : canon.string(), "", ""};
    if (std::find(seen_files_.begin(), seen_files_.end(), c.path) != seen_files_.end()) continue;
    seen_files_.push_back(c.path);
    if (!fs::is_regular_file(file, ec)) {
      c.problem = fs::exists(file, ec) ? "not a regular file" : "no such file";
    } else {
      try {
        c.digest = sha256_file(c.path);
      } catch (const std::exception&) {
        c.problem = "unreadable";
      }
    }
    todo.push_back(std::move(c));
  }

  // Only files that survive being loaded in a child are loaded here.
  ProbeCache cache;
  std::vector<Candidate*> unknown;
  for (auto& c : todo)
    if (c.problem.empty() && !cache.known_good(c.digest)) unknown.push_back(&c);
  if (!unknown.empty()) {
    std::vector<std::string> paths, fine;
    for (const auto* c : unknown) paths.push_back(c->path);
    const auto died = probe_in_child(paths, rehearse_load, kProbeTimeout);
    for (size_t i = 0; i < unknown.size(); ++i) {
      if (!died[i])
        continue;  // not probed (no child could be forked): loaded as before, not cached
      if (died[i]->empty())
        fine.push_back(unknown[i]->digest);
      else
        unknown[i]->problem = *died[i];
    }
    cache.remember(fine);
  }

  size_t added = 0;
  for (const auto& c : todo) {
    if (!c.problem.empty())
      fail(c.path, c.problem);
    else
      added += load_file(c.path, c.digest);
  }
  return added;
}

size_t Registry::load_file(const std::string& path, const std::string& digest) {
  auto lib = std::make_shared<Library>();
  const lb_library* desc = nullptr;
  const std::string problem = open_library(path, lib->lib, desc);
  if (!problem.empty()) {
    fail(path, problem);
    return 0;
  }
  size_t added = 0;
  for (uint32_t i = 0; i < desc->n_plugins; ++i) {
    const lb_plugin& d = plugin_at(*desc, i);
    auto p = std::make_shared<Plugin>();
    p->name = d.name;
    p->description = d.description;
    p->kind = static_cast<lb_kind>(d.kind);
    p->tasks = d.kind == LB_KIND_LOSS ? d.tasks : 0;
    for (uint32_t k = 0; k < d.n_hyperparams; ++k) {
      const lb_hyperparam& h = d.hyperparams[k];
      p->hyperparams.push_back({h.name, h.default_value, h.min_value, h.max_value, h.doc});
    }
    p->path = path;
    p->sha256 = digest;
    p->abi_major = desc->abi_major;
    p->abi_minor = desc->abi_minor;
    p->desc = &d;
    p->library = lib;

    auto amb = ambiguous_.find(p->name);
    if (amb != ambiguous_.end()) {
      amb->second.push_back(path);
      fail(path, "plugin '" + p->name + "' is also provided by " + amb->second.front() +
                     "; rename one of them");
      continue;
    }
    auto clash = std::find_if(plugins_.begin(), plugins_.end(),
                              [&](const auto& q) { return q->name == p->name; });
    if (clash != plugins_.end()) {
      // Neither wins: which one a sweep would use must never depend on search order.
      fail(path, "plugin '" + p->name + "' is also provided by " + (*clash)->path +
                     "; rename one of them");
      ambiguous_[p->name] = {(*clash)->path, path};
      plugins_.erase(clash);
      continue;
    }
    plugins_.push_back(std::move(p));
    ++added;
  }
  return added;
}

std::shared_ptr<const Plugin> Registry::find(std::string_view name) const {
  for (const auto& p : plugins_)
    if (p->name == name) return p;
  return nullptr;
}

std::vector<std::shared_ptr<const Plugin>> Registry::of_kind(lb_kind kind) const {
  std::vector<std::shared_ptr<const Plugin>> v;
  for (const auto& p : plugins_)
    if (p->kind == kind) v.push_back(p);
  return v;
}

std::vector<std::string> Registry::names(lb_kind kind) const {
  std::vector<std::string> v;
  for (const auto& p : plugins_)
    if (p->kind == kind) v.push_back(p->name);
  return v;
}

std::shared_ptr<const Plugin> Registry::require(std::string_view name, lb_kind kind) const {
  const std::string what = kind_name(kind);
  auto amb = ambiguous_.find(name);
  if (amb != ambiguous_.end())
    throw PluginError(what + " '" + std::string(name) + "' is provided by both " + amb->second[0] +
                      " and " + amb->second[1] + "; rename one of them");
  auto p = find(name);
  if (p && p->kind == kind) return p;
  auto article = [](lb_kind k) { return k == LB_KIND_LOSS ? "a loss" : "an optimizer"; };
  if (p)
    throw PluginError("'" + std::string(name) + "' is " + article(p->kind) + ", not " +
                      article(kind) + " (" + p->path + ")");
  std::string msg =
      "unknown " + what + " '" + std::string(name) + "'" + did_you_mean(name, names(kind));
  if (!failures_.empty())
    msg += "; " + std::to_string(failures_.size()) +
           " plugin file(s) failed to load, see 'lossbench plugins'";
  else
    msg += "; 'lossbench plugins' lists them all";
  throw PluginError(msg);
}

}  // namespace lossbench
