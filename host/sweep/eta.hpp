#pragma once
// The progress line of a sweep: its estimate of the time left, and fitting it to the terminal.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace lossbench {

// The trials of one (dataset, model) in a running sweep. Trials of one group cost alike, and
// groups do not: an MLP on digits costs a hundred linear models on iris.
struct CostGroup {
  size_t unfinished = 0;   // trials not finished yet, running ones included
  size_t measured = 0;     // trials finished in this run
  double measured_ms = 0;  // their summed wall time
  double prior_ms = -1;  // per trial, from the database's finished trials (--dry-run's); < 0: none
  double work = 0;       // per trial, a relative size: rows x parameters x epochs; 0: unknown
};

// Seconds until the last unfinished trial ends on `threads` threads: each costs its group's mean
// measured in this run, else the group's prior, else its work at the ms per unit of work measured
// so far (else the mean of the trials measured); their sum is shared by the threads, unless the
// dearest one alone takes longer. The mean rate so far would not do: the cheap trials finish
// first, and a sweep of mixed costs seemed to end in 96 s at 20 s in and ended at 640 s.
// Negative when there is nothing to go by yet.
double eta_seconds(const std::vector<CostGroup>& groups, int threads);

// "45 s", "4 min 05 s", "2 h 03 min".
std::string duration_text(double seconds);

// The parts joined by ", ", the least important (highest rank; the later of equals) dropped
// until the line fits in `width` columns, then cut to it.
std::string fit_line(std::vector<std::pair<std::string, int>> parts, size_t width);

}  // namespace lossbench
