#pragma once
// The host's view of a loaded plugin, and the per-trial instances made from it.
//
// A Plugin keeps its library loaded (shared_ptr<Library>); an instance keeps its Plugin. So a
// library is unloaded only after the last loss or optimizer state it created is destroyed.
#include <lossbench/abi.h>

#include "util/task.hpp"

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lossbench {

class Library;  // a loaded shared object (registry.cpp)

struct Hyperparam {
  std::string name;
  double default_value;
  double min_value;
  double max_value;
  std::string doc;
};

struct Plugin {
  std::string name;
  std::string description;
  lb_kind kind;
  uint32_t tasks;  // bit set of lb_task (losses)
  std::vector<Hyperparam> hyperparams;
  std::string path;
  std::string sha256;
  uint32_t abi_major;
  uint32_t abi_minor;
  const lb_plugin* desc;  // points into the library, valid while `library` lives
  std::shared_ptr<const Library> library;

  bool is_loss() const { return kind == LB_KIND_LOSS; }
  bool supports(lb_task t) const { return (tasks & t) != 0; }
  // Index of a declared hyperparameter, or -1.
  int hyperparam_index(std::string_view n) const;
  std::vector<double> defaults() const;
  // "plugin 'mse' (/path/mse.so)", the prefix of every message about this plugin.
  std::string where() const;
};

const char* kind_name(lb_kind k);

// An error raised on the host side about a plugin (bad create, bad hyperparameter).
struct PluginError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What every per-trial plugin instance holds: the plugin (which keeps its library loaded), the
// handle its create returned, the buffer its messages are written into, and the destroy call.
class PluginInstance {
 public:
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;
  const char* error() const { return err_; }

 protected:
  explicit PluginInstance(std::shared_ptr<const Plugin> plugin) : plugin_(std::move(plugin)) {
    err_[0] = '\0';
  }
  ~PluginInstance();
  // After create: throws PluginError with the plugin's message unless it returned LB_OK and a
  // handle.
  void created(int rc);

  std::shared_ptr<const Plugin> plugin_;
  lb_handle handle_ = nullptr;
  char err_[512];
};

// Per-trial loss state. evaluate() never allocates; on failure it returns false and error()
// holds the plugin's message.
class LossInstance : public PluginInstance {
 public:
  LossInstance(std::shared_ptr<const Plugin> plugin, const std::vector<double>& hp, lb_task task,
               size_t max_rows, size_t cols);

  bool evaluate(const double* pred, const double* target, size_t rows, size_t cols, double* value,
                double* grad) {
    err_[0] = '\0';
    return plugin_->desc->loss_evaluate(handle_, pred, target, rows, cols, value, grad, err_,
                                        sizeof err_) == LB_OK;
  }
};

class OptimizerInstance : public PluginInstance {
 public:
  OptimizerInstance(std::shared_ptr<const Plugin> plugin, const std::vector<double>& hp, size_t n);

  bool step(double* params, const double* grads, size_t n, double lr, uint64_t t) {
    err_[0] = '\0';
    return plugin_->desc->optimizer_step(handle_, params, grads, n, lr, t, err_, sizeof err_) ==
           LB_OK;
  }
};

// Checks hp against the plugin's declaration (count and ranges); throws PluginError naming the
// hyperparameter and its range.
void validate_hyperparams(const Plugin& p, const std::vector<double>& hp);

}  // namespace lossbench
