#include "cli/manifest.hpp"

#include "cli/output.hpp"
#include "store/store.hpp"

#include <fstream>
#include <sstream>

namespace lossbench::cli {

Manifest manifest_of(const Plan& plan, const SweepSpec& spec, const std::string& config) {
  Manifest m;
  m.host_version = LOSSBENCH_VERSION;
  m.config = config;
  m.spec = spec.text();
  m.trials = plan.unsharded;
  for (const auto& p : plan.plugins)
    m.plugins[std::string(kind_name(p->kind)) + " " + p->name] = p->sha256;
  for (const auto& d : plan.data) m.datasets[d->data.spec] = d->data.hash;
  return m;
}

namespace {
std::string object_of(const std::map<std::string, std::string>& kv) {
  std::vector<std::pair<std::string, std::string>> members;
  for (const auto& [k, v] : kv) members.emplace_back(k, json_value(Cell::of(v)));
  return json_object(members);
}

std::string text_of(const std::string& s) { return json_value(Cell::of(s)); }
}  // namespace

std::string manifest_json(const Manifest& m) {
  return "{\n  \"lossbench_manifest\": 1,\n  \"host_version\": " + text_of(m.host_version) +
         ",\n  \"config\": " + text_of(m.config) + ",\n  \"spec\": " + text_of(m.spec) +
         ",\n  \"trials\": " + std::to_string(m.trials) +
         ",\n  \"plugins\": " + object_of(m.plugins) +
         ",\n  \"datasets\": " + object_of(m.datasets) + "\n}\n";
}

Manifest read_manifest(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("--manifest " + path + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  Manifest m;
  try {
    bool ours = false;
    for (const auto& [k, v] : Store::json_members(text.str(), "$")) {
      if (k == "lossbench_manifest") ours = true;
      if (k == "host_version") m.host_version = v;
      if (k == "config") m.config = v;
      if (k == "spec") m.spec = v;
      if (k == "trials") m.trials = std::stoul(v);
    }
    if (!ours) throw StoreError("no lossbench_manifest key");
    for (const auto& [k, v] : Store::json_members(text.str(), "$.plugins")) m.plugins[k] = v;
    for (const auto& [k, v] : Store::json_members(text.str(), "$.datasets")) m.datasets[k] = v;
  } catch (const std::exception& e) {
    throw std::runtime_error("--manifest " + path +
                             ": not a manifest written by lossbench slurm (" + e.what() + ")");
  }
  return m;
}

namespace {
// The first key whose value differs between the two maps, in words.
std::string map_difference(const char* what, const std::map<std::string, std::string>& frozen,
                           const std::map<std::string, std::string>& here) {
  for (const auto& [k, v] : frozen) {
    auto it = here.find(k);
    if (it == here.end()) return std::string(what) + " " + k + " is in the manifest but not here";
    if (it->second != v)
      return std::string(what) + " " + k + ": " + it->second.substr(0, 12) + "... here, " +
             v.substr(0, 12) + "... in the manifest";
  }
  for (const auto& [k, v] : here)
    if (!frozen.count(k)) return std::string(what) + " " + k + " is here but not in the manifest";
  return "";
}

std::string first_line_difference(const std::string& frozen, const std::string& here) {
  std::istringstream a(frozen), b(here);
  std::string x, y;
  while (true) {
    const bool more_a = bool(std::getline(a, x)), more_b = bool(std::getline(b, y));
    if (!more_a && !more_b) return "";
    if (!more_a) x = "(nothing)";
    if (!more_b) y = "(nothing)";
    if (x != y) return "'" + y + "' here, '" + x + "' in the manifest";
  }
}
}  // namespace

std::string manifest_difference(const Manifest& frozen, const Manifest& here) {
  if (frozen.host_version != here.host_version)
    return "host version " + here.host_version + " here, " + frozen.host_version +
           " in the manifest";
  if (frozen.spec != here.spec)
    return "the sweep: " + first_line_difference(frozen.spec, here.spec);
  if (auto d = map_difference("plugin", frozen.plugins, here.plugins); !d.empty()) return d;
  if (auto d = map_difference("dataset", frozen.datasets, here.datasets); !d.empty()) return d;
  if (frozen.trials != here.trials)
    return std::to_string(here.trials) + " trials here, " + std::to_string(frozen.trials) +
           " in the manifest";
  return "";
}

}  // namespace lossbench::cli
