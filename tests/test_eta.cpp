// The progress line's ETA and its fit to the terminal (sweep/eta.hpp), as pure functions.
#include "sweep/eta.hpp"

#include <catch2/catch.hpp>

using namespace lossbench;

namespace {
CostGroup group(size_t unfinished, size_t measured, double ms_each, double prior_ms = -1,
                double work = 0) {
  CostGroup g;
  g.unfinished = unfinished, g.measured = measured, g.measured_ms = ms_each * double(measured);
  g.prior_ms = prior_ms, g.work = work;
  return g;
}
}  // namespace

TEST_CASE("the ETA costs each unfinished trial by its dataset and model, not the mean rate",
          "[sweep]") {
  // 2 threads. Linear models on iris: 100 trials of 10 ms, 90 finished. MLPs on digits: 20 of
  // 1000 ms, 2 finished. 1.45 s in, 92 trials are done: the mean rate (63/s) says the other 28
  // take 0.44 s; they take (10 x 10 + 18 x 1000) / 2 ms = 9.05 s.
  const std::vector<CostGroup> sweep = {group(10, 90, 10), group(18, 2, 1000)};
  const double elapsed = (90 * 10 + 2 * 1000) / 2 / 1e3, mean_rate = 92 / elapsed;
  CHECK(eta_seconds(sweep, 2) == Approx(9.05));
  CHECK(28 / mean_rate < eta_seconds(sweep, 2) / 10);

  // A group with nothing finished in this run costs its prior from the database (what --dry-run
  // uses): 4 trials of 500 ms add 1 s on 2 threads.
  CHECK(eta_seconds({group(10, 90, 10), group(18, 2, 1000), group(4, 0, 0, 500)}, 2) ==
        Approx(10.05));
  // Without a prior, its work at the measured ms per unit of work: 100x the work of a 10 ms
  // trial is 1000 ms.
  CHECK(eta_seconds({group(0, 5, 10, -1, 1), group(2, 0, 0, -1, 100)}, 2) == Approx(1.0));
  // Without either, the mean of every trial measured: (5 x 10 + 5 x 30) / 10 = 20 ms.
  CHECK(eta_seconds({group(0, 5, 10), group(0, 5, 30), group(4, 0, 0)}, 1) == Approx(0.08));
  // A measurement in this run wins over the prior.
  CHECK(eta_seconds({group(2, 1, 100, 5000)}, 1) == Approx(0.2));
  // The last trial runs on one thread, however many there are.
  CHECK(eta_seconds({group(1, 3, 1000)}, 8) == Approx(1.0));
  // Nothing to go by yet: no ETA rather than a made-up one.
  CHECK(eta_seconds({group(5, 0, 0)}, 2) < 0);
  CHECK(eta_seconds({group(0, 3, 10)}, 2) == 0);
}

TEST_CASE("the progress line's durations and its fit to the terminal", "[sweep]") {
  CHECK(duration_text(0.4) == "0 s");
  CHECK(duration_text(45) == "45 s");
  CHECK(duration_text(245) == "4 min 05 s");
  CHECK(duration_text(7380) == "2 h 03 min");

  const std::vector<std::pair<std::string, int>> parts = {
      {"3/10 trials", 0}, {"ETA 5 s", 1}, {"2 running", 3}, {"1 failed", 2}, {"9 s elapsed", 3}};
  CHECK(fit_line(parts, 200) == "3/10 trials, ETA 5 s, 2 running, 1 failed, 9 s elapsed");
  // The least important go first, the later of equals before the earlier.
  CHECK(fit_line(parts, 42) == "3/10 trials, ETA 5 s, 2 running, 1 failed");
  CHECK(fit_line(parts, 31) == "3/10 trials, ETA 5 s, 1 failed");
  CHECK(fit_line(parts, 20) == "3/10 trials, ETA 5 s");
  CHECK(fit_line(parts, 5) == "3/10 ");
  for (size_t w = 1; w < 80; ++w) CHECK(fit_line(parts, w).size() <= w);
}
