#include "sweep/trace.hpp"

#include <algorithm>

namespace lossbench {

namespace {

std::vector<TraceLayer> layers_of(const Model& m) {
  std::vector<TraceLayer> out;
  for (size_t l = 0; l < m.layers().size(); ++l) {
    const Model::Layer& layer = m.layers()[l];
    out.push_back({layer.in, layer.out, activation_name(layer.act), m.weight(l).transpose(),
                   m.bias(l).transpose()});
  }
  return out;
}

class Recorder final : public TrialObserver {
 public:
  Recorder(Trace& t, uint64_t steps) : t_(t), steps_(steps) {}
  void started(const Model& model) override { t_.init = layers_of(model); }
  bool stepped(uint64_t t, const Model& model, const Eigen::Index* rows, Eigen::Index n_rows,
               double lr, double loss, double grad_norm) override {
    t_.batches.emplace_back(rows, rows + n_rows);
    t_.lr.push_back(lr);
    t_.loss.push_back(loss);
    t_.grad_norm.push_back(grad_norm);
    if (t < steps_) return true;
    t_.final = layers_of(model);
    return false;
  }

 private:
  Trace& t_;
  const uint64_t steps_;
};

}  // namespace

uint64_t trial_steps(const TrialConfig& c) {
  const auto n = uint64_t(c.data->split.X_train.rows());
  const uint64_t batch = std::min<uint64_t>(uint64_t(c.batch_size), n);
  return uint64_t(c.epochs) * ((n + batch - 1) / batch);
}

Trace trace_trial(const TrialConfig& c, uint64_t steps) {
  Trace t;
  Recorder recorder(t, steps);
  const std::atomic<bool> never{false};
  const TrialResult r = run_trial(c, never, {}, &recorder);
  if (t.final.empty())  // it ended before the last step: say how
    t.ending = std::string(status_name(r.status)) + (r.message.empty() ? "" : ": " + r.message);
  return t;
}

}  // namespace lossbench
