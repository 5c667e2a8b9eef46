#include "store/store.hpp"

#include "store/schema.sql.hpp"
#include "store/sqlite.hpp"
#include "sweep/metrics.hpp"
#include "util/process.hpp"
#include "util/sha256.hpp"
#include "util/stats.hpp"
#include "util/strings.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

namespace lossbench {

namespace {

std::string host_name() {
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  return host;
}

std::string machine_description() {
  return host_name() + ", " + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " cores, " +
         instruction_set();
}

// Into a reused string: one curve row after another, no allocation once it has grown.
void norms_json(const std::vector<double>& v, std::string& s) {
  s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    if (std::isfinite(v[i]))
      append_double(s, v[i]);
    else
      s += "null";
  }
  s += ']';
}

}  // namespace

void SqliteCloser::operator()(sqlite3* db) const { sqlite3_close(db); }

// SQLite's message, with the operating system's reason when there is one ("disk I/O error (File
// too large)" says more than the first half alone).
std::string db_error(sqlite3* db) {
  std::string msg = sqlite3_errmsg(db);
  if (int e = sqlite3_system_errno(db)) msg += std::string(" (") + std::strerror(e) + ")";
  return msg;
}

std::string shared_filesystem(const std::string& db_path) {
  if (const char* e = std::getenv("LOSSBENCH_SHARED_FS"); e && *e && std::string(e) != "0")
    return "LOSSBENCH_SHARED_FS";
  // The folder: the database itself may not exist yet.
  std::error_code ec;
  const auto dir = std::filesystem::absolute(db_path, ec).parent_path();
  struct statfs st {};
  if (ec || statfs(dir.c_str(), &st) != 0) return "";
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0x6969:
      return "NFS";
    case 0x517B:
    case 0xFF534D42:
    case 0xFE534D42:
      return "CIFS";
    case 0x0BD00BD0:
      return "Lustre";
    case 0x47504653:
      return "GPFS";
    case 0x19830326:
      return "BeeGFS";
    default:
      return "";
  }
}

// The one way lossbench opens a database: the store's writer connection and the short-lived
// ones of readers and the supervisor.
Connection open_connection(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Connection db(raw);
  if (rc != SQLITE_OK)
    throw StoreError(path +
                     ": cannot open database: " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
  sqlite3_busy_timeout(raw, 10000);
  // WAL's index is shared memory (the -shm file, mmapped), which a network filesystem does not
  // share between hosts. In exclusive locking mode, set before the first access, SQLite keeps the
  // index in the process's heap and never creates -shm; the price is one connection at a time.
  const bool uri = path.rfind("file:", 0) == 0 || path == ":memory:";
  if (!uri && !shared_filesystem(path).empty())
    sqlite3_exec(raw, "PRAGMA locking_mode=EXCLUSIVE", nullptr, nullptr, nullptr);
  return db;
}

std::string file_uri(const std::string& path, const std::string& query) {
  std::string uri = "file://";
  for (char c : std::filesystem::absolute(path).string()) {
    if (c == '%' || c == '?' || c == '#') {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", unsigned(static_cast<unsigned char>(c)));
      uri += hex;
    } else {
      uri += c;
    }
  }
  return uri + "?" + query;
}

std::string now_utc() {
  char buf[32];
  std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

Store::Store(const std::string& path) : path_(path) {
  // The connection is guarded by db_mu_, not by SQLite: a curve row binds 32 values, and
  // SQLite's mutex round trip for each was 7% of the benchmark's ingest profile.
  db_ = open_connection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
  try {
    const int version = schema_version();
    if (version > kSchemaVersion)
      throw StoreError("database has schema version " + std::to_string(version) +
                       ", this lossbench writes " + std::to_string(kSchemaVersion) +
                       "; use another --db");
    // Pages stay at SQLite's 4 KiB: 64 KiB pages took 1.3-1.5x the curve rows a second in
    // bench/, but every small commit (a trial starting) then writes whole 64 KiB pages, and S1
    // ran 5-10% slower beside them.
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    exec("PRAGMA cache_size=-32768");  // 32 MiB: a long sweep's curve index stays in memory
    exec("PRAGMA foreign_keys=ON");
    if (version == 1) upgrade_schema_1_to_2();
    if (version == 1 || version == 2) upgrade_schema_2_to_3();
    if (version >= 1 && version <= 3) upgrade_schema_3_to_4();
    // One transaction: a reader (sqlite3 while the sweep starts) sees no schema or all of it,
    // never the tables without the views or an empty student_t. A database that has it all (the
    // worker's, a resumed run's) is not parsed again: that took 2 ms of every open.
    if (version != kSchemaVersion || !schema_complete()) {
      exec("BEGIN IMMEDIATE");
      try {
        exec(schema_sql());
        fill_student_t();
        exec("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '" +
             std::to_string(kSchemaVersion) + "')");
        exec("COMMIT");
      } catch (const StoreError&) {
        sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    }
  } catch (const StoreError& e) {
    db_.reset();
    throw StoreError(path + ": " + e.what());
  }
  writer_ = std::thread([this] { writer_loop(); });
}

// Whether every table, index and view of the schema is there, and the whole t table.
bool Store::schema_complete() {
  const auto names = schema_names();
  std::string in;
  for (const auto& n : names) in += (in.empty() ? "'" : ",'") + n + "'";
  // Two statements: the second cannot be prepared without the table the first looks for.
  Stmt all(db_.get(), ("SELECT count(*) FROM sqlite_master WHERE name IN (" + in + ")").c_str());
  if (!all.step() || all.integer(0) != int64_t(names.size())) return false;
  Stmt t(db_.get(), "SELECT count(*) FROM student_t");
  return t.step() && t.integer(0) == kStudentTRows;
}

// The schema version of what the file holds (0: nothing yet), read before anything is written to
// it, so that a foreign file is refused untouched.
int Store::schema_version() {
  int64_t objects = 0, meta = 0;
  try {
    Stmt tables(
        db_.get(),
        "SELECT count(*), coalesce(sum(type = 'table' AND name = 'meta'), 0) FROM sqlite_master");
    if (tables.step()) objects = tables.integer(0), meta = tables.integer(1);
  } catch (const StoreError& e) {
    throw StoreError(std::string("not a lossbench database (") + e.what() + ")");
  }
  if (objects == 0) return 0;
  if (meta == 0)
    throw StoreError(
        "an SQLite database of another program (no lossbench meta table); use another --db");
  Stmt v(db_.get(), "SELECT value FROM meta WHERE key = 'schema_version'");
  if (!v.step())
    return kSchemaVersion;  // a meta table without a version: ours, from before versions
  const std::string text = v.text(0);
  double n = 0;
  if (!parse_double(text, n) || n != std::floor(n) || n < 1)
    throw StoreError("database has schema version '" + text + "'; use another --db");
  return int(n);
}

Store::~Store() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void Store::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_.get());
    sqlite3_free(err);
    if (int e = sqlite3_system_errno(db_.get())) msg += std::string(" (") + std::strerror(e) + ")";
    throw StoreError(msg);
  }
}

// The statements that add a column to curves for each metric of kMetrics it lacks (val_NAME,
// test_NAME): what every upgrade that meets a database older than a metric needs.
std::string Store::add_missing_metric_columns() {
  std::set<std::string> have;
  Stmt cols(db_.get(), "SELECT name FROM pragma_table_info('curves')");
  while (cols.step()) have.insert(cols.text(0));
  std::string add;
  for (const char* split : {"val_", "test_"})
    for (const auto& m : metric_names())
      if (!have.count(split + m))
        add += "ALTER TABLE curves ADD COLUMN " + (split + m) + " REAL;\n";
  return add;
}

// Version 1 kept each curve row's metrics as two JSON objects; version 2 has a column per metric.
// An overnight sweep's database stays resumable: the values move into the new columns, in one
// transaction (a kill leaves version 1 whole).
void Store::upgrade_schema_1_to_2() {
  std::string fill;
  for (const char* split : {"val_", "test_"})
    for (const auto& m : metric_names()) {
      const std::string col = split + m, json = std::string(split) + "metrics";
      fill += std::string(fill.empty() ? "" : ", ") + col + " = CASE WHEN json_valid(" + json +
              ") THEN json_extract(" + json + ", '$." + m + "') END";
    }
  exec("BEGIN IMMEDIATE");
  try {
    exec(add_missing_metric_columns());
    exec("UPDATE curves SET " + fill);
    exec(
        "ALTER TABLE curves DROP COLUMN val_metrics; ALTER TABLE curves DROP COLUMN test_metrics;");
    exec("UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    exec("COMMIT");
  } catch (const StoreError& e) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw StoreError(std::string("upgrading the database from schema version 1: ") + e.what());
  }
}

// Version 3 identifies a configuration (config_id: everything but the seed) so that the views
// average seeds of one configuration only. A version-2 row has no record of its plugins' builds
// or of its evaluation settings, so its config_id is "v2:" and a hash of the columns it has; the
// next run that plans the trial writes its full id (add_pending), so that new seeds join it. The
// plugin sha256 is filled where the plugins table knows exactly one build of that name. The
// views are dropped: schema_sql() creates them anew.
void Store::upgrade_schema_2_to_3() {
  exec("BEGIN IMMEDIATE");
  try {
    exec(
        "ALTER TABLE trials ADD COLUMN config_id TEXT;"
        "ALTER TABLE trials ADD COLUMN loss_sha256 TEXT;"
        "ALTER TABLE trials ADD COLUMN optimizer_sha256 TEXT;");
    drop_schema_views();
    {
      Stmt rows(db_.get(),
                "SELECT id, 'v2:' || dataset || '#' || dataset_hash || ';model=' || model ||"
                " ';loss=' || loss || loss_params || ';optimizer=' || optimizer ||"
                " optimizer_params || ';lr=' || quote(lr) || ';epochs=' || epochs || ';batch=' ||"
                " batch_size || ';schedule=' || schedule || ';metric=' || metric ||"
                " ';target=' || quote(target) FROM trials");
      std::vector<std::pair<int64_t, std::string>> ids;  // read first: no update under a scan
      while (rows.step()) ids.emplace_back(rows.integer(0), "v2:" + sha256_hex(rows.text(1)));
      Stmt set(db_.get(), "UPDATE trials SET config_id = ? WHERE id = ?");
      for (const auto& [id, config] : ids) set.bind(1, config).bind(2, id).run();
    }
    exec(
        "UPDATE trials SET"
        " loss_sha256 = (SELECT min(sha256) FROM plugins p WHERE p.name = trials.loss"
        "   AND p.kind = 'loss' HAVING count(*) = 1),"
        " optimizer_sha256 = (SELECT min(sha256) FROM plugins p WHERE p.name = trials.optimizer"
        "   AND p.kind = 'optimizer' HAVING count(*) = 1)");
    exec("UPDATE meta SET value = '3' WHERE key = 'schema_version'");
    exec("COMMIT");
  } catch (const StoreError& e) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw StoreError(std::string("upgrading the database to schema version 3: ") + e.what());
  }
}

// Version 4 records each trial's split: its fractions, part of the problem a result answers, and
// its split seed, a replicate the paired tests match on (every older trial was dealt 0.6,0.2,0.2
// with split seed 0, the columns' defaults). It adds the curve columns of roc_auc, pr_auc, f1_pos
// and mcc and trials.test_baseline, NULL in the rows before it: the outputs they need are gone.
// The views change: lossbench's are dropped, and schema_sql() creates them anew.
void Store::upgrade_schema_3_to_4() {
  exec("BEGIN IMMEDIATE");
  try {
    drop_schema_views();
    exec(add_missing_metric_columns() +
         "ALTER TABLE trials ADD COLUMN split TEXT NOT NULL DEFAULT '0.6,0.2,0.2';"
         "ALTER TABLE trials ADD COLUMN split_seed INTEGER NOT NULL DEFAULT 0;"
         "ALTER TABLE trials ADD COLUMN test_baseline REAL;");
    exec("UPDATE meta SET value = '4' WHERE key = 'schema_version'");
    exec("COMMIT");
  } catch (const StoreError& e) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw StoreError(std::string("upgrading the database to schema version 4: ") + e.what());
  }
}

// Lossbench's views, before an upgrade changes what they read: schema_sql() creates them anew.
void Store::drop_schema_views() {
  for (const auto& v : schema_views()) exec("DROP VIEW IF EXISTS " + v);
}

// The t quantiles the views read (see student_t in the schema); computed by util/stats.cpp when
// lossbench is built (host/gen_student_t.cpp), not shipped, and written once per database,
// inside the constructor's schema transaction.
void Store::fill_student_t() {
  static constexpr double kQ975[] = {
#include "student_t_975.inc"
  };
  static_assert(std::size(kQ975) == kStudentTRows);
  {
    Stmt has(db_.get(), "SELECT count(*) FROM student_t");
    if (has.step() && has.integer(0) == kStudentTRows) return;
  }
  Stmt ins(db_.get(), "INSERT OR REPLACE INTO student_t(df, q975) VALUES (?, ?)");
  for (int64_t df = 1; df <= kStudentTRows; ++df) ins.bind(1, df).bind(2, kQ975[df - 1]).run();
}

int64_t Store::begin_sweep(const std::string& spec, size_t trials, size_t skipped) {
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s(db_.get(),
         "INSERT INTO sweeps(spec, host_version, machine, started_at, trials, skipped) VALUES "
         "(?,?,?,?,?,?)");
  s.bind(1, spec).bind(2, LOSSBENCH_VERSION).bind(3, machine_description()).bind(4, now_utc());
  s.bind(5, int64_t(trials)).bind(6, int64_t(skipped)).run();
  return sqlite3_last_insert_rowid(db_.get());
}

void Store::end_sweep(int64_t id) {
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt(db_.get(), "UPDATE sweeps SET ended_at = ? WHERE id = ?")
      .bind(1, now_utc())
      .bind(2, id)
      .run();
}

void Store::record_classes(const std::vector<std::unique_ptr<PreparedData>>& data) {
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s(db_.get(), "INSERT OR IGNORE INTO classes(dataset_hash, class, label) VALUES (?,?,?)");
  for (const auto& pd : data)
    for (size_t c = 0; c < pd->data.class_names.size(); ++c)
      s.bind(1, pd->data.hash).bind(2, int64_t(c)).bind(3, pd->data.class_names[c]).run();
}

void Store::record_plugins(const std::vector<std::shared_ptr<const Plugin>>& plugins) {
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s(db_.get(),
         "INSERT OR IGNORE INTO plugins(name, kind, path, sha256, abi) VALUES (?,?,?,?,?)");
  for (const auto& p : plugins)
    s.bind(1, p->name)
        .bind(2, kind_name(p->kind))
        .bind(3, p->path)
        .bind(4, p->sha256)
        .bind(5, std::to_string(p->abi_major) + "." + std::to_string(p->abi_minor))
        .run();
}

std::set<std::string> Store::add_pending(int64_t sweep_id, const std::vector<TrialConfig>& trials,
                                         bool force, const std::set<std::string>& retry) {
  std::lock_guard<std::mutex> lock(db_mu_);
  exec("BEGIN IMMEDIATE");
  std::set<std::string> finished;
  try {
    Stmt ins(db_.get(),
             "INSERT OR IGNORE INTO trials(config_hash, sweep_id, dataset, dataset_hash, task, "
             "model, loss, loss_params,"
             " optimizer, optimizer_params, lr, seed, epochs, batch_size, schedule, metric, "
             "higher_is_better, target, config_id, loss_sha256, optimizer_sha256, split,"
             " split_seed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    Stmt status(db_.get(), "SELECT status FROM trials WHERE config_hash = ?");
    Stmt heal(db_.get(),
              "UPDATE trials SET config_id = ?, loss_sha256 = ?, optimizer_sha256 = ?"
              " WHERE config_hash = ? AND config_id LIKE 'v2:%'");
    Stmt reset(
        db_.get(),
        "UPDATE trials SET status = 'pending', message = NULL, sweep_id = ? WHERE config_hash = ?");
    Stmt drop_curve(
        db_.get(),
        "DELETE FROM curves WHERE trial_id = (SELECT id FROM trials WHERE config_hash = ?)");
    for (const auto& t : trials) {
      const Dataset& d = t.data->data;
      ins.bind(1, t.hash)
          .bind(2, sweep_id)
          .bind(3, d.spec)
          .bind(4, d.hash)
          .bind(5, task_name(d.task));
      ins.bind(6, t.model.text)
          .bind(7, t.loss->name)
          .bind(8, t.loss_params_json())
          .bind(9, t.optimizer->name);
      ins.bind(10, t.optimizer_params_json())
          .bind(11, t.lr)
          .bind(12, int64_t(t.seed))
          .bind(13, int64_t(t.epochs));
      ins.bind(14, int64_t(t.batch_size)).bind(15, t.schedule.text()).bind(16, t.metric);
      ins.bind(17, int64_t(higher_is_better(t.metric))).bind(18, t.target);
      ins.bind(19, t.config_id).bind(20, t.loss->sha256).bind(21, t.optimizer->sha256);
      ins.bind(22, t.data->fractions.text()).bind(23, int64_t(t.data->split_seed)).run();
      heal.bind(1, t.config_id).bind(2, t.loss->sha256).bind(3, t.optimizer->sha256);
      heal.bind(4, t.hash).run();
      status.bind(1, t.hash);
      std::string st = status.step() ? status.text(0) : "";
      status.run();
      if (st == "pending" || st == "running") continue;  // never finished: run (again)
      if (force || retry.count(st)) {
        drop_curve.bind(1, t.hash).run();
        reset.bind(1, sweep_id).bind(2, t.hash).run();
      } else {
        finished.insert(t.hash);
      }
    }
    exec("COMMIT");
  } catch (const StoreError& e) {
    // SQLite may have rolled back already (an I/O error does): a failing ROLLBACK must not
    // replace the reason.
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw StoreError(path_ + ": " + e.what());
  }
  return finished;
}

void Store::submit(TrialResult result) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(result));
  }
  cv_.notify_one();
}

void Store::mark_running(const std::string& hash) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.push_back(hash);
  }
  cv_.notify_one();
}

void Store::flush() {
  std::unique_lock<std::mutex> lock(mu_);
  drained_.wait(lock,
                [&] { return (queue_.empty() && running_.empty() && !busy_) || !error_.empty(); });
  if (!error_.empty()) throw StoreError(path_ + ": " + error_);
}

void Store::writer_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty() || !running_.empty(); });
    if (queue_.empty() && running_.empty() && stop_) break;
    std::deque<TrialResult> batch;
    std::deque<std::string> running;
    batch.swap(queue_);
    running.swap(running_);
    busy_ = true;
    lock.unlock();
    timespec c0{}, c1{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    std::unique_lock<std::mutex> db_lock(db_mu_);
    try {
      if (error_.empty()) {
        if (!running.empty()) {
          exec("BEGIN IMMEDIATE");
          Stmt s(db_.get(),
                 "UPDATE trials SET status = 'running', started_at = ? WHERE config_hash = ? AND "
                 "status = 'pending'");
          for (const auto& h : running) s.bind(1, now_utc()).bind(2, h).run();
          exec("COMMIT");
        }
        // Everything queued goes in one transaction: each trial is still all-or-nothing, and a
        // busy sweep pays for one commit per batch rather than per trial.
        if (!batch.empty()) {
          exec("BEGIN IMMEDIATE");
          write(batch);
          exec("COMMIT");
        }
      }
    } catch (const std::exception& e) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      lock.lock();
      error_ = e.what();
      lock.unlock();
    }
    db_lock.unlock();
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    lock.lock();
    writer_cpu_ms_ += double(c1.tv_sec - c0.tv_sec) * 1e3 + double(c1.tv_nsec - c0.tv_nsec) * 1e-6;
    busy_ = false;
    drained_.notify_all();
  }
}

// Finished trials and their curves, inside the writer's transaction: a kill leaves each trial
// either whole or absent. Statements are prepared once a batch; curve rows are the volume.
void Store::write(const std::deque<TrialResult>& batch) {
  static const std::string insert_curve = [] {
    std::string cols =
        "trial_id, epoch, step, examples, wall_ms, cpu_ms, train_loss, val_loss, val_metric,"
        " test_metric, grad_norm, layer_grad_norms";
    size_t n = 12;
    for (const char* split : {"val_", "test_"})
      for (const auto& m : metric_names()) cols += std::string(", ") + split + m, ++n;
    std::string marks = "?";
    for (size_t i = 1; i < n; ++i) marks += ",?";
    return "INSERT INTO curves(" + cols + ") VALUES (" + marks + ")";
  }();
  Stmt id(db_.get(), "SELECT id FROM trials WHERE config_hash = ?");
  Stmt del(db_.get(), "DELETE FROM curves WHERE trial_id = ?");
  Stmt c(db_.get(), insert_curve.c_str());
  Stmt u(db_.get(),
         "UPDATE trials SET status=?, message=?, diverged_step=?, steps=?, wall_ms=?, cpu_ms=?, "
         "steps_per_s=?,"
         " final_val=?, final_test=?, best_val=?, best_val_epoch=?, test_at_best_val=?, "
         "epochs_to_target=?,"
         " time_to_target_ms=?, final_val_metrics=?, final_test_metrics=?, finished_at=?,"
         " test_baseline=? WHERE id=?");
  const int first_metric = 13, n_metrics = int(kMetricCount);
  std::string norms;
  for (const auto& r : batch) {
    id.bind(1, r.hash);
    if (!id.step()) throw StoreError("trial " + r.hash + " vanished from the database");
    const int64_t trial_id = id.integer(0);
    id.reset();
    del.bind(1, trial_id).run();
    for (const auto& p : r.curve) {
      norms_json(p.layer_grad_norms, norms);
      c.bind(1, trial_id)
          .bind(2, int64_t(p.epoch))
          .bind(3, int64_t(p.step))
          .bind(4, int64_t(p.examples));
      c.bind(5, p.wall_ms)
          .bind(6, p.cpu_ms)
          .bind(7, p.train_loss)
          .bind(8, p.val_loss)
          .bind(9, p.val_metric);
      c.bind(10, p.test_metric).bind(11, p.grad_norm).bind_static(12, norms);
      const auto v = p.val.values(), t = p.test.values();
      for (int i = 0; i < n_metrics; ++i) {
        c.bind(first_metric + i, v[size_t(i)]);
        c.bind(first_metric + n_metrics + i, t[size_t(i)]);
      }
      c.run();
    }
    u.bind(1, status_name(r.status)).bind(2, r.message);
    if (r.diverged_step >= 0)
      u.bind(3, r.diverged_step);
    else
      u.bind_null(3);
    u.bind(4, int64_t(r.steps)).bind(5, r.wall_ms).bind(6, r.cpu_ms);
    u.bind(7, r.wall_ms > 0 ? double(r.steps) / (r.wall_ms / 1e3) : NAN);
    u.bind(8, r.final_val).bind(9, r.final_test).bind(10, r.best_val);
    if (r.best_val_epoch >= 0)
      u.bind(11, int64_t(r.best_val_epoch));
    else
      u.bind_null(11);
    u.bind(12, r.test_at_best_val);
    if (r.epochs_to_target >= 0)
      u.bind(13, int64_t(r.epochs_to_target));
    else
      u.bind_null(13);
    u.bind(14, r.time_to_target_ms);
    u.bind(15, r.final_val_metrics).bind(16, r.final_test_metrics);
    u.bind(17, now_utc()).bind(18, r.test_baseline).bind(19, trial_id).run();
  }
}

void Store::record_outcome(const std::string& path, const std::string& hash, TrialStatus status,
                           const std::string& message) {
  Connection db = open_connection(path, SQLITE_OPEN_READWRITE);
  try {
    Stmt who(db.get(), "SELECT loss, optimizer FROM trials WHERE config_hash = ?");
    who.bind(1, hash);
    std::string plugins =
        who.step() ? " (loss " + who.text(0) + ", optimizer " + who.text(1) + ")" : "";
    Stmt u(db.get(),
           "UPDATE trials SET status = ?, message = ?, finished_at = ? WHERE config_hash = ?");
    u.bind(1, status_name(status))
        .bind(2, message + plugins)
        .bind(3, now_utc())
        .bind(4, hash)
        .run();
  } catch (const StoreError& e) {
    throw StoreError(path + ": " + e.what());
  }
}

namespace {
// The process holding a flock on the file (device, inode), from /proc/locks: the file names the
// same holder however the database path is spelled (a hard link has no shared side file).
std::string flock_holder(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return "";
  char id[64];
  std::snprintf(id, sizeof id, "%02x:%02x:%lu", major(st.st_dev), minor(st.st_dev),
                (unsigned long)st.st_ino);
  std::ifstream locks("/proc/locks");
  for (std::string line; std::getline(locks, line);) {
    std::istringstream in(line);
    std::string n, type, mode, access, pid, file;
    if (in >> n >> type >> mode >> access >> pid >> file && type == "FLOCK" && file == id)
      return pid;
  }
  return "";
}
}  // namespace

// The lock is a flock on the database file itself, not on a file named after the path: a
// symlink, a hard link, `./x.db` and a relative path all reach the same inode, and so the same
// lock. SQLite locks with fcntl (POSIX) locks, which on Linux never conflict with flock, so
// readers and the worker's connection are unaffected.
RunLock::RunLock(const std::string& db_path) {
  fd_ = ::open(db_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw StoreError(db_path + ": cannot open database: " + std::strerror(errno));
  // Who holds the lock, beside the database under its one real name: /proc/locks knows only
  // this machine's processes, and on a shared filesystem the holder may be another node's task.
  std::error_code ec;
  const auto canonical = std::filesystem::canonical(db_path, ec);
  const std::string holder_file = ec ? "" : canonical.string() + ".lock";
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    std::string who;
    if (std::ifstream in(holder_file); in && std::getline(in, who) && !who.empty()) {
      const auto space = who.find(' ');
      who = "pid " + who.substr(space + 1) + " on host " + who.substr(0, space);
    } else {
      const std::string pid = flock_holder(fd_);
      who = "pid " + (pid.empty() ? std::string("unknown") : pid) + " on host " + host_name();
    }
    ::close(fd_);  // no SQLite connection is open yet: closing drops no POSIX lock of ours
    fd_ = -1;
    throw StoreError(db_path + " is in use by another lossbench run (" + who +
                     "); wait for it to finish or use another --db");
  }
  // SQLite keeps the WAL beside the name it was given: through a second hard link a run would
  // not see the trials in the other name's WAL, and a checkpoint would overwrite them.
  struct stat st {};
  if (fstat(fd_, &st) == 0 && st.st_nlink > 1) {
    ::close(fd_);
    fd_ = -1;
    throw StoreError(
        db_path + " has " + std::to_string(st.st_nlink) +
        " hard links, and SQLite's journal beside each name would lose the other's trials;"
        " remove the other links (or copy the file) and use one name");
  }
  if (!holder_file.empty()) {
    std::ofstream out(holder_file, std::ios::trunc);
    out << host_name() << " " << getpid() << "\n";
    if (out.good()) holder_file_ = holder_file;  // a folder we may not write: pid alone, then
  }
}

// Closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's
// included: the lock must outlive every Store and query connection of its process.
RunLock::~RunLock() {
  if (!holder_file_.empty()) ::unlink(holder_file_.c_str());
  if (fd_ >= 0) ::close(fd_);
}

namespace {
// Runs sql on db into rows, each cell read by read(statement, column); returns SQLite's primary
// result code and its message in err.
template <class CellT, class Read>
int run_query(sqlite3* db, const std::string& sql, std::vector<std::vector<CellT>>& rows,
              std::vector<std::string>* columns, std::string& err, Read read) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  if (rc == SQLITE_OK) {
    const int n = sqlite3_column_count(st);
    if (columns) {
      columns->clear();
      for (int i = 0; i < n; ++i) columns->push_back(sqlite3_column_name(st, i));
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      std::vector<CellT> row;
      for (int i = 0; i < n; ++i) row.push_back(read(st, i));
      rows.push_back(std::move(row));
    }
  }
  err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? SQLITE_OK : sqlite3_extended_errcode(db) & 0xff;
}

}  // namespace

bool has_wal_commits(const std::string& path) {
  std::error_code ec;
  const auto wal = std::filesystem::file_size(path + "-wal", ec);
  return !ec && wal > 0;
}

namespace {
// The one way a reader opens a database (Store::query, Store::table): read-only, and as immutable
// where it cannot be read otherwise.
template <class CellT, class Read>
std::vector<std::vector<CellT>> read_only_query(const std::string& path, const std::string& sql,
                                                std::vector<std::string>* columns, Read read) {
  std::vector<std::vector<CellT>> rows;
  std::string err;
  // On a shared filesystem a read-only connection cannot keep WAL's index in its heap (SQLite
  // says "disk I/O error"), and every writer locks the file exclusively: a database with
  // commits in its -wal is being written (or its run was killed), one without is whole in its
  // file.
  const std::string shared = shared_filesystem(path);
  if (!shared.empty() && has_wal_commits(path))
    throw StoreError(path + ": cannot read: it is on a shared filesystem (" + shared +
                     "), where a run locks its database until it ends; read it then (a killed "
                     "run's database is recovered by the next run of it)");
  int rc = shared.empty() ? run_query(open_connection(path, SQLITE_OPEN_READONLY).get(), sql, rows,
                                      columns, err, read)
                          : SQLITE_CANTOPEN;
  // A WAL database needs its -shm file, which a reader cannot create on a read-only mount or in a
  // folder it may not write. No writer can be running there either (it would need the same
  // files), so the file alone is the whole database: read it as immutable. Not when a -wal holds
  // commits the file lacks (a killed run's, or a live run this reader may not join): those would
  // be silently missing.
  if (rc == SQLITE_CANTOPEN || rc == SQLITE_READONLY) {
    if (has_wal_commits(path))
      throw StoreError(path +
                       ": cannot read: its -wal holds commits not yet in the file, and this "
                       "reader cannot create " +
                       path + "-shm (" + err +
                       "); read it where it is writable, or copy it with its -wal");
    rows.clear();
    rc = run_query(
        open_connection(file_uri(path, "immutable=1"), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI)
            .get(),
        sql, rows, columns, err, read);
  }
  if (rc != SQLITE_OK) throw StoreError(path + ": " + err);
  return rows;
}
}  // namespace

// SQLite's own text of each value (sqlite3_column_text), NULL as "".
std::vector<std::vector<std::string>> Store::query(const std::string& path, const std::string& sql,
                                                   std::vector<std::string>* columns) {
  return read_only_query<std::string>(path, sql, columns, [](sqlite3_stmt* st, int i) {
    auto t = sqlite3_column_text(st, i);
    return std::string(t ? reinterpret_cast<const char*>(t) : "");
  });
}

// Each value as the type SQLite holds it in (a blob as its bytes in a Text cell).
Table Store::table(const std::string& path, const std::string& sql) {
  Table t;
  t.rows = read_only_query<Cell>(path, sql, &t.columns, [](sqlite3_stmt* st, int i) {
    switch (sqlite3_column_type(st, i)) {
      case SQLITE_INTEGER:
        return Cell::of(int64_t(sqlite3_column_int64(st, i)));
      case SQLITE_FLOAT:
        return Cell::of(sqlite3_column_double(st, i));
      case SQLITE_NULL:
        return Cell::null();
      default: {  // SQLITE_TEXT, SQLITE_BLOB
        auto t = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
        return Cell::of(t ? std::string(t, size_t(sqlite3_column_bytes(st, i))) : std::string());
      }
    }
  });
  return t;
}

std::vector<std::pair<std::string, std::string>> Store::json_members(const std::string& text,
                                                                     const std::string& at) {
  Connection db = open_connection(":memory:", SQLITE_OPEN_READWRITE);
  Stmt s(db.get(), "SELECT key, value FROM json_each(?, ?)");
  s.bind(1, text).bind(2, at);
  std::vector<std::pair<std::string, std::string>> members;
  while (s.step()) members.emplace_back(s.text(0), s.text(1));
  return members;
}

int Store::file_schema_version(const std::string& path) {
  std::vector<std::vector<std::string>> v;
  try {
    v = query(path, "SELECT value FROM meta WHERE key = 'schema_version'");
  } catch (const StoreError& e) {
    throw StoreError(path + ": not a lossbench results database (" + e.what() + ")");
  }
  double version = kSchemaVersion;
  if (!v.empty() && (!parse_double(v[0][0], version) || version != std::floor(version)))
    throw StoreError(path + ": database has schema version '" + v[0][0] + "'");
  if (version > kSchemaVersion)
    throw StoreError(path + ": database has schema version " + v[0][0] + ", newer than this " +
                     "lossbench's " + std::to_string(kSchemaVersion) + "; use a newer lossbench");
  return int(version);
}

void Store::upgrade_for_reading(const std::string& path) {
  const int version = file_schema_version(path);
  if (version == kSchemaVersion) return;
  try {
    RunLock lock(path);  // never under a running sweep of an older lossbench
    Store upgraded(path);
  } catch (const StoreError& e) {
    throw StoreError(path + ": written by an older lossbench (schema version " +
                     std::to_string(version) + "), and upgrading it failed: " + e.what());
  }
}

}  // namespace lossbench
