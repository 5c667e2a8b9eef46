#pragma once
// `lossbench trace`: one trial trained exactly as `run` trains it, step by step, as plain data that
// a reference implementation (tests/trace/replay_torch.py: PyTorch) can replay from the same
// initialization and batches.
#include "sweep/trial.hpp"

#include <string>
#include <vector>

namespace lossbench {

struct TraceLayer {
  int in = 0, out = 0;
  std::string activation;
  RowMatrix weight;  // out x in: PyTorch's nn.Linear.weight layout (lossbench keeps in x out)
  Eigen::VectorXd bias;
};

struct Trace {
  std::vector<TraceLayer> init, final;  // the layers before the first step and after the last
  std::vector<double> lr, loss, grad_norm;
  std::vector<std::vector<Eigen::Index>> batches;  // training-row indices of each step's batch
  std::string ending;  // "" when all steps ran; else how the trial ended before (diverged, ...)
};

// Optimizer steps in a trial of this configuration: epochs x ceil(training rows / batch size).
uint64_t trial_steps(const TrialConfig& c);

// Trains the trial for `steps` optimizer steps (at most trial_steps(c)), recording each.
Trace trace_trial(const TrialConfig& c, uint64_t steps);

}  // namespace lossbench
