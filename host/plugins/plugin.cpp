#include "plugins/plugin.hpp"

#include "util/strings.hpp"

#include <cmath>

namespace lossbench {

int Plugin::hyperparam_index(std::string_view n) const {
  for (size_t i = 0; i < hyperparams.size(); ++i)
    if (hyperparams[i].name == n) return static_cast<int>(i);
  return -1;
}

std::vector<double> Plugin::defaults() const {
  std::vector<double> v;
  for (const auto& h : hyperparams) v.push_back(h.default_value);
  return v;
}

std::string Plugin::where() const { return "plugin '" + name + "' (" + path + ")"; }

const char* kind_name(lb_kind k) {
  switch (k) {
    case LB_KIND_LOSS:
      return "loss";
    case LB_KIND_OPTIMIZER:
      return "optimizer";
  }
  return "unknown";
}

void validate_hyperparams(const Plugin& p, const std::vector<double>& hp) {
  if (hp.size() != p.hyperparams.size())
    throw PluginError(p.where() + ": expected " + std::to_string(p.hyperparams.size()) +
                      " hyperparameter values, got " + std::to_string(hp.size()));
  for (size_t i = 0; i < hp.size(); ++i) {
    const Hyperparam& h = p.hyperparams[i];
    if (!(hp[i] >= h.min_value && hp[i] <= h.max_value))
      throw PluginError(p.where() + ": hyperparameter " + h.name + " = " + format_double(hp[i]) +
                        " is outside its range [" + format_double(h.min_value) + ", " +
                        format_double(h.max_value) + "]");
  }
}

PluginInstance::~PluginInstance() {
  if (handle_) plugin_->desc->destroy(handle_);
}

void PluginInstance::created(int rc) {
  if (rc == LB_OK && handle_) return;
  // A failed create owns nothing the host may destroy (abi.h): whatever it wrote to *out is not a
  // handle.
  handle_ = nullptr;
  throw PluginError(plugin_->where() +
                    ": create failed: " + (err_[0] ? err_ : "no handle returned"));
}

LossInstance::LossInstance(std::shared_ptr<const Plugin> plugin, const std::vector<double>& hp,
                           lb_task task, size_t max_rows, size_t cols)
    : PluginInstance(std::move(plugin)) {
  if (!plugin_->is_loss()) throw PluginError(plugin_->where() + " is not a loss");
  if (!plugin_->supports(task))
    throw PluginError(plugin_->where() + " does not support " + task_name(task) + " (supports " +
                      tasks_string(plugin_->tasks) + ")");
  validate_hyperparams(*plugin_, hp);
  created(plugin_->desc->loss_create(hp.data(), hp.size(), task, max_rows, cols, &handle_, err_,
                                     sizeof err_));
}

OptimizerInstance::OptimizerInstance(std::shared_ptr<const Plugin> plugin,
                                     const std::vector<double>& hp, size_t n)
    : PluginInstance(std::move(plugin)) {
  if (plugin_->is_loss()) throw PluginError(plugin_->where() + " is not an optimizer");
  validate_hyperparams(*plugin_, hp);
  created(plugin_->desc->optimizer_create(hp.data(), hp.size(), n, &handle_, err_, sizeof err_));
}

}  // namespace lossbench
