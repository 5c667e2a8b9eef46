// lossbench's benchmark: the workloads of ../shared/bench/WORKLOADS.md (W1-W4, the sweep S1) run
// through lossbench itself (plugins loaded through the ABI, results recorded in SQLite), against
// two baselines measured in the same run: the machine's GEMM peak (the FLOP floor) and, when
// /usr/bin/python3 has torch, PyTorch on the same data and protocol (bench/torch_workloads.py).
// Figures are ratios to those baselines; absolute seconds drift between runs on shared machines.
//
// usage: lossbench_bench [--quick] [--out DIR] [--no-torch] [--only W2,S1,...] [--reps N]
// (bench/run.sh builds and runs it; --only and --reps are for comparing two builds of one part)
#include "analysis/compare.hpp"
#include "data/dataset.hpp"
#include "plugins/registry.hpp"
#include "store/merge.hpp"
#include "store/store.hpp"
#include "sweep/sweep.hpp"
#include "sweep/trial.hpp"
#include "util/process.hpp"
#include "util/rng.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <sqlite3.h>
#include <Eigen/Core>

#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

using namespace lossbench;
namespace fs = std::filesystem;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Double-precision GEMM rate of one core: Eigen on 1024 x 1024, best of 5.
double gemm_peak_flops() {
  const int n = 1024;
  Eigen::MatrixXd A = Eigen::MatrixXd::Random(n, n), B = Eigen::MatrixXd::Random(n, n), C(n, n);
  double best = 1e30;
  for (int r = 0; r < 5; ++r) {
    const double t0 = now_s();
    C.noalias() = A * B;
    best = std::min(best, now_s() - t0);
  }
  if (C(0, 0) == 12345.678) std::cout << "";  // keep C alive
  return 2.0 * n * n * n / best;
}

// A database the bench writes is an output: each run starts from none.
// Runs SQL on its own read-write connection (the bench writes synthetic rows the Store never
// would).
void sqlite3_wrapper_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK)
    throw std::runtime_error(path + ": cannot open");
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error(path + ": " + msg);
}

void remove_db(const std::string& path) {
  for (const char* ext : {"", "-wal", "-shm"}) fs::remove(path + ext);
}

long current_rss_kb() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, rss = 0;
  in >> pages >> rss;
  return rss * (sysconf(_SC_PAGE_SIZE) / 1024);
}

// CPU seconds of the whole process (every thread: trials, writer, main), user + system.
double process_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

struct Workload {
  std::string name, dataset, model, loss, optimizer;
  double lr;
  int batch, epochs;
};

// The split as raw float64 files for the PyTorch script, so both train on the same numbers.
void export_split(const std::string& dir, const Workload& w, const PreparedData& d,
                  const ModelSpec& m) {
  auto dump = [&](const char* part, const RowMatrix& X) {
    std::ofstream f(dir + "/" + w.name + "." + part + ".f64", std::ios::binary);
    f.write(reinterpret_cast<const char*>(X.data()), std::streamsize(X.size() * sizeof(double)));
    return "\"" + std::string(part) + "\":[" + std::to_string(X.rows()) + "," +
           std::to_string(X.cols()) + "]";
  };
  const Split& s = d.split;
  std::string hidden;
  for (size_t i = 0; i < m.hidden.size(); ++i)
    hidden += (i ? "," : "") + std::to_string(m.hidden[i]);
  std::ofstream meta(dir + "/" + w.name + ".json");
  meta << "{" << dump("X_train", s.X_train) << "," << dump("y_train", s.y_train) << ","
       << dump("X_val", s.X_val) << "," << dump("y_val", s.y_val) << "," << dump("X_test", s.X_test)
       << "," << dump("y_test", s.y_test) << ",\"task\":\"" << task_name(d.data.task)
       << "\",\"classes\":" << d.data.n_classes << ",\"hidden\":[" << hidden
       << "],\"activation\":\"" << activation_name(m.activation) << "\",\"optimizer\":\""
       << w.optimizer << "\",\"lr\":" << w.lr << ",\"batch_size\":" << w.batch
       << ",\"epochs\":" << w.epochs << "}\n";
}

// Best of several runs: another program's load only ever slows a run down, so the fastest run is
// the one closest to what the code costs (the GEMM peak is taken the same way).
double best(const std::vector<double>& v, bool highest) {
  return highest ? *std::max_element(v.begin(), v.end()) : *std::min_element(v.begin(), v.end());
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

struct Args {
  bool quick = false, torch = true;
  std::string out = "bench/out";
  std::vector<std::string> only;  // empty: everything
  int reps = 0;                   // 0: the default of each part
  bool wanted(const std::string& part) const {
    return only.empty() || std::find(only.begin(), only.end(), part) != only.end();
  }
};

bool parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    const std::string x = argv[i];
    if (x == "--quick")
      a.quick = true;
    else if (x == "--no-torch")
      a.torch = false;
    else if (x == "--out" && i + 1 < argc)
      a.out = argv[++i];
    else if (x == "--only" && i + 1 < argc)
      a.only = split(argv[++i], ',');
    else if (x == "--reps" && i + 1 < argc)
      a.reps = std::atoi(argv[++i]);
    else
      return false;
  }
  return true;
}

// What every part shares: the options, the plugins, the GEMM floor and the JSON figures.
struct Bench {
  Args args;
  Registry reg;
  std::ostringstream json;
  // The peak is measured before each workload and after the last, and the best counts: a busy
  // moment of a shared machine would otherwise lower the floor and flatter every ratio.
  double peak = 0;
  int peak_samples = 0;
  void sample_peak() { peak = std::max(peak, gemm_peak_flops()), ++peak_samples; }
};

// One workload's figures.
struct Figure {
  std::string name;
  double seconds, flops, steps, final_test;
  std::string final_text;  // "final test accuracy 0.986", printed once the peak is known
  double floor = 0;
};

// A trial's dense-layer FLOPs, what its floor counts: per epoch 6 P per training row and 2 P per
// evaluated row (train, val, test), P the model's parameters.
double dense_flops(const TrialConfig& c) {
  const Split& sp = c.data->split;
  const double P = double(
      Model::from_spec(c.model, int(sp.X_train.cols()), c.data->data.output_cols(), 1).n_params());
  const double ntr = double(sp.X_train.rows()),
               nev = ntr + double(sp.X_val.rows() + sp.X_test.rows());
  return c.epochs * (6 * P * ntr + 2 * P * nev);
}

// W1-W4: one trial each, the best of `reps` runs after a warm-up, recorded in the database.
Figure run_workload(Bench& b, const Workload& w, int reps, Store& store, int64_t sweep_id) {
  PreparedData d;
  d.data = load_dataset(w.dataset);
  d.split = make_split(d.data, 0);
  TrialConfig c;
  c.data = &d;
  c.model = ModelSpec::parse(w.model);
  c.loss = b.reg.require(w.loss, LB_KIND_LOSS);
  c.optimizer = b.reg.require(w.optimizer, LB_KIND_OPTIMIZER);
  c.loss_hp = c.loss->defaults();
  c.optimizer_hp = c.optimizer->defaults();
  c.lr = w.lr, c.batch_size = w.batch, c.epochs = w.epochs;
  c.metric = default_metric(d.data.task);
  c.hash = "bench-" + w.name;
  export_split(b.args.out, w, d, c.model);
  std::vector<double> times;
  std::atomic<bool> no{false};
  TrialResult r;
  run_trial(c, no);  // warm-up
  for (int k = 0; k < reps; ++k) {
    r = run_trial(c, no);
    times.push_back(r.wall_ms / 1e3);
  }
  store.add_pending(sweep_id, {c}, true);
  store.submit(r);
  store.flush();
  return {w.name,         best(times, false),
          dense_flops(c), double(r.steps),
          r.final_test,   "final test " + c.metric + " " + fixed(r.final_test, 3)};
}

std::vector<Figure> run_workloads(Bench& b) {
  const int reps = b.args.reps > 0 ? b.args.reps : b.args.quick ? 1 : 3;
  std::cout << "Each workload: the best of " << reps << " runs after a warm-up\n";
  const std::vector<Workload> ws = {
      {"W1", "digits", "linear", "cross_entropy", "adam", 1e-3, 32, 50},
      {"W2", "digits", "mlp(hidden=64x64,activation=tanh)", "cross_entropy", "adam", 1e-3, 32, 50},
      {"W3", "diabetes", "linear", "mse", "sgd", 1e-2, 16, 200},
      {"W4", "blobs(n=20000,d=32,k=4,sd=2)", "mlp(hidden=128x128,activation=relu)", "cross_entropy",
       "adam", 1e-3, 128, b.args.quick ? 4 : 20},
  };
  std::vector<Figure> figures;
  {
    remove_db(b.args.out + "/bench.db");
    Store store(b.args.out + "/bench.db");
    const int64_t sweep_id = store.begin_sweep("bench", ws.size(), 0);
    for (const auto& w : ws) {
      if (!b.args.wanted(w.name)) continue;
      b.sample_peak();
      figures.push_back(run_workload(b, w, reps, store, sweep_id));
    }
    store.end_sweep(sweep_id);
  }
  if (!figures.empty()) b.sample_peak();
  std::cout << "GEMM peak (Eigen, 1 core, 1024^3, best of " << b.peak_samples
            << " measurements over the run): " << fixed(b.peak / 1e9, 1) << " GFLOP/s\n";
  b.json << "{\"gemm_gflops\":" << b.peak / 1e9;
  for (auto& f : figures) {
    f.floor = f.flops / b.peak;
    std::cout << f.name << ": " << fixed(f.seconds, 3) << " s, floor " << fixed(f.floor, 4)
              << " s (" << fixed(f.seconds / f.floor, 2) << "x), "
              << fixed(f.seconds / f.steps * 1e6, 2) << " us/step, " << f.final_text << "\n";
    b.json << ",\"" << f.name << "\":{\"seconds\":" << f.seconds << ",\"floor\":" << f.floor
           << ",\"us_per_step\":" << f.seconds / f.steps * 1e6 << ",\"test\":" << f.final_test
           << "}";
  }
  return figures;
}

// One S1 sweep's measurements.
struct SweepRun {
  double trials_per_min = 0, cpu_s = 0, writer_share = 0;
  long reader_queries = 0, reader_failures = 0;
};

// S1 once. database: record into SQLite (else a null sink); reader: meanwhile, another connection
// polls the database as `lossbench status` and a dashboard would (progress and the leaderboard,
// every 50 ms).
SweepRun run_s1_once(const Bench& b, const Plan& plan, SweepSpec& s1, int threads, bool database,
                     bool reader) {
  s1.threads = threads;
  RunOptions opt;
  opt.force = true;
  const std::string db = b.args.out + "/s1.db";
  remove_db(db);
  std::ostream null_out(nullptr);
  const double t0 = now_s(), c0 = process_cpu_s();
  SweepRun run;
  RunStats st;
  if (database) {
    Store store(db);
    std::atomic<bool> done{false};
    std::thread poll;
    if (reader)
      poll = std::thread([&] {
        while (!done.load()) {
          try {
            Store::query(db, "SELECT status, count(*) FROM trials GROUP BY status");
            Store::query(db, "SELECT * FROM leaderboard");
            run.reader_queries += 2;
          } catch (const std::exception&) {
            ++run.reader_failures;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      });
    st = run_sweep(plan, s1, store, opt, null_out);
    done = true;
    if (poll.joinable()) poll.join();
    run.writer_share = store.writer_cpu_ms() / st.trial_cpu_ms;
  } else {
    NullSink sink;
    st = run_sweep(plan, s1, sink, opt, null_out);
  }
  run.cpu_s = process_cpu_s() - c0;
  run.trials_per_min = double(st.done + st.diverged) / ((now_s() - t0) / 60.0);
  return run;
}

// S1: 90 trials of W2's model and data; 1 and 2 threads; the database against a null sink and
// against itself with a reader polling.
void run_s1(Bench& b) {
  SweepSpec s1;
  s1.datasets = {"digits"};
  s1.models = {"mlp(hidden=64x64,activation=tanh)"};
  s1.losses = {"cross_entropy", "multi_margin"};
  s1.optimizers = {"sgd", "adagrad", "rmsprop", "adam"};
  s1.hyperparams["optimizer.sgd"]["momentum"] = {0.0, 0.9};
  s1.lrs = {1e-3, 1e-2, 1e-1};
  s1.seeds = {0, 1, 2};
  s1.epochs = b.args.quick ? 4 : 20;
  s1.batch_size = 32;
  const Plan plan = expand(s1, b.reg);
  b.sample_peak();
  const long rss_before = current_rss_kb();
  // Alternating runs, best of each: the database and the null sink see the same machine noise.
  // Wall time and process CPU time both move with other programs' load (a shared core runs
  // slower); the writer thread's own CPU time against the trials' is the steadiest measure.
  std::vector<double> v1, v2, vnull, vread, cpu2, cpunull;
  SweepRun last2, lastread;
  for (int k = 0; k < (b.args.reps > 0 ? b.args.reps : b.args.quick ? 1 : 5); ++k) {
    v1.push_back(run_s1_once(b, plan, s1, 1, true, false).trials_per_min);
    last2 = run_s1_once(b, plan, s1, 2, true, false);
    v2.push_back(last2.trials_per_min), cpu2.push_back(last2.cpu_s);
    const SweepRun null = run_s1_once(b, plan, s1, 2, false, false);
    vnull.push_back(null.trials_per_min), cpunull.push_back(null.cpu_s);
    const SweepRun read = run_s1_once(b, plan, s1, 2, true, true);
    vread.push_back(read.trials_per_min);
    lastread.reader_queries += read.reader_queries,
        lastread.reader_failures += read.reader_failures;
  }
  const double t1 = best(v1, true), t2 = best(v2, true), t2null = best(vnull, true),
               t2read = best(vread, true);
  // S1's floor: every trial's dense-layer FLOPs (as for W1-W4) on 2 cores at the GEMM peak,
  // sampled before and after S1 like the workloads' floors.
  b.sample_peak();
  double flops = 0;
  for (const auto& c : plan.trials) flops += dense_flops(c);
  const double floor_per_min = double(plan.trials.size()) / (flops / (2 * b.peak) / 60.0);
  const double cpu_ratio = best(cpu2, false) / best(cpunull, false);
  const long rss_after_one = current_rss_kb();
  run_s1_once(b, plan, s1, 2, true, false);
  const long rss_after_two = current_rss_kb();
  std::cout << "\nS1 (" << plan.trials.size() << " trials, " << s1.epochs << " epochs, best of "
            << v1.size() << "): " << fixed(t1, 0) << " trials/min on 1 thread, " << fixed(t2, 0)
            << " on 2 (" << fixed(t2 / t1, 2) << "x); null sink " << fixed(t2null, 0)
            << " trials/min: the database costs " << fixed((t2null / t2 - 1) * 100, 1)
            << "% of wall time, " << fixed((cpu_ratio - 1) * 100, 1)
            << "% of process CPU time; the writer thread's CPU time is "
            << fixed(last2.writer_share * 100, 2) << "% of the trials' CPU time\n";
  std::cout << "S1's floor (" << fixed(flops / 1e9, 1) << " GFLOP on 2 cores at "
            << fixed(b.peak / 1e9, 1) << " GFLOP/s): " << fixed(floor_per_min, 0)
            << " trials/min; 2 threads reach " << fixed(100 * t2 / floor_per_min, 1) << "% of it\n";
  std::cout << "S1 with a reader polling the database every 50 ms: " << fixed(t2read, 0)
            << " trials/min (" << fixed((t2 / t2read - 1) * 100, 1) << "% slower than without; "
            << lastread.reader_queries << " queries, " << lastread.reader_failures << " failed)\n";
  std::cout << "RSS: " << rss_before / 1024 << " MiB before S1, " << rss_after_one / 1024
            << " after " << v1.size() * 4 << " sweeps, " << rss_after_two / 1024
            << " after one more; peak " << peak_rss_kb() / 1024 << " MiB\n";
  b.json << ",\"S1\":{\"trials\":" << plan.trials.size() << ",\"epochs\":" << s1.epochs
         << ",\"t1\":" << t1 << ",\"t2\":" << t2 << ",\"t2_null\":" << t2null
         << ",\"floor_per_min\":" << floor_per_min << ",\"t2_reader\":" << t2read
         << ",\"reader_queries\":" << lastread.reader_queries
         << ",\"reader_failures\":" << lastread.reader_failures
         << ",\"cpu_db_over_null\":" << cpu_ratio << ",\"writer_cpu_share\":" << last2.writer_share
         << ",\"rss_kb\":[" << rss_before << "," << rss_after_one << "," << rss_after_two
         << "],\"peak_rss_kb\":" << peak_rss_kb() << "}";
}

// Curve rows as a classification trial of a 3-layer MLP writes them (every metric, three layer
// norms), with made-up values.
std::vector<TrialResult> ingest_results(const std::vector<TrialConfig>& cfgs, int points,
                                        Rng& rng) {
  std::vector<TrialResult> results;
  for (const auto& c : cfgs) {
    TrialResult r;
    r.hash = c.hash;
    r.status = TrialStatus::Done;
    for (int e = 0; e < points; ++e) {
      CurvePoint p;
      p.epoch = e, p.step = uint64_t(e) * 34, p.examples = uint64_t(e) * 1078;
      p.wall_ms = e * 3.7 + rng.uniform(0, 1), p.cpu_ms = p.wall_ms * 0.98;
      p.train_loss = 1.0 / (e + 1) + rng.uniform(0, 1e-3), p.val_loss = p.train_loss * 1.1;
      p.grad_norm = rng.uniform(0, 1);
      p.layer_grad_norms = {rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0, 1)};
      for (Metrics* m : {&p.val, &p.test})
        for (size_t i = 0; i < kMetricCount; ++i)
          if (metric_applies(kMetrics[i], LB_TASK_MULTICLASS))
            (*m)[i] = kMetrics[i].higher_is_better ? rng.uniform(0.5, 1) : rng.uniform(0, 1);
      p.val_metric = p.val.get("accuracy"), p.test_metric = p.test.get("accuracy");
      r.curve.push_back(p);
    }
    r.final_val_metrics = r.curve.back().val.json(LB_TASK_MULTICLASS);
    r.final_test_metrics = r.curve.back().test.json(LB_TASK_MULTICLASS);
    results.push_back(std::move(r));
  }
  return results;
}

// Trials of cross-entropy and SGD on iris that differ only in their hash: what the ingest and
// merge parts write, with ingest_results' synthetic curves.
std::vector<TrialConfig> ingest_configs(Bench& b, const PreparedData& d, int trials,
                                        const std::string& prefix) {
  std::vector<TrialConfig> cfgs;
  for (int i = 0; i < trials; ++i) {
    TrialConfig c;
    c.data = &d;
    c.model = ModelSpec::parse("linear");
    c.loss = b.reg.require("cross_entropy", LB_KIND_LOSS);
    c.optimizer = b.reg.require("sgd", LB_KIND_OPTIMIZER);
    c.loss_hp = c.loss->defaults(), c.optimizer_hp = c.optimizer->defaults();
    c.metric = "accuracy";
    c.hash = prefix + std::to_string(i);
    cfgs.push_back(c);
  }
  return cfgs;
}

// Curve-row ingest: 500 trials x 400 evaluation points through the writer thread; the best of 3
// databases.
void run_ingest(Bench& b) {
  PreparedData d;
  d.data = load_dataset("iris");
  d.split = make_split(d.data, 0);
  const int trials = b.args.quick ? 100 : 500, points = 400;
  const std::vector<TrialConfig> cfgs = ingest_configs(b, d, trials, "ingest-");
  Rng rng(7);
  std::vector<double> rates;
  for (int k = 0; k < (b.args.quick ? 1 : 3); ++k) {
    const std::string db = b.args.out + "/ingest.db";
    remove_db(db);
    Store store(db);
    const int64_t id = store.begin_sweep("ingest", cfgs.size(), 0);
    store.add_pending(id, cfgs, true);
    std::vector<TrialResult> results = ingest_results(cfgs, points, rng);
    const double t0 = now_s();
    for (auto& r : results) store.submit(std::move(r));
    store.flush();
    rates.push_back(double(trials) * points / (now_s() - t0));
  }
  const double rows_per_s = best(rates, true);
  std::cout << "curve ingest: " << fixed(rows_per_s, 0) << " rows/s (best of " << rates.size()
            << " x " << trials * points << " rows; "
            << fs::file_size(b.args.out + "/ingest.db") / (trials * points) << " bytes a row)\n";
  b.json << ",\"ingest_rows_per_s\":" << rows_per_s;
}

// Best wall time of `reps` runs of a shell command, in ms.
double command_ms(const std::string& cmd, int reps) {
  std::vector<double> ms;
  for (int k = 0; k < reps; ++k) {
    const double t0 = now_s();
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
    ms.push_back((now_s() - t0) * 1e3);
  }
  return best(ms, false);
}

// lossbench merge: 4 shard databases of 125 trials x 400 curve rows (200,000 rows; --quick 40,000)
// merged into a new database, best of 3, and merged again (nothing changes: the idempotent path);
// then the fixed cost of an array task: `lossbench run --manifest --shard` of a shard whose trials
// are all finished (start, plugins, data, manifest check, database, supervisor), against a bare
// start.
void run_merge(Bench& b) {
  PreparedData d;
  d.data = load_dataset("iris");
  d.split = make_split(d.data, 0);
  const int shards = 4, trials = b.args.quick ? 25 : 125, points = 400;
  Rng rng(11);
  std::vector<std::string> dbs;
  for (int s = 0; s < shards; ++s) {
    dbs.push_back(b.args.out + "/merge-shard-" + std::to_string(s) + ".db");
    remove_db(dbs.back());
    const auto cfgs = ingest_configs(b, d, trials, "shard" + std::to_string(s) + "-");
    Store store(dbs.back());
    const int64_t id = store.begin_sweep("merge shard " + std::to_string(s), cfgs.size(), 0);
    store.add_pending(id, cfgs, true);
    for (auto& r : ingest_results(cfgs, points, rng)) store.submit(std::move(r));
    store.flush();
    store.end_sweep(id);
  }
  const std::string into = b.args.out + "/merged.db";
  const double rows = double(shards) * trials * points;
  std::vector<double> rates, again;
  for (int k = 0; k < (b.args.quick ? 1 : 3); ++k) {
    remove_db(into);
    double t0 = now_s();
    merge_databases(dbs, into, {}, std::cerr);
    rates.push_back(rows / (now_s() - t0));
    t0 = now_s();
    merge_databases(dbs, into, {}, std::cerr);
    again.push_back((now_s() - t0) * 1e3);
  }
  const double rate = best(rates, true), again_ms = best(again, false);
  std::cout << "\nmerge: " << fixed(rate, 0) << " curve rows/s (" << shards << " shards, "
            << fixed(rows, 0) << " rows; best of " << rates.size() << "); merging them again "
            << fixed(again_ms, 0) << " ms (nothing changes)\n";

  const std::string exe = (executable_dir() / "lossbench").string();
  const std::string dir = b.args.out + "/slurm";
  std::ofstream(b.args.out + "/task.ini") << "datasets = iris\nlosses = cross_entropy\n"
                                             "optimizers = sgd\nlr = 0.01, 0.1\nepochs = 2\n";
  const std::string task = exe + " run --manifest " + dir + "/manifest.json --shard 0/2 --db " +
                           dir + "/shard-0.db --threads 1 --quiet >/dev/null";
  remove_db(dir + "/shard-0.db");
  if (std::system((exe + " slurm --config " + b.args.out + "/task.ini --shards 2 --out " + dir +
                   " >/dev/null && " + task)
                      .c_str()) != 0)
    throw std::runtime_error("the array task of the merge part failed");
  const int reps = b.args.quick ? 5 : 20;
  const double bare = command_ms(exe + " --version >/dev/null", reps);
  const double overhead = command_ms(task, reps);
  std::cout << "array task overhead (a finished shard, best of " << reps
            << "): " << fixed(overhead, 1) << " ms, " << fixed(overhead / bare, 1)
            << "x a bare start (lossbench --version " << fixed(bare, 1) << " ms)\n";
  b.json << ",\"merge_rows_per_s\":" << rate << ",\"merge_again_ms\":" << again_ms
         << ",\"array_task_overhead_ms\":" << overhead;
}

// Start-up of `lossbench plugins` (every built-in loaded, each file probed in a child unless the
// probe cache knows it), against `lossbench --version`, a start that loads nothing.
void run_startup(Bench& b) {
  const std::string exe = (executable_dir() / "lossbench").string();
  const std::string cache = b.args.out + "/startup-cache";
  const int reps = b.args.quick ? 5 : 20;
  fs::remove_all(cache);
  const double bare = command_ms(exe + " --version >/dev/null", reps);
  const double warm =
      command_ms("XDG_CACHE_HOME=" + cache + " " + exe + " plugins >/dev/null", reps);
  std::vector<double> cold;
  for (int k = 0; k < reps; ++k) {
    fs::remove_all(cache);
    cold.push_back(command_ms("XDG_CACHE_HOME=" + cache + " " + exe + " plugins >/dev/null", 1));
  }
  const double c = best(cold, false);
  const double help = command_ms(exe + " --help >/dev/null", reps);
  std::cout << "\nstartup (best of " << reps << "): lossbench plugins (" << b.reg.plugins().size()
            << " built-ins) " << fixed(warm, 1) << " ms with the probe cache warm ("
            << fixed(warm / bare, 2) << "x a bare start), " << fixed(c, 1)
            << " ms probing every file (" << fixed(c / bare, 2) << "x); lossbench --help "
            << fixed(help, 1) << " ms; lossbench --version " << fixed(bare, 1) << " ms\n";
  b.json << ",\"startup_ms\":{\"bare\":" << bare << ",\"plugins_warm\":" << warm
         << ",\"plugins_cold\":" << c << ",\"help\":" << help << "}";
}

// The whole process against the trial inside it: `lossbench run` of one short trial (iris, a
// linear model, 5 epochs) from start to exit, with and without the worker process, less the
// trial's own wall_ms from the database; then the parts that make up the difference, each timed
// in this process: a bare start (lossbench --version), loading the built-in plugins (hashing each
// file, dlopen), hashing alone, and creating a database (schema, t table, fsyncs) and closing it.
void run_overhead(Bench& b) {
  const std::string exe = (executable_dir() / "lossbench").string();
  const std::string db = b.args.out + "/one.db";
  const int reps = b.args.quick ? 5 : 20;
  const std::string one = exe + " run --datasets iris --models linear --losses cross_entropy " +
                          "--optimizers sgd --lr 0.1 --epochs 5 --quiet --db " + db;
  auto whole = [&](const std::string& extra, double& trial_ms) {
    std::vector<double> ms, trial;
    for (int k = 0; k < reps; ++k) {
      remove_db(db);
      ms.push_back(command_ms(one + extra + " >/dev/null", 1));
      trial.push_back(std::stod(Store::query(db, "SELECT wall_ms FROM trials")[0][0]));
    }
    trial_ms = best(trial, false);
    return best(ms, false);
  };
  double trial_iso = 0, trial_here = 0;
  const double iso = whole("", trial_iso), here = whole(" --no-isolation", trial_here);
  const double bare = command_ms(exe + " --version >/dev/null", reps);
  // Loading the plugins as a start does it (this process has them loaded already): `lossbench
  // plugins` with the probe cache warm, less a bare start.
  const double plugins = command_ms(exe + " plugins >/dev/null", reps) - bare;
  std::vector<double> hash, create;
  std::vector<std::string> files;
  for (const auto& p : b.reg.plugins()) files.push_back(p->path);
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  for (int k = 0; k < reps; ++k) {
    double t0 = now_s();
    for (const auto& f : files) sha256_file(f);
    hash.push_back((now_s() - t0) * 1e3);
    remove_db(db);
    t0 = now_s();
    { Store s(db); }
    create.push_back((now_s() - t0) * 1e3);
  }
  std::cout << "\nprocess overhead (best of " << reps << "): a one-trial run takes "
            << fixed(iso, 1) << " ms in all, its trial " << fixed(trial_iso, 1)
            << " ms: " << fixed(iso - trial_iso, 1) << " ms of overhead ("
            << fixed(here - trial_here, 1)
            << " ms with --no-isolation)\n  where it goes: a bare start " << fixed(bare, 1)
            << " ms (twice with the worker); loading " << b.reg.plugins().size() << " built-ins "
            << fixed(plugins, 1) << " ms (twice), of which hashing " << files.size() << " files "
            << fixed(best(hash, false), 1)
            << " ms (SHA-NI: " << (sha256_uses_cpu_instructions() ? "yes" : "no")
            << "); creating the database " << fixed(best(create, false), 1) << " ms\n";
  b.json << ",\"overhead_ms\":{\"one_trial_run\":" << iso << ",\"trial\":" << trial_iso
         << ",\"no_isolation\":" << here << ",\"no_isolation_trial\":" << trial_here
         << ",\"bare_start\":" << bare << ",\"load_plugins\":" << plugins
         << ",\"hash_plugins\":" << best(hash, false) << ",\"create_db\":" << best(create, false)
         << "}";
}

// `lossbench report` on the comparisons' database (issue 15 asks under 10 s, a page under 10 MB
// that Chromium renders in under 5 s): the command's best wall time, the page's size, and, where
// Chromium is installed, the time the page itself says it took to draw every chart.
void run_report(Bench& b, const std::string& db, int reps) {
  const std::string exe = (executable_dir() / "lossbench").string();
  const std::string page = fs::absolute(b.args.out + "/compare.html").string();
  const double ms = command_ms(exe + " report " + db + " --out " + page + " >/dev/null", reps);
  const double mb = double(fs::file_size(page)) / (1024.0 * 1024.0);
  std::cout << "  report" << std::setw(22) << fixed(ms, 0) << " ms  (a page of " << fixed(mb, 2)
            << " MB)\n";
  b.json << ",\"report_ms\":" << ms << ",\"report_mb\":" << mb;
  if (std::system("command -v chromium >/dev/null 2>&1") != 0) {
    std::cout << "  drawing the page: no chromium (scripts/install-deps.sh --dev); skipped\n";
    return;
  }
  std::vector<double> drawn;
  std::string status;
  for (int k = 0; k < reps; ++k) {
    const std::string cmd =
        "chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=60000 "
        "--window-size=1400,1000 --dump-dom file://" +
        page + " 2>/dev/null";
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) throw std::runtime_error("failed: " + cmd);
    std::string dom;
    char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) dom.append(buf, n);
    pclose(pipe);
    // The page's own line: "rendered N of N charts and M diagrams in T ms; no errors".
    const size_t at = dom.find("rendered ");
    const size_t in = dom.find(" in ", at), end = dom.find(" ms", in);
    if (at == std::string::npos || in == std::string::npos || end == std::string::npos)
      throw std::runtime_error("the page did not say it rendered: " + page);
    status = dom.substr(at, dom.find('<', at) - at);
    drawn.push_back(std::stod(dom.substr(in + 4, end - in - 4)));
  }
  std::cout << "  drawn in Chromium" << std::setw(11) << fixed(best(drawn, false), 0) << " ms  ("
            << status << ")\n";
  b.json << ",\"report_draw_ms\":" << best(drawn, false);
}

// The comparisons at scale: a database of 96,000 finished trials (25 datasets x 2 models x 8
// losses x 4 optimizers x 5 learning rates x 4 values of a hyperparameter x 3 seeds, 11
// evaluation points each), written directly in SQL, then `top`, `rank` and every analysis view
// read in full; best of `reps`. Issue #13 asks for each under 1 s.
void run_compare(Bench& b) {
  const std::string db = b.args.out + "/compare.db";
  remove_db(db);
  const int reps = b.args.reps ? b.args.reps : 3;
  const double t0 = now_s();
  { Store created(db); }
  {
    // One connection with one transaction: Store::query is read-only, so write through sqlite3.
    const std::string sql =
        "INSERT INTO sweeps(id, spec, host_version, machine, started_at) VALUES (1, 'bench', '', "
        "'', '');"
        "WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 95999)"
        " INSERT INTO trials(config_hash, config_id, sweep_id, dataset, dataset_hash, task, model,"
        "  loss, loss_params, optimizer, optimizer_params, lr, seed, epochs, batch_size, schedule,"
        "  metric, higher_is_better, status, final_val, final_test, best_val)"
        " SELECT 'h' || n, 'c' || (n / 3), 1, 'dataset' || (n / 3840), 'x', 'regression',"
        "  'mlp' || (n / 1920 % 2), 'loss' || (n / 240 % 8),"
        "  '{\"delta\":' || (1 + n / 3 % 4) || '}', 'opt' || (n / 60 % 4), '{\"momentum\":0}',"
        "  0.001 * (1 + n / 12 % 5), n % 3, 10, 32, 'constant', 'rmse', 0, 'done',"
        "  v, v + (abs(random()) % 1000) / 1e5, v"
        " FROM (SELECT n, 1 + (n / 240 % 8) / 10.0 + abs(2 - n / 12 % 5) / 20.0"
        "   + (abs(random()) % 1000) / 1e4 AS v FROM i);"
        "WITH RECURSIVE e(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM e WHERE k < 10)"
        " INSERT INTO curves(trial_id, epoch, step, examples, wall_ms, cpu_ms, train_loss,"
        "  val_metric, test_metric)"
        " SELECT t.id, e.k, e.k * 30, e.k * 960, e.k * 12.5, e.k * 12.0, 1.0 / (1 + e.k),"
        "  t.final_val * (1 + (10 - e.k) * (0.05 + (t.id % 7) / 100.0)), t.final_test"
        " FROM trials t CROSS JOIN e;";
    sqlite3_wrapper_exec(db, "BEGIN;" + sql + "COMMIT;");
  }
  const double built = now_s() - t0;
  auto time_best = [&](const std::function<size_t()>& f, size_t& rows) {
    std::vector<double> ms;
    for (int k = 0; k < reps; ++k) {
      const double s0 = now_s();
      rows = f();
      ms.push_back((now_s() - s0) * 1e3);
    }
    return best(ms, false);
  };
  std::cout << "\ncomparisons on 96000 trials, 1.06M curve rows (database built in "
            << fixed(built, 1) << " s; best of " << reps << ", ms):\n";
  b.json << ",\"compare_ms\":{";
  const std::vector<std::pair<std::string, std::function<size_t()>>> parts = {
      {"top", [&] { return leaderboard(db, {}, 0).rows.size(); }},
      {"rank_loss", [&] { return rank(db, "loss", {})[0].entries.size(); }},
      {"rank_optimizer", [&] { return rank(db, "optimizer", {})[0].entries.size(); }},
      {"configurations", [&] { return Store::query(db, "SELECT * FROM configurations").size(); }},
      {"leaderboard", [&] { return Store::query(db, "SELECT * FROM leaderboard").size(); }},
      {"entries", [&] { return Store::query(db, "SELECT * FROM entries").size(); }},
      {"performance_profile",
       [&] { return Store::query(db, "SELECT * FROM performance_profile").size(); }},
      {"ecdf", [&] { return Store::query(db, "SELECT * FROM ecdf").size(); }},
  };
  bool first = true;
  for (const auto& [name, f] : parts) {
    size_t rows = 0;
    const double ms = time_best(f, rows);
    std::cout << "  " << std::left << std::setw(20) << name << std::right << std::setw(8)
              << fixed(ms, 0) << " ms  (" << rows << " rows)\n";
    b.json << (first ? "" : ",") << "\"" << name << "\":" << ms;
    first = false;
  }
  b.json << "}";
  run_report(b, db, reps);
}

// PyTorch on the same splits, when it is installed.
void run_torch(Bench& b, const std::vector<Figure>& figures) {
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0) {
    std::cout << "\nPyTorch: not installed for /usr/bin/python3 (apt-get install python3-torch); "
                 "skipped\n";
    return;
  }
  const std::string& out = b.args.out;
  const std::string script = std::string(LOSSBENCH_SOURCE_DIR) + "/bench/torch_workloads.py";
  const std::string cmd =
      "/usr/bin/python3 " + script + " " + out + " W1 W2 W3 W4 > " + out + "/torch.json";
  if (std::system(cmd.c_str()) != 0) return;
  std::ifstream in(out + "/torch.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::cout << "\nPyTorch (same data and protocol, 1 thread): " << text;
  for (const auto& f : figures) {
    const auto key = "\"" + f.name + "\": ";
    const auto at = text.find(key);
    if (at == std::string::npos) continue;
    const double t = std::stod(text.substr(at + key.size()));
    std::cout << f.name << ": PyTorch " << fixed(t, 3) << " s, lossbench "
              << fixed(t / f.seconds, 1) << "x faster; PyTorch " << fixed(t / f.floor, 1)
              << "x its floor, " << fixed(t / f.steps * 1e6, 1) << " us/step\n";
  }
  b.json << ",\"torch\":" << text;
}

}  // namespace

int run(int argc, char** argv) {
  Bench b;
  if (!parse_args(argc, argv, b.args)) {
    std::cerr << "usage: lossbench_bench [--quick] [--out DIR] [--no-torch] [--only "
                 "W1,W2,W3,W4,S1,ingest,merge,startup,overhead,compare,torch] "
                 "[--reps N]\n";
    return 2;
  }
  fs::create_directories(b.args.out);
  b.reg = load_plugins({});
  if (!b.reg.failures().empty()) {
    std::cerr << b.reg.failures()[0].message() << "\n";
    return 1;
  }
  b.sample_peak();
  const std::vector<Figure> figures = run_workloads(b);
  if (b.args.wanted("S1")) run_s1(b);
  if (b.args.wanted("ingest")) run_ingest(b);
  if (b.args.wanted("merge")) run_merge(b);
  if (b.args.wanted("startup")) run_startup(b);
  if (b.args.wanted("overhead")) run_overhead(b);
  if (b.args.wanted("compare")) run_compare(b);
  if (b.args.torch && b.args.wanted("torch")) run_torch(b, figures);
  b.json << "}\n";
  std::ofstream(b.args.out + "/bench.json") << b.json.str();
  std::cout << "\nfigures: " << b.args.out << "/bench.json\n";
  return 0;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "lossbench_bench: " << e.what() << "\n";
    return 1;
  }
}
