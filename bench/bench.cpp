// lossbench's benchmark: the workloads of ../shared/bench/WORKLOADS.md (W1-W4, the sweep S1) run
// through lossbench itself (plugins loaded through the ABI, results recorded in SQLite), against
// two baselines measured in the same run: the machine's GEMM peak (the FLOP floor) and, when
// /usr/bin/python3 has torch, PyTorch on the same data and protocol (bench/torch_workloads.py).
// Figures are ratios to those baselines; absolute seconds drift between runs on shared machines.
//
// usage: lossbench_bench [--quick] [--out DIR] [--no-torch] [--only W2,S1,...] [--reps N]
// (bench/run.sh builds and runs it; --only and --reps are for comparing two builds of one part)
#include "data/dataset.hpp"
#include "plugins/registry.hpp"
#include "store/store.hpp"
#include "sweep/sweep.hpp"
#include "sweep/trial.hpp"
#include "util/rng.hpp"
#include "util/strings.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>
#include <sys/resource.h>
#include <unistd.h>

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
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
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
void export_split(const std::string& dir, const Workload& w, const PreparedData& d, const ModelSpec& m) {
  auto dump = [&](const char* part, const RowMatrix& X) {
    std::ofstream f(dir + "/" + w.name + "." + part + ".f64", std::ios::binary);
    f.write(reinterpret_cast<const char*>(X.data()), std::streamsize(X.size() * sizeof(double)));
    return "\"" + std::string(part) + "\":[" + std::to_string(X.rows()) + "," + std::to_string(X.cols()) + "]";
  };
  const Split& s = d.split;
  std::string hidden;
  for (size_t i = 0; i < m.hidden.size(); ++i) hidden += (i ? "," : "") + std::to_string(m.hidden[i]);
  std::ofstream meta(dir + "/" + w.name + ".json");
  meta << "{" << dump("X_train", s.X_train) << "," << dump("y_train", s.y_train) << "," << dump("X_val", s.X_val)
       << "," << dump("y_val", s.y_val) << "," << dump("X_test", s.X_test) << "," << dump("y_test", s.y_test)
       << ",\"task\":\"" << task_name(d.data.task) << "\",\"classes\":" << d.data.n_classes << ",\"hidden\":[" << hidden
       << "],\"activation\":\"" << activation_name(m.activation) << "\",\"optimizer\":\"" << w.optimizer
       << "\",\"lr\":" << w.lr << ",\"batch_size\":" << w.batch << ",\"epochs\":" << w.epochs << "}\n";
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

}  // namespace

int run(int argc, char** argv) {
  bool quick = false, torch = true;
  std::string out = "bench/out";
  std::vector<std::string> only;  // empty: everything
  int reps_arg = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") quick = true;
    else if (a == "--no-torch") torch = false;
    else if (a == "--out" && i + 1 < argc) out = argv[++i];
    else if (a == "--only" && i + 1 < argc) only = split(argv[++i], ',');
    else if (a == "--reps" && i + 1 < argc) reps_arg = std::atoi(argv[++i]);
    else {
      std::cerr << "usage: lossbench_bench [--quick] [--out DIR] [--no-torch] [--only W1,W2,W3,W4,S1,ingest,torch] [--reps N]\n";
      return 2;
    }
  }
  auto wanted = [&](const std::string& part) {
    return only.empty() || std::find(only.begin(), only.end(), part) != only.end();
  };
  fs::create_directories(out);
  Registry reg = load_plugins({});
  if (!reg.failures().empty()) {
    std::cerr << reg.failures()[0].message() << "\n";
    return 1;
  }
  // The peak is measured before each workload and after the last, and the best counts: a busy
  // moment of a shared machine would otherwise lower the floor and flatter every ratio.
  double peak = gemm_peak_flops();
  int peak_samples = 1;
  const int reps = reps_arg > 0 ? reps_arg : quick ? 1 : 3;
  std::cout << "Each workload: the best of " << reps << " runs after a warm-up\n";

  const std::vector<Workload> ws = {
      {"W1", "digits", "linear", "cross_entropy", "adam", 1e-3, 32, 50},
      {"W2", "digits", "mlp(hidden=64x64,activation=tanh)", "cross_entropy", "adam", 1e-3, 32, 50},
      {"W3", "diabetes", "linear", "mse", "sgd", 1e-2, 16, 200},
      {"W4", "blobs(n=20000,d=32,k=4,sd=2)", "mlp(hidden=128x128,activation=relu)", "cross_entropy", "adam", 1e-3,
       128, quick ? 4 : 20},
  };
  std::ostringstream json;
  std::vector<std::string> final_text;  // "final test accuracy 0.986", printed once the peak is known
  std::vector<double> final_test;
  std::vector<std::string> names;
  std::vector<double> ours, floors, steps_of, flop_counts;
  {
    remove_db(out + "/bench.db");
    Store store(out + "/bench.db");
    const int64_t sweep_id = store.begin_sweep("bench", ws.size(), 0);
    for (const auto& w : ws) {
      if (!wanted(w.name)) continue;
      peak = std::max(peak, gemm_peak_flops()), ++peak_samples;
      PreparedData d;
      d.data = load_dataset(w.dataset);
      d.split = make_split(d.data, 0);
      TrialConfig c;
      c.data = &d;
      c.model = ModelSpec::parse(w.model);
      c.loss = reg.require(w.loss, LB_KIND_LOSS);
      c.optimizer = reg.require(w.optimizer, LB_KIND_OPTIMIZER);
      c.loss_hp = c.loss->defaults();
      c.optimizer_hp = c.optimizer->defaults();
      c.lr = w.lr, c.batch_size = w.batch, c.epochs = w.epochs;
      c.metric = default_metric(d.data.task);
      c.hash = "bench-" + w.name;
      export_split(out, w, d, c.model);
      // Dense-layer FLOPs: 6 P per training row, 2 P per evaluated row (train, val, test).
      const Model probe = Model::from_spec(c.model, int(d.split.X_train.cols()), d.data.output_cols(), 1);
      const double P = double(probe.n_params());
      const double ntr = double(d.split.X_train.rows()), nev = ntr + double(d.split.X_val.rows() + d.split.X_test.rows());
      const double flops = w.epochs * (6 * P * ntr + 2 * P * nev);
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
      names.push_back(w.name);
      ours.push_back(best(times, false));
      flop_counts.push_back(flops);
      steps_of.push_back(double(r.steps));
      final_text.push_back("final test " + c.metric + " " + fixed(r.final_test, 3));
      final_test.push_back(r.final_test);
    }
    store.end_sweep(sweep_id);
  }
  if (!names.empty()) peak = std::max(peak, gemm_peak_flops()), ++peak_samples;
  std::cout << "GEMM peak (Eigen, 1 core, 1024^3, best of " << peak_samples << " measurements over the run): "
            << fixed(peak / 1e9, 1) << " GFLOP/s\n";
  json << "{\"gemm_gflops\":" << peak / 1e9;
  for (size_t i = 0; i < names.size(); ++i) {
    floors.push_back(flop_counts[i] / peak);
    std::cout << names[i] << ": " << fixed(ours[i], 3) << " s, floor " << fixed(floors[i], 4) << " s ("
              << fixed(ours[i] / floors[i], 2) << "x), " << fixed(ours[i] / steps_of[i] * 1e6, 2) << " us/step, "
              << final_text[i] << "\n";
    json << ",\"" << names[i] << "\":{\"seconds\":" << ours[i] << ",\"floor\":" << floors[i]
         << ",\"us_per_step\":" << ours[i] / steps_of[i] * 1e6 << ",\"test\":" << final_test[i] << "}";
  }

  // S1: 90 trials of W2's model and data; 1 and 2 threads; the database against a null sink and
  // against itself with a reader polling.
  if (wanted("S1")) {
    SweepSpec s1;
    s1.datasets = {"digits"};
    s1.models = {"mlp(hidden=64x64,activation=tanh)"};
    s1.losses = {"cross_entropy", "multi_margin"};
    s1.optimizers = {"sgd", "adagrad", "rmsprop", "adam"};
    s1.hyperparams["optimizer.sgd"]["momentum"] = {0.0, 0.9};
    s1.lrs = {1e-3, 1e-2, 1e-1};
    s1.seeds = {0, 1, 2};
    s1.epochs = quick ? 4 : 20;
    s1.batch_size = 32;
    Plan plan = expand(s1, reg);
    std::ostream null_out(nullptr);
    double writer_share = 0;  // the writer's CPU time over the trials' CPU time, last database run
    double cpu_s = 0;         // the last run's process CPU time
    long reader_queries = 0, reader_failures = 0;
    // database: record into SQLite; reader: meanwhile, another connection polls the database
    // as `lossbench status` and a dashboard would (progress and the leaderboard, every 50 ms).
    auto sweep_rate = [&](int threads, bool database, bool reader = false) {
      s1.threads = threads;
      RunOptions opt;
      opt.force = true;
      const std::string db = out + "/s1.db";
      remove_db(db);
      const double t0 = now_s(), c0 = process_cpu_s();
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
                reader_queries += 2;
              } catch (const std::exception&) {
                ++reader_failures;
              }
              std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
          });
        st = run_sweep(plan, s1, store, opt, null_out);
        done = true;
        if (poll.joinable()) poll.join();
        writer_share = store.writer_cpu_ms() / st.trial_cpu_ms;
      } else {
        NullSink sink;
        st = run_sweep(plan, s1, sink, opt, null_out);
      }
      cpu_s = process_cpu_s() - c0;
      return double(st.done + st.diverged) / ((now_s() - t0) / 60.0);
    };
    const long rss_before = current_rss_kb();
    // Alternating runs, best of each: the database and the null sink see the same machine noise.
    // Wall time and process CPU time both move with other programs' load (a shared core runs
    // slower); the writer thread's own CPU time against the trials' is the steadiest measure.
    std::vector<double> v1, v2, vnull, vread, cpu2, cpunull;
    for (int k = 0; k < (reps_arg > 0 ? reps_arg : quick ? 1 : 5); ++k) {
      v1.push_back(sweep_rate(1, true));
      v2.push_back(sweep_rate(2, true));
      cpu2.push_back(cpu_s);
      vnull.push_back(sweep_rate(2, false));
      cpunull.push_back(cpu_s);
      vread.push_back(sweep_rate(2, true, true));
    }
    const double t1 = best(v1, true), t2 = best(v2, true), t2null = best(vnull, true), t2read = best(vread, true);
    const double cpu_ratio = best(cpu2, false) / best(cpunull, false);
    const long rss_after_one = current_rss_kb();
    sweep_rate(2, true);
    const long rss_after_two = current_rss_kb();
    std::cout << "\nS1 (" << plan.trials.size() << " trials, " << s1.epochs << " epochs, best of " << v1.size()
              << "): " << fixed(t1, 0)
              << " trials/min on 1 thread, " << fixed(t2, 0) << " on 2 (" << fixed(t2 / t1, 2) << "x); null sink "
              << fixed(t2null, 0) << " trials/min: the database costs " << fixed((t2null / t2 - 1) * 100, 1)
              << "% of wall time, " << fixed((cpu_ratio - 1) * 100, 1)
              << "% of process CPU time; the writer thread's CPU time is " << fixed(writer_share * 100, 2)
              << "% of the trials' CPU time\n";
    std::cout << "S1 with a reader polling the database every 50 ms: " << fixed(t2read, 0) << " trials/min ("
              << fixed((t2 / t2read - 1) * 100, 1) << "% slower than without; " << reader_queries << " queries, "
              << reader_failures << " failed)\n";
    std::cout << "RSS: " << rss_before / 1024 << " MiB before S1, " << rss_after_one / 1024 << " after " << v1.size() * 4
              << " sweeps, " << rss_after_two / 1024 << " after one more; peak " << peak_rss_kb() / 1024 << " MiB\n";
    json << ",\"S1\":{\"trials\":" << plan.trials.size() << ",\"epochs\":" << s1.epochs << ",\"t1\":" << t1
         << ",\"t2\":" << t2 << ",\"t2_null\":" << t2null << ",\"t2_reader\":" << t2read << ",\"reader_queries\":" << reader_queries << ",\"reader_failures\":" << reader_failures << ",\"cpu_db_over_null\":" << cpu_ratio << ",\"writer_cpu_share\":" << writer_share << ",\"rss_kb\":[" << rss_before << "," << rss_after_one
         << "," << rss_after_two << "],\"peak_rss_kb\":" << peak_rss_kb() << "}";
  }

  // Curve-row ingest: 500 trials x 400 evaluation points through the writer thread, rows as a
  // classification trial of a 3-layer MLP writes them (every metric, three layer norms); the
  // best of 3 databases.
  if (wanted("ingest")) {
    PreparedData d;
    d.data = load_dataset("iris");
    d.split = make_split(d.data, 0);
    const int trials = quick ? 100 : 500, points = 400;
    std::vector<TrialConfig> cfgs;
    for (int i = 0; i < trials; ++i) {
      TrialConfig c;
      c.data = &d;
      c.model = ModelSpec::parse("linear");
      c.loss = reg.require("cross_entropy", LB_KIND_LOSS);
      c.optimizer = reg.require("sgd", LB_KIND_OPTIMIZER);
      c.loss_hp = c.loss->defaults(), c.optimizer_hp = c.optimizer->defaults();
      c.metric = "accuracy";
      c.hash = "ingest-" + std::to_string(i);
      cfgs.push_back(c);
    }
    Rng rng(7);
    auto results_of = [&] {
      std::vector<TrialResult> results;
      for (int i = 0; i < trials; ++i) {
        TrialResult r;
        r.hash = cfgs[size_t(i)].hash;
        r.status = TrialStatus::Done;
        for (int e = 0; e < points; ++e) {
          CurvePoint p;
          p.epoch = e, p.step = uint64_t(e) * 34, p.examples = uint64_t(e) * 1078;
          p.wall_ms = e * 3.7 + rng.uniform(0, 1), p.cpu_ms = p.wall_ms * 0.98;
          p.train_loss = 1.0 / (e + 1) + rng.uniform(0, 1e-3), p.val_loss = p.train_loss * 1.1, p.grad_norm = rng.uniform(0, 1);
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
    };
    std::vector<double> rates;
    for (int k = 0; k < (quick ? 1 : 3); ++k) {
      const std::string db = out + "/ingest.db";
      remove_db(db);
      Store store(db);
      const int64_t id = store.begin_sweep("ingest", cfgs.size(), 0);
      store.add_pending(id, cfgs, true);
      std::vector<TrialResult> results = results_of();
      const double t0 = now_s();
      for (auto& r : results) store.submit(std::move(r));
      store.flush();
      rates.push_back(double(trials) * points / (now_s() - t0));
    }
    const double rows_per_s = best(rates, true);
    std::cout << "curve ingest: " << fixed(rows_per_s, 0) << " rows/s (best of " << rates.size() << " x "
              << trials * points << " rows; " << fs::file_size(out + "/ingest.db") / (trials * points) << " bytes a row)\n";
    json << ",\"ingest_rows_per_s\":" << rows_per_s;
  }

  // PyTorch on the same splits, when it is installed.
  if (torch && wanted("torch") && std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0) {
    const std::string script = std::string(LOSSBENCH_SOURCE_DIR) + "/bench/torch_workloads.py";
    const std::string cmd = "/usr/bin/python3 " + script + " " + out + " W1 W2 W3 W4 > " + out + "/torch.json";
    if (std::system(cmd.c_str()) == 0) {
      std::ifstream in(out + "/torch.json");
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::cout << "\nPyTorch (same data and protocol, 1 thread): " << text;
      for (size_t i = 0; i < names.size(); ++i) {
        const auto key = "\"" + names[i] + "\": ";
        const auto at = text.find(key);
        if (at == std::string::npos) continue;
        const double t = std::stod(text.substr(at + key.size()));
        std::cout << names[i] << ": PyTorch " << fixed(t, 3) << " s, lossbench " << fixed(t / ours[i], 1)
                  << "x faster; PyTorch " << fixed(t / floors[i], 1) << "x its floor, " << fixed(t / steps_of[i] * 1e6, 1)
                  << " us/step\n";
      }
      json << ",\"torch\":" << text;
    }
  } else if (torch) {
    std::cout << "\nPyTorch: not installed for /usr/bin/python3 (apt-get install python3-torch); skipped\n";
  }
  json << "}\n";
  std::ofstream(out + "/bench.json") << json.str();
  std::cout << "\nfigures: " << out << "/bench.json\n";
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
