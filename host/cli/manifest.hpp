#pragma once
// The frozen manifest of a sweep split over machines (lossbench slurm writes it, lossbench run
// --manifest checks it). config_hash includes the plugins' and datasets' hashes: a node with
// another build or other data would compute other hashes, and trials would run twice or never.
#include "sweep/sweep.hpp"

#include <map>
#include <string>

namespace lossbench::cli {

struct Manifest {
  std::string host_version;
  std::string config;  // the INI sweep file, absolute: what a task runs when given no --config
  std::string spec;    // SweepSpec::text(), the canonical sweep
  size_t trials = 0;
  std::map<std::string, std::string> plugins;   // "loss huber" -> sha256
  std::map<std::string, std::string> datasets;  // dataset spec -> content hash
};

Manifest manifest_of(const Plan& plan, const SweepSpec& spec, const std::string& config);
std::string manifest_json(const Manifest& m);
// Throws naming the path when it cannot be read or is not a manifest.
Manifest read_manifest(const std::string& path);
// The first way `here` differs from `frozen`, as a phrase ("plugin loss huber: sha256 ab12... here,
// cd34... in the manifest"); empty when they agree.
std::string manifest_difference(const Manifest& frozen, const Manifest& here);

}  // namespace lossbench::cli
