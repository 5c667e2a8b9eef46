// `lossbench status DB`: progress of a running or finished sweep.
#include "cli/commands.hpp"
#include "cli/manifest.hpp"
#include "cli/output.hpp"
#include "store/store.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>

namespace lossbench::cli {

namespace {

const char* kUsage =
    "lossbench status DB|DIR [--format table|csv|json]\n"
    "Trials and seconds per status, the last sweep and the first failures. Given the --out DIR\n"
    "of lossbench slurm: the statuses summed over its shard-I.db files, while the array runs.\n"
    "--format csv: one row per status: status,trials,seconds\n"
    "--format json: one object:\n"
    "  {\"statuses\": [{\"status\", \"trials\", \"seconds\"}, ...],\n"
    "   (for a DIR: \"shards\": the shard databases, \"running\": those whose sweep runs; no "
    "more)\n"
    "   \"last_sweep\": {\"id\", \"started_at\", \"ended_at\" (null: running or killed), "
    "\"trials\",\n"
    "                  \"skipped\"} or null,\n"
    "   \"failures\": [{\"trial_id\", \"status\", \"dataset\", \"model\", \"loss\", \"optimizer\", "
    "\"lr\",\n"
    "                 \"seed\", \"diverged_step\", \"message\"}, ...] (all, not the first 5)}\n"
    "options";

// The shards of `lossbench slurm --out DIR`, summed: each task writes its own database, so the
// array's progress is the sum of theirs.
int status_of_shards(const std::string& dir, Format format) {
  namespace fs = std::filesystem;
  std::vector<std::string> dbs;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("shard-", 0) == 0 && e.path().extension() == ".db") dbs.push_back(e.path());
  }
  if (dbs.empty())
    throw StoreError(dir +
                     ": a folder without shard-I.db files (lossbench slurm --out DIR; a task "
                     "writes DIR/shard-I.db once it starts)");
  std::sort(dbs.begin(), dbs.end());
  std::map<std::string, std::pair<int64_t, double>> sums;
  size_t running = 0;
  std::vector<std::string> locked;  // on a shared filesystem, while their task writes them
  for (const auto& db : dbs) {
    Table statuses, last;
    try {
      statuses = Store::table(
          db, "SELECT status, count(*), total(wall_ms) / 1000.0 FROM trials GROUP BY status");
      last = Store::table(db, "SELECT ended_at IS NULL FROM sweeps ORDER BY id DESC LIMIT 1");
    } catch (const StoreError&) {
      if (shared_filesystem(db).empty()) throw;
      locked.push_back(fs::path(db).filename().string());
      continue;
    }
    for (const auto& r : statuses.rows)
      sums[r[0].text].first += r[1].integer, sums[r[0].text].second += r[2].real;
    if (!last.rows.empty()) running += size_t(last.rows[0][0].integer);
  }
  std::vector<std::pair<std::string, std::pair<int64_t, double>>> order(sums.begin(), sums.end());
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  Table t;
  t.columns = {"status", "trials", "seconds"};
  int64_t finished = 0;
  for (const auto& [status, v] : order) {
    t.rows.push_back({Cell::of(status), Cell::of(v.first),
                      format == Format::Table ? Cell::of(std::to_string(int64_t(v.second)))
                                              : Cell::of(v.second)});
    if (status != "pending" && status != "running") finished += v.first;
  }
  if (format == Format::Json) {
    std::cout << "{\n  \"statuses\": " << json_array(t, "  ") << ",\n  \"shards\": " << dbs.size()
              << ",\n  \"running\": " << running + locked.size() << "\n}\n";
    return 0;
  }
  write_table(std::cout, t, format);
  if (format == Format::Csv) return 0;
  std::cout << dbs.size() << " shard database(s) in " << dir << ", " << running + locked.size()
            << " still running; " << finished << " trials finished";
  const auto manifest = (fs::path(dir) / "manifest.json").string();
  if (fs::exists(manifest)) std::cout << " of the sweep's " << read_manifest(manifest).trials;
  std::cout << "\n";
  if (!locked.empty())
    std::cout << "not counted: " << join(locked, ", ")
              << " (on a shared filesystem a task's database cannot be read until the task ends)\n";
  return 0;
}

}  // namespace

int cmd_status(const std::vector<std::string>& args) {
  std::string db;
  int rc = 0;
  Format format = Format::Table;
  if (!database_argument(args, kUsage, db, rc, &format)) return rc;
  if (std::filesystem::is_directory(db)) return status_of_shards(db, format);
  // Seconds to one decimal for reading, the exact sum for a script.
  const Table statuses = Store::table(
      db, std::string("SELECT status, count(*) AS trials, ") +
              (format == Format::Table ? "printf('%.1f', total(wall_ms)/1000.0)"
                                       : "total(wall_ms)/1000.0") +
              " AS seconds FROM trials GROUP BY status ORDER BY count(*) DESC, status");
  if (format == Format::Csv) {
    write_table(std::cout, statuses, format);
    return 0;
  }
  if (format == Format::Json) {
    const Table sweep = Store::table(
        db,
        "SELECT id, started_at, ended_at, trials, skipped FROM sweeps ORDER BY id DESC LIMIT 1");
    const Table failures =
        Store::table(db,
                     "SELECT trial_id, status, dataset, model, loss, optimizer, lr, seed,"
                     " diverged_step, message FROM failures ORDER BY trial_id");
    std::cout << "{\n  \"statuses\": " << json_array(statuses, "  ") << ",\n  \"last_sweep\": "
              << (sweep.rows.empty() ? "null" : json_object(sweep.columns, sweep.rows[0]))
              << ",\n  \"failures\": " << json_array(failures, "  ") << "\n}\n";
    return 0;
  }
  write_table(std::cout, statuses, format);
  auto s = Store::query(db,
                        "SELECT id, started_at, coalesce(ended_at, '(running or killed)') FROM "
                        "sweeps ORDER BY id DESC LIMIT 1");
  if (!s.empty())
    std::cout << "last sweep #" << s[0][0] << " started " << s[0][1] << ", ended " << s[0][2]
              << "\n";
  const Table f =
      Store::table(db, "SELECT status, loss, optimizer, lr, message FROM failures LIMIT 5");
  if (!f.rows.empty()) {
    std::cout << "\nfirst failures:\n";
    write_table(std::cout, f, format);
  }
  return 0;
}

}  // namespace lossbench::cli
