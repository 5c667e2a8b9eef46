#include "store/merge.hpp"

#include "store/schema.sql.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"
#include "util/strings.hpp"

#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

namespace lossbench {

namespace {

namespace fs = std::filesystem;

// What makes two trials of one config_hash the same trial: if they differ, the hash was computed
// from other sources (another build of a plugin under the same sha256 cannot happen), and merging
// would mix two experiments under one identity.
const std::vector<std::string> kAxisColumns = {"dataset",
                                               "dataset_hash",
                                               "task",
                                               "model",
                                               "loss",
                                               "loss_params",
                                               "optimizer",
                                               "optimizer_params",
                                               "lr",
                                               "seed",
                                               "epochs",
                                               "batch_size",
                                               "schedule",
                                               "metric",
                                               "higher_is_better",
                                               "target",
                                               "split",
                                               "split_seed"};

// A terminal result, timing aside: two runs of one trial compute the same bits, so a difference
// here is a real conflict (another machine's floating point, another library), not a clock.
const std::vector<std::string> kOutcomeColumns = {"status",
                                                  "diverged_step",
                                                  "steps",
                                                  "final_val",
                                                  "final_test",
                                                  "best_val",
                                                  "best_val_epoch",
                                                  "test_at_best_val",
                                                  "epochs_to_target",
                                                  "final_val_metrics",
                                                  "final_test_metrics"};

const char* kUnfinished = "('pending', 'running')";

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : db_error(db);
    sqlite3_free(err);
    throw StoreError(msg);
  }
}

std::vector<std::string> columns_of(sqlite3* db, const std::string& schema,
                                    const std::string& table) {
  Stmt s(db, ("SELECT name FROM pragma_table_info('" + table + "', '" + schema + "')").c_str());
  std::vector<std::string> names;
  while (s.step()) names.push_back(s.text(0));
  return names;
}

// The columns a shard's table shares with the destination's, by name, leaving out `skip`: another
// helper's new curve column is copied without a change here. A column the destination lacks
// would be lost, so it is refused (the schema versions agree, so this is a foreign build).
std::vector<std::string> shared_columns(sqlite3* db, const std::string& table,
                                        const std::set<std::string>& skip,
                                        const std::string& shard) {
  const auto into = columns_of(db, "main", table);
  std::vector<std::string> cols;
  for (const auto& c : columns_of(db, "shard", table)) {
    if (std::find(into.begin(), into.end(), c) == into.end())
      throw StoreError(shard + ": table " + table + " has a column '" + c +
                       "' that the destination lacks (written by another build of lossbench)");
    if (!skip.count(c)) cols.push_back(c);
  }
  return cols;
}

std::string prefixed(const std::vector<std::string>& cols, const std::string& prefix) {
  std::string s;
  for (const auto& c : cols) s += (s.empty() ? "" : ", ") + prefix + "\"" + c + "\"";
  return s;
}

// One shard, checked before anything is merged: readable, ours, of a schema this lossbench
// knows, finished (or --partial).
struct ShardInfo {
  std::set<std::string> versions;  // of the lossbench that wrote each of its sweeps
  bool upgrade = false;            // an older schema: merged from an upgraded copy
};

ShardInfo inspect(const std::string& path, const MergeOptions& options) {
  ShardInfo info;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw StoreError(path + ": no such database (give the shards' .db files)");
  info.upgrade = Store::file_schema_version(path) < kSchemaVersion;
  const auto state = Store::query(
      path, std::string("SELECT (SELECT count(*) FROM trials WHERE status IN ") + kUnfinished +
                "), (SELECT ended_at IS NULL FROM sweeps ORDER BY id DESC LIMIT 1)");
  if (!options.partial && (state[0][0] != "0" || state[0][1] == "1"))
    throw StoreError(path + ": its sweep has not ended (" + state[0][0] +
                     " trials pending or running); run the shard to its end (the same command "
                     "resumes it) or merge with --partial");
  for (const auto& r : Store::query(path, "SELECT DISTINCT host_version FROM sweeps"))
    info.versions.insert(r[0]);
  return info;
}

// A copy of an older shard, upgraded as a run would upgrade it: the shard itself stays as it was
// written (it is opened read-only like every shard).
class UpgradedCopy {
 public:
  explicit UpgradedCopy(const std::string& shard) {
    dir_ = fs::temp_directory_path() /
           ("lossbench-merge-" + std::to_string(getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_);
    path_ = (dir_ / "shard.db").string();
    fs::copy_file(shard, path_);
    std::error_code ec;
    if (fs::exists(shard + "-wal", ec)) fs::copy_file(shard + "-wal", path_ + "-wal");
    try {
      Store upgraded(path_);
    } catch (const StoreError& e) {
      throw StoreError(shard + ": upgrading a copy of it to schema version " +
                       std::to_string(kSchemaVersion) + " failed: " + e.what());
    }
  }
  ~UpgradedCopy() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  UpgradedCopy(const UpgradedCopy&) = delete;
  UpgradedCopy& operator=(const UpgradedCopy&) = delete;
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
  std::string path_;
};

// The shard's sweeps rows into the destination, each once: a row already there (same spec,
// version, machine, start and size) is the same invocation merged before. Fills temp.sweep_map.
size_t merge_sweeps(sqlite3* db, const std::string& shard) {
  const auto cols = shared_columns(db, "sweeps", {"id"}, shard);
  Stmt rows(db,
            "SELECT id, spec, host_version, machine, started_at, trials, skipped, ended_at"
            " FROM shard.sweeps ORDER BY id");
  Stmt find(db,
            "SELECT id FROM main.sweeps WHERE spec IS ? AND host_version IS ? AND machine IS ?"
            " AND started_at IS ? AND trials IS ? AND skipped IS ?");
  Stmt end(db, "UPDATE main.sweeps SET ended_at = ? WHERE id = ? AND ended_at IS NULL");
  const std::string insert_sql = "INSERT INTO main.sweeps(" + prefixed(cols, "") + ") SELECT " +
                                 prefixed(cols, "") + " FROM shard.sweeps WHERE id = ?";
  Stmt insert(db, insert_sql.c_str());
  Stmt map(db, "INSERT INTO temp.sweep_map(src, dst) VALUES (?, ?)");
  size_t added = 0;
  while (rows.step()) {
    for (int i = 1; i <= 6; ++i)
      sqlite3_bind_value(find.raw(), i, sqlite3_column_value(rows.raw(), i));
    int64_t dst = 0;
    if (find.step()) {
      dst = find.integer(0);
      find.reset();
      if (sqlite3_column_type(rows.raw(), 7) != SQLITE_NULL)
        end.bind(1, rows.text(7)).bind(2, dst).run();
    } else {
      find.reset();
      insert.bind(1, rows.integer(0)).run();
      dst = sqlite3_last_insert_rowid(db);
      ++added;
    }
    map.bind(1, rows.integer(0)).bind(2, dst).run();
  }
  return added;
}

// Same hash, different axis values: abort, naming the first such trial and column.
void check_axes(sqlite3* db, const std::string& shard, const std::string& into) {
  const auto here = columns_of(db, "shard", "trials");
  std::string sql;
  for (const auto& c : kAxisColumns) {
    if (std::find(here.begin(), here.end(), c) == here.end()) continue;
    sql += std::string(sql.empty() ? "" : " UNION ALL ") + "SELECT a.config_hash, '" + c +
           "', quote(a.\"" + c + "\"), quote(b.\"" + c +
           "\") FROM shard.trials a JOIN main.trials b ON b.config_hash = a.config_hash WHERE "
           "a.\"" +
           c + "\" IS NOT b.\"" + c + "\"";
  }
  Stmt s(db, (sql + " LIMIT 1").c_str());
  if (s.step())
    throw StoreError(shard + ": trial " + s.text(0) + " has " + s.text(1) + " " + s.text(2) +
                     " but " + s.text(3) + " in " + into +
                     ": one config_hash, two configurations; nothing of " + shard + " merged");
}

// One shard, attached read-only, in one transaction.
void merge_shard(sqlite3* db, const std::string& shard, const std::string& attach_path,
                 const std::string& into, MergeCounts& counts) {
  // In exclusive locking mode (a destination or shard on a shared filesystem) SQLite cannot read
  // a WAL database read-only; a finished shard's file is whole, and immutable reads it as it is.
  const bool exclusive =
      !shared_filesystem(into).empty() || !shared_filesystem(attach_path).empty();
  if (exclusive && has_wal_commits(attach_path))
    throw StoreError(shard +
                     ": its -wal holds commits: a task is writing it, or was killed (run "
                     "the shard again to recover it)");
  try {
    Stmt(db, "ATTACH DATABASE ? AS shard")
        .bind(1, file_uri(attach_path, exclusive ? "immutable=1" : "mode=ro"))
        .run();
    exec(db, "BEGIN IMMEDIATE");
    exec(db, "DELETE FROM temp.sweep_map; DELETE FROM temp.merge_plan");
    counts.sweeps += merge_sweeps(db, shard);
    const auto plugin_cols = shared_columns(db, "plugins", {"id"}, shard);
    exec(db, "INSERT OR IGNORE INTO main.plugins(" + prefixed(plugin_cols, "") + ") SELECT " +
                 prefixed(plugin_cols, "") + " FROM shard.plugins ORDER BY id");
    // A dataset's text class labels follow its content hash, the same in every shard.
    exec(db,
         "INSERT OR IGNORE INTO main.classes(dataset_hash, class, label)"
         " SELECT dataset_hash, class, label FROM shard.classes");
    check_axes(db, shard, into);
    // 0: new here; 1: a terminal result over pending or running; 2: the same result; 3: the
    // shard's trial is unfinished and the destination has it; 4: two different terminal results.
    std::string same;
    for (const auto& c : kOutcomeColumns)
      same += std::string(same.empty() ? "" : " AND ") + "a.\"" + c + "\" IS b.\"" + c + "\"";
    exec(db, std::string("INSERT INTO temp.merge_plan(src, dst, action) SELECT a.id, b.id, CASE") +
                 " WHEN b.id IS NULL THEN 0 WHEN a.status IN " + kUnfinished +
                 " THEN 3 WHEN b.status IN " + kUnfinished + " THEN 1 WHEN " + same +
                 " THEN 2 ELSE 4 END FROM shard.trials a LEFT JOIN main.trials b"
                 " ON b.config_hash = a.config_hash");
    const auto cols = shared_columns(db, "trials", {"id", "sweep_id"}, shard);
    exec(db, "INSERT INTO main.trials(" + prefixed(cols, "") + ", sweep_id) SELECT " +
                 prefixed(cols, "a.") +
                 ", m.dst FROM temp.merge_plan p JOIN shard.trials a ON a.id = p.src"
                 " JOIN temp.sweep_map m ON m.src = a.sweep_id WHERE p.action = 0 ORDER BY a.id");
    exec(db,
         "UPDATE temp.merge_plan SET dst = (SELECT t.id FROM main.trials t JOIN shard.trials a"
         " ON a.config_hash = t.config_hash WHERE a.id = merge_plan.src) WHERE action = 0");
    exec(db, "UPDATE main.trials AS t SET (" + prefixed(cols, "") + ", sweep_id) = (SELECT " +
                 prefixed(cols, "a.") +
                 ", m.dst FROM temp.merge_plan p JOIN shard.trials a ON a.id = p.src"
                 " JOIN temp.sweep_map m ON m.src = a.sweep_id WHERE p.dst = t.id)"
                 " WHERE t.id IN (SELECT dst FROM temp.merge_plan WHERE action = 1)");
    exec(db,
         "DELETE FROM main.curves WHERE trial_id IN (SELECT dst FROM temp.merge_plan"
         " WHERE action = 1)");
    const auto curve_cols = shared_columns(db, "curves", {"trial_id"}, shard);
    exec(db, "INSERT INTO main.curves(trial_id, " + prefixed(curve_cols, "") + ") SELECT p.dst, " +
                 prefixed(curve_cols, "c.") +
                 " FROM temp.merge_plan p JOIN shard.curves c ON c.trial_id = p.src"
                 " WHERE p.action IN (0, 1)");
    counts.curve_rows += size_t(sqlite3_changes(db));
    // By action, as the plan numbers them (3, an unfinished trial already here, is not counted).
    size_t* const by_action[] = {&counts.added, &counts.replaced, &counts.unchanged, nullptr,
                                 &counts.conflicts};
    Stmt tally(db, "SELECT action, count(*) FROM temp.merge_plan GROUP BY action");
    while (tally.step())
      if (size_t* n = by_action[tally.integer(0)]) *n += size_t(tally.integer(1));
    exec(db, "COMMIT");
  } catch (const StoreError& e) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_exec(db, "DETACH DATABASE shard", nullptr, nullptr, nullptr);
    const std::string what = e.what();
    throw StoreError(what.rfind(shard, 0) == 0 ? what : shard + ": " + what);
  }
  exec(db, "DETACH DATABASE shard");
  ++counts.shards;
}

}  // namespace

MergeCounts merge_databases(const std::vector<std::string>& shards, const std::string& into,
                            const MergeOptions& options, std::ostream& warn) {
  std::error_code ec;
  std::vector<ShardInfo> infos;
  std::map<std::string, std::vector<std::string>> versions;  // host version -> shards
  for (const auto& s : shards) {
    if (fs::exists(into, ec) && fs::equivalent(s, into, ec))
      throw StoreError(s + " is the destination --into itself: give another --into");
    infos.push_back(inspect(s, options));
    for (const auto& v : infos.back().versions) versions[v].push_back(s);
  }
  if (versions.size() > 1) {
    std::string which;
    for (const auto& [v, files] : versions)
      which += (which.empty() ? "" : "; ") + v + ": " + join(files, ", ");
    warn << "warning: the shards were written by different lossbench versions (" << which
         << "); their results may not be comparable\n";
  }
  const fs::path dir = fs::path(into).parent_path();
  if (!dir.empty() && !fs::create_directories(dir, ec) && ec)
    throw StoreError(into + ": cannot create folder " + dir.string() + ": " + ec.message());
  RunLock lock(into);       // no run writes the destination while shards go in
  { Store created(into); }  // the schema, or an older destination upgraded
  Connection db = open_connection(into, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI);
  // As the Store's writer: a shard's commit survives a crash of lossbench, and a curve index the
  // size of a night's sweep stays in memory.
  exec(db.get(), "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY");
  exec(db.get(),
       "CREATE TEMP TABLE sweep_map(src INTEGER PRIMARY KEY, dst INTEGER NOT NULL);"
       "CREATE TEMP TABLE merge_plan(src INTEGER PRIMARY KEY, dst INTEGER, action INTEGER)");
  MergeCounts counts;
  for (size_t i = 0; i < shards.size(); ++i) {
    std::unique_ptr<UpgradedCopy> copy;
    if (infos[i].upgrade) copy = std::make_unique<UpgradedCopy>(shards[i]);
    merge_shard(db.get(), shards[i], copy ? copy->path() : shards[i], into, counts);
  }
  return counts;
}

}  // namespace lossbench
