// `lossbench run`: options -> plan -> (supervised) sweep -> store, and the closing lines.
#include "analysis/compare.hpp"
#include "cli/commands.hpp"
#include "cli/manifest.hpp"
#include "cli/output.hpp"
#include "cli/run_args.hpp"
#include "isolation/supervisor.hpp"
#include "store/store.hpp"
#include "sweep/sweep.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <thread>

namespace lossbench::cli {

namespace {

// What a trial "of similar shape" costs, from the finished trials of the database: wall ms per
// epoch by (dataset, model). `basis` counts the trials it comes from. --dry-run's estimate and
// the progress line's ETA both start from it. A trial that --force or --retry sent back to
// pending keeps the wall time of its last run: without it, the worker of a forced run (which
// starts after the reset) would know nothing.
std::map<std::pair<std::string, std::string>, double> ms_per_epoch(const std::string& db,
                                                                   size_t* basis = nullptr) {
  std::map<std::pair<std::string, std::string>, double> out;
  if (!std::filesystem::exists(db)) return out;
  auto rows =
      Store::query(db,
                   "SELECT dataset, model, avg(wall_ms / epochs), count(*) FROM trials"
                   " WHERE status IN ('done', 'timeout', 'pending', 'running') AND epochs > 0"
                   " AND wall_ms IS NOT NULL"
                   " GROUP BY dataset, model");
  for (const auto& r : rows) {
    // A hang's timeout has no wall time; a NULL average must not reach the arithmetic.
    double ms = 0, n = 0;
    if (!parse_double(r[2], ms) || !parse_double(r[3], n)) continue;
    out[{r[0], r[1]}] = ms;
    if (basis) *basis += size_t(n);
  }
  return out;
}

// Run-time estimate for --dry-run from finished trials of the same dataset and model, per epoch,
// times the planned epochs. Trials with no such neighbour in the database are left out of the
// estimate, and the line says how many it covers.
void print_estimate(std::ostream& out, const Plan& plan, const RunArgs& ra) {
  const SweepSpec& spec = ra.spec;
  if (!std::filesystem::exists(spec.db)) return;
  // What this run would skip (as register_sweep decides): finished, unless --force or --retry
  // sends it back.
  std::set<std::string> skip;
  if (!ra.force)
    for (const auto& r : Store::query(spec.db,
                                      "SELECT config_hash, status FROM trials WHERE status NOT IN"
                                      " ('pending', 'running')"))
      if (!ra.retry.count(r[1])) skip.insert(r[0]);
  size_t basis = 0;
  const auto known_ms = ms_per_epoch(spec.db, &basis);
  double ms = 0;
  size_t known = 0, to_run = 0;
  for (const auto& t : plan.trials) {
    if (skip.count(t.hash)) continue;
    ++to_run;
    auto it = known_ms.find({t.data->data.spec, t.model.text});
    if (it == known_ms.end()) continue;
    ms += it->second * t.epochs;
    ++known;
  }
  if (to_run == 0) {
    out << "estimate: nothing to run, all " << plan.trials.size() << " trials are finished in "
        << spec.db << " (--force or --retry runs them again)\n";
    return;
  }
  if (known == 0) return;
  // Trials run in parallel on at most as many threads as there are cores.
  const int cores = std::max(1, int(std::thread::hardware_concurrency()));
  const int threads = std::min(spec.threads > 0 ? spec.threads : cores, cores);
  out << "estimate: " << std::fixed << std::setprecision(0) << ms / 1e3 / threads << " s on "
      << threads << (threads == 1 ? " thread for " : " threads for ") << known << " of the "
      << to_run << " trials to run (" << plan.trials.size() - to_run << " already finished), from "
      << basis << " finished trials of the same dataset and model in " << spec.db << "\n";
}

// What one invocation did, for its closing line.
struct Outcome {
  size_t done = 0, diverged = 0, failed = 0, timeout = 0, crashed = 0, unfinished = 0, before = 0;
  double seconds = 0;
  // A trial's row: its status, or none while it is pending or running.
  void add(std::optional<TrialStatus> s) {
    if (!s) {
      ++unfinished;
      return;
    }
    switch (*s) {
      case TrialStatus::Done:
        ++done;
        break;
      case TrialStatus::Diverged:
        ++diverged;
        break;
      case TrialStatus::Failed:
        ++failed;
        break;
      case TrialStatus::Timeout:
        ++timeout;
        break;
      case TrialStatus::Crashed:
        ++crashed;
        break;
      case TrialStatus::Abandoned:
        ++unfinished;
        break;  // never stored; left to run if it were
    }
  }
};

// Counted from the database: a supervised run's workers each saw only part of the invocation.
Outcome tally(const std::string& db, const Plan& plan,
              const std::set<std::string>& finished_before) {
  std::set<std::string> ours;
  for (const auto& t : plan.trials)
    if (!finished_before.count(t.hash)) ours.insert(t.hash);
  Outcome o;
  o.before = finished_before.size();
  for (const auto& r : Store::query(db, "SELECT config_hash, status FROM trials")) {
    if (ours.count(r[0])) o.add(parse_status(r[1]));
  }
  return o;
}

// The closing lines of a run; returns its exit code.
// With quiet, the summary line alone (and how to resume, when there is something to resume).
int report(const Outcome& o, const std::string& db, const std::vector<std::string>& args, int rc,
           bool quiet) {
  std::cout << "ran " << o.done + o.diverged + o.failed + o.timeout + o.crashed << " trials in "
            << std::fixed << std::setprecision(1) << o.seconds << " s: " << o.done << " done, "
            << o.diverged << " diverged, " << o.failed << " failed, " << o.timeout << " timed out, "
            << o.crashed << " crashed; " << o.before << " were already in " << db;
  if (o.unfinished) std::cout << "; " << o.unfinished << " left to run";
  std::cout << "\n";
  if (rc == 130)
    std::cout << "interrupted: finished trials are saved. Resume with:\n  " << resume_command(args)
              << "\n";
  else if (rc != 0 && o.unfinished > 0)
    std::cout << "stopped with " << o.unfinished << " trial(s) left to run. Resume with:\n  "
              << resume_command(args) << "\n";
  if (rc == 0 && !quiet) {
    print_leaderboard(std::cout, db, 3);
    std::cout << "every row:        lossbench top " << shell_quote(db)
              << "\nacross datasets:  lossbench rank " << shell_quote(db) << " --by loss"
              << "\nas charts:        lossbench report " << shell_quote(db) << "\n";
  }
  return rc;
}

}  // namespace

namespace {

void print_plan(const Plan& plan, const RunArgs& ra) {
  for (const auto& n : ra.notes) std::cerr << n << "\n";
  if (plan.repeated)
    std::cerr << "note: " << plan.repeated
              << " cell(s) of the matrix were another cell's configuration spelled differently "
                 "(say, a model with its defaults written out); each runs once\n";
  std::cout << "sweep: ";
  for (size_t i = 0; i < plan.axes.size(); ++i)
    std::cout << (i ? " x " : "") << plan.axes[i].second << " " << plan.axes[i].first;
  std::cout << "\n       = " << plan.unsharded << " trials";
  if (plan.skipped) std::cout << " (" << plan.skipped << " incompatible loss/task cells skipped)";
  std::cout << "\n";
  if (ra.spec.shards > 1)
    std::cout << "shard " << ra.spec.shard << "/" << ra.spec.shards << ": " << plan.trials.size()
              << " of " << plan.unsharded << " trials\n";
  for (const auto& s : plan.skips)
    std::cout << "       skipped: " << s.loss << " on " << join(s.datasets, ", ") << " ("
              << s.reason << ")\n";
  std::cout << std::flush;
}

// The supervisor's side of an isolated run: it registers the invocation once, supervises
// workers until the sweep is done, and reports for the whole invocation.
int run_supervised(const std::vector<std::string>& args, const RunArgs& ra, const Plan& plan) {
  const auto t0 = std::chrono::steady_clock::now();
  // Refuses a foreign or old database once, here; held open so that the worker's connection is
  // never the last one: a last close checkpoints and removes the WAL, and readers starting at
  // that moment would see the database locked.
  auto hold = std::make_unique<Store>(ra.spec.db);
  // One sweeps row and one registration for the invocation, however often the worker restarts.
  const Registration registered = register_sweep(plan, ra.spec, *hold, ra.force, ra.retry);
  // On a shared filesystem a connection locks the database exclusively (no -shm): the worker's
  // could not open beside this one. There is no WAL file to remove under a reader either.
  const bool shared = !shared_filesystem(ra.spec.db).empty();
  if (shared) hold.reset();
  SupervisorOptions so;
  so.run_args = args;
  so.db = ra.spec.db;
  so.max_retries = ra.max_retries;
  so.hang_timeout_s = ra.hang_timeout;
  so.max_memory = ra.max_memory;
  so.sweep_id = registered.sweep_id;
  SupervisorResult sr = supervise(so, std::cerr);
  if (shared) hold = std::make_unique<Store>(ra.spec.db);
  hold->end_sweep(registered.sweep_id);
  if (shared) hold.reset();  // before the closing lines read the database
  if (sr.crashed + sr.hung > 0)
    std::cout << "isolation: " << sr.crashed << " trial(s) crashed, " << sr.hung
              << " hung; worker restarted " << sr.restarts << " time(s); see the failures view\n";
  Outcome o = tally(ra.spec.db, plan, registered.finished);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report(o, ra.spec.db, args, sr.exit_code, ra.quiet);
}

// Training in this process: a worker of the supervisor, or a run with --no-isolation.
int run_here(const std::vector<std::string>& args, const RunArgs& ra, const Plan& plan) {
  RunOptions opt;
  opt.force = ra.force;
  opt.retry = ra.retry;
  opt.sweep_id = ra.sweep_id;
  opt.notify_fd = ra.worker_fd;
  if (!ra.solo_file.empty()) {
    std::ifstream in(ra.solo_file);
    for (std::string h; std::getline(in, h);)
      if (!h.empty()) opt.solo.insert(h);
  }
  // First: it refuses a foreign database and upgrades an old one. Closed before the closing lines
  // read the database: on a shared filesystem its connection locks it exclusively.
  auto store = std::make_unique<Store>(ra.spec.db);
  opt.prior_ms_per_epoch = ms_per_epoch(ra.spec.db);
  install_interrupt_handlers();
  std::ostream null_out(nullptr);
  RunStats st;
  try {
    st = run_sweep(plan, ra.spec, *store, opt, ra.quiet ? null_out : std::cerr);
    store.reset();
  } catch (const StoreError& e) {
    store.reset();
    auto n = Store::query(ra.spec.db,
                          "SELECT count(*) FROM trials WHERE status NOT IN ('pending','running')");
    throw StoreError(std::string(e.what()) + "; stopped, " + n[0][0] +
                     " finished trials are safe in the database");
  }
  const int rc = st.interrupted ? 130 : 0;
  if (ra.worker_fd >= 0) return rc;  // the supervisor reports for the whole invocation
  Outcome o;
  o.done = st.done, o.diverged = st.diverged, o.failed = st.failed, o.timeout = st.timeout;
  o.before = st.skipped_done, o.seconds = st.seconds;
  o.unfinished = st.total - st.skipped_done - st.done - st.diverged - st.failed - st.timeout;
  return report(o, ra.spec.db, args, rc, ra.quiet);
}

}  // namespace

namespace {

// A resumed sweep whose plugin is not on the search path: the database knows which file its
// trials used, so say that and how to load it, rather than only that the name is unknown.
void refuse_missing_plugins(const SweepSpec& spec, const Registry& reg) {
  std::error_code ec;
  if (!std::filesystem::exists(spec.db, ec)) return;
  for (const auto* names : {&spec.losses, &spec.optimizers})
    for (const auto& name : *names) {
      if (name == "auto" || reg.find(name)) continue;
      std::vector<std::vector<std::string>> used;
      try {
        used = Store::query(spec.db, "SELECT kind, path, sha256 FROM plugins WHERE name = " +
                                         sql_quoted(name) + " ORDER BY id DESC LIMIT 1");
      } catch (const StoreError&) {
        return;  // not a database we can read: expand and the store say what is wrong
      }
      if (used.empty()) continue;
      const std::filesystem::path path(used[0][1]);
      throw PluginError("unknown " + used[0][0] + " '" + name + "': the trials in " + spec.db +
                        " used " + path.string() + " (sha256 " + used[0][2].substr(0, 16) +
                        "), which is not on the plugin search path; pass --plugin-dir " +
                        path.parent_path().string() + " (or add it to LOSSBENCH_PLUGIN_PATH)");
    }
}

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
  bool help = false;
  RunArgs ra = parse_run(args, help);
  if (help) return 0;
  const bool worker = ra.worker_fd >= 0;
  // The process that trains is capped: the worker, or this one with --no-isolation.
  if (worker || !ra.isolation) apply_memory_cap(ra.max_memory);
  Registry reg = load_plugins(ra.plugin_dirs);
  refuse_missing_plugins(ra.spec, reg);
  Plan plan = expand(ra.spec, reg);
  if (!worker) {
    // The sweep needs none of them (expand would have said), but a file that did not load is
    // worth a line: it may be a plugin the user meant to include.
    for (const auto& f : reg.failures()) std::cerr << "note: not loaded: " << f.message() << "\n";
    print_plan(plan, ra);
  }
  // A sweep of nothing is a mistake in it (the losses fit none of the datasets), not a success.
  if (plan.unsharded == 0)
    throw std::invalid_argument(
        "the sweep has no trials: " +
        (plan.skips.empty() ? std::string("an axis is empty")
                            : "no loss fits the tasks of its datasets (see 'skipped' above; "
                              "'lossbench plugins' lists each loss's tasks)"));
  if (!ra.manifest.empty() && !worker) {
    const std::string differs =
        manifest_difference(read_manifest(ra.manifest), manifest_of(plan, ra.spec, ra.config));
    if (!differs.empty())
      throw std::runtime_error("--manifest " + ra.manifest + ": " + differs +
                               "; this node would compute other trial identities (use the same "
                               "build and data, or write the manifest again)");
  }
  if (ra.dry_run) {
    print_estimate(std::cout, plan, ra);
    return 0;
  }
  std::filesystem::path dbp(ra.spec.db);
  std::error_code ec;
  if (dbp.has_parent_path() && !std::filesystem::create_directories(dbp.parent_path(), ec) && ec)
    throw StoreError("--db " + ra.spec.db + ": cannot create folder " + dbp.parent_path().string() +
                     ": " + ec.message());
  // One run per database file; the supervisor holds the lock for its worker, and the lock must
  // outlive every connection of this process (closing its descriptor would drop SQLite's locks).
  std::unique_ptr<RunLock> lock;
  if (!worker) lock = std::make_unique<RunLock>(ra.spec.db);
  return !worker && ra.isolation ? run_supervised(args, ra, plan) : run_here(args, ra, plan);
}

}  // namespace lossbench::cli
