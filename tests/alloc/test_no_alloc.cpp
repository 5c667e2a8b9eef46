// "No allocation in the hot loop", measured: this executable interposes malloc and friends (every
// operator new and every Eigen buffer ends there) and counts calls while counting is on. Plugins
// are loaded exactly as the host loads them, so their allocations are counted too.
#include "../test_paths.hpp"
#include "plugins/registry.hpp"
#include "sweep/trial.hpp"
#include "util/rng.hpp"

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {
std::atomic<long> g_allocations{0};
std::atomic<bool> g_counting{false};
inline void count() {
  if (g_counting.load(std::memory_order_relaxed))
    g_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* malloc(size_t n) {
  count();
  return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
  count();
  return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
  count();
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
void* aligned_alloc(size_t align, size_t n) {
  count();
  return __libc_memalign(align, n);
}
void* memalign(size_t align, size_t n) {
  count();
  return __libc_memalign(align, n);
}
int posix_memalign(void** out, size_t align, size_t n) {
  count();
  *out = __libc_memalign(align, n);
  return *out ? 0 : 12;
}
}

using namespace lossbench;
using namespace lossbench::test;

namespace {
struct Counting {
  Counting() {
    g_allocations = 0;
    g_counting = true;
  }
  ~Counting() { g_counting = false; }
  long count() const { return g_allocations.load(); }
};
}  // namespace

TEST_CASE("the counter sees allocations", "[no_alloc]") {
  Counting c;
  void* p = std::malloc(64);
  auto* q = new std::vector<double>(100);
  long seen = c.count();
  delete q;
  std::free(p);
  CHECK(seen >= 3);
}

TEST_CASE("built-in losses and optimizers allocate nothing per call", "[no_alloc]") {
  REQUIRE(builtins().plugins().size() == builtin_sources("losses") + builtin_sources("optimizers"));
  Rng rng(3);
  for (const auto& p : builtins().plugins()) {
    INFO(p->name);
    if (p->is_loss()) {
      for (lb_task task : {LB_TASK_REGRESSION, LB_TASK_BINARY, LB_TASK_MULTICLASS}) {
        if (!p->supports(task)) continue;
        const size_t rows = 32, cols = task == LB_TASK_MULTICLASS   ? 5
                                       : task == LB_TASK_REGRESSION ? 2
                                                                    : 1;
        LossInstance loss(p, p->defaults(), task, 64, cols);
        std::vector<double> pred(rows * cols),
            target(task == LB_TASK_REGRESSION ? rows * cols : rows), grad(rows * cols);
        for (auto& x : pred) x = rng.normal();
        for (auto& y : target)
          y = task == LB_TASK_REGRESSION ? rng.normal()
                                         : double(rng.below(task == LB_TASK_BINARY ? 2 : cols));
        double v = 0;
        REQUIRE(loss.evaluate(pred.data(), target.data(), rows, cols, &v, grad.data()));
        Counting c;
        for (int i = 0; i < 10; ++i) {
          loss.evaluate(pred.data(), target.data(), rows, cols, &v, grad.data());
          loss.evaluate(pred.data(), target.data(), rows - 7, cols, &v, nullptr);
        }
        CHECK(c.count() == 0);
      }
    } else {
      const size_t n = 1000;
      OptimizerInstance opt(p, p->defaults(), n);
      std::vector<double> x(n), g(n);
      for (size_t i = 0; i < n; ++i) x[i] = rng.normal(), g[i] = rng.normal();
      REQUIRE(opt.step(x.data(), g.data(), n, 0.01, 1));
      Counting c;
      for (uint64_t t = 2; t < 50; ++t) opt.step(x.data(), g.data(), n, 0.01, t);
      CHECK(c.count() == 0);
    }
  }
}

TEST_CASE("a training step allocates nothing: 2 and 6 epochs allocate the same", "[no_alloc]") {
  // 2 epochs are 24 steps, 6 are 72: a single allocation per step would show as 48 more.
  PreparedData data;
  data.data = load_dataset("blobs(n=600,d=8,k=4)");
  data.split = make_split(data.data, 0);
  auto allocations_for = [&](int epochs, const char* loss, const char* optimizer,
                             const char* model) {
    TrialConfig c;
    c.data = &data;
    c.model = ModelSpec::parse(model);
    c.loss = builtins().require(loss, LB_KIND_LOSS);
    c.optimizer = builtins().require(optimizer, LB_KIND_OPTIMIZER);
    c.loss_hp = c.loss->defaults();
    c.optimizer_hp = c.optimizer->defaults();
    c.epochs = epochs;
    c.eval_every = 1000;  // evaluate at epoch 0 and at the end only: the same work in both runs
    // lr 0: every step does its full work (forward, loss, backward, optimizer state) but the
    // model stays put, so both evaluations format the same numbers into the same strings.
    c.lr = 0.0;
    c.metric = "accuracy";
    c.hash = "x";
    std::atomic<bool> no{false};
    Counting count;
    TrialResult r = run_trial(c, no);
    const long n = count.count();
    REQUIRE(r.status == TrialStatus::Done);
    REQUIRE(r.steps == uint64_t(epochs) * 12);  // 360 training rows / 32 per batch, rounded up
    return n;
  };
  allocations_for(1, "cross_entropy", "sgd", "linear");  // one-time initialisations happen here
  for (const char* model : {"linear", "mlp(hidden=16x16,activation=tanh)"})
    for (const char* loss : {"cross_entropy", "soft_f1"})
      for (const char* opt : {"sgd", "adam", "nadam"}) {
        INFO(model << " " << loss << " " << opt);
        CHECK(allocations_for(2, loss, opt, model) == allocations_for(6, loss, opt, model));
      }
}

TEST_CASE("metrics into a reserved Tally allocate nothing, ranking metrics included",
          "[no_alloc]") {
  // An evaluation point computes every metric of validation and test, each epoch: the AUCs sort
  // every row once per class, in buffers the trial's workspace reserves at setup.
  Rng rng(3);
  for (const auto& [task, k] : {std::pair{LB_TASK_BINARY, 2}, std::pair{LB_TASK_MULTICLASS, 10},
                                std::pair{LB_TASK_REGRESSION, 0}}) {
    const Eigen::Index rows = 300, cols = task == LB_TASK_MULTICLASS ? k : 1;
    RowMatrix out(rows, cols), y(rows, 1), fewer_y(rows / 2, 1);
    for (Eigen::Index i = 0; i < out.size(); ++i) out.data()[i] = rng.normal();
    for (Eigen::Index i = 0; i < rows; ++i) y(i, 0) = double(i % std::max(k, 2));
    fewer_y = y.topRows(rows / 2);
    Tally scratch;
    scratch.reserve(k, rows);
    Metrics m;
    {
      Counting c;
      m = compute_metrics(task, k, out, y, 0, 1, scratch);
      m = compute_metrics(task, k, out.topRows(rows / 2), fewer_y, 0, 1, scratch);
      CHECK(c.count() == 0);
    }
    INFO(task_name(task));
    CHECK(std::isfinite(m.get(task == LB_TASK_REGRESSION ? "rmse" : "roc_auc")));
  }
}
