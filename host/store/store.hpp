#pragma once
// The SQLite results database: schema, pending trials, and a single writer thread that commits
// each finished trial with its curve in one transaction. WAL mode lets `sqlite3` read while a
// sweep writes; a kill loses only the trials in flight.
#include "plugins/plugin.hpp"
#include "sweep/sweep.hpp"
#include "sweep/trial.hpp"
#include "util/table.hpp"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

struct sqlite3;

namespace lossbench {
// An open SQLite connection, closed when it goes out of scope.
struct SqliteCloser {
  void operator()(sqlite3* db) const;
};
using Connection = std::unique_ptr<sqlite3, SqliteCloser>;
}  // namespace lossbench

namespace lossbench {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Store final : public ResultSink {
 public:
  // Opens or creates the database; upgrades a version-1 database in place; rejects a file that is
  // not a lossbench database of a known schema version, naming the path.
  explicit Store(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int64_t begin_sweep(const std::string& spec, size_t trials, size_t skipped) override;
  void end_sweep(int64_t sweep_id) override;
  void record_plugins(const std::vector<std::shared_ptr<const Plugin>>& plugins) override;
  void record_classes(const std::vector<std::unique_ptr<PreparedData>>& data) override;
  // Inserts the not-yet-known trials as pending (one transaction); returns the hashes whose
  // trials are already finished (done, diverged, failed, timeout), which need not run again.
  // With force, or for a status in retry, those are reset to pending instead.
  std::set<std::string> add_pending(int64_t sweep_id, const std::vector<TrialConfig>& trials,
                                    bool force, const std::set<std::string>& retry = {}) override;

  // Queues a result for the writer thread; returns at once.
  void submit(TrialResult result) override;
  void mark_running(const std::string& hash) override;
  // Waits until everything queued is committed; rethrows a write error.
  void flush() override;
  // True once a write failed (a full disk, say): the sweep stops taking trials.
  bool failed() override {
    std::lock_guard<std::mutex> lock(mu_);
    return !error_.empty();
  }
  // Records an outcome decided outside the trial (a crash or a hang the supervisor saw), with the
  // trial's loss and optimizer named in the message. Used while no worker writes.
  static void record_outcome(const std::string& path, const std::string& hash, TrialStatus status,
                             const std::string& message);
  // CPU time the writer thread has spent writing, for the benchmark's cost of recording.
  double writer_cpu_ms() {
    std::lock_guard<std::mutex> lock(mu_);
    return writer_cpu_ms_;
  }

  // For the commands that read (status, top, rank): a database of an older schema version is
  // upgraded in place first, as a run would (it then reads the same in every view); one that
  // cannot be written, or that a run of an older lossbench holds, is refused naming why.
  static void upgrade_for_reading(const std::string& path);
  // The schema version of a database file, read-only; refuses, naming the path, a file that is
  // not a lossbench database, a version that is no whole number, and one newer than this build's.
  static int file_schema_version(const std::string& path);
  // For the status/top commands and tests: runs a query and returns rows of text cells.
  static std::vector<std::vector<std::string>> query(const std::string& path,
                                                     const std::string& sql,
                                                     std::vector<std::string>* columns = nullptr);
  // The same query with typed cells (by sqlite3_column_type: NULL, integer, real, text; a blob as
  // text), for the commands' --format csv|json. Opens the database as query does.
  static Table table(const std::string& path, const std::string& sql);
  // The members of the JSON object at `at` ("$", "$.plugins") in text, as (key, value) with a
  // nested value as its JSON text, read by SQLite's json_each. Throws on malformed JSON.
  static std::vector<std::pair<std::string, std::string>> json_members(const std::string& text,
                                                                       const std::string& at);

 private:
  void exec(const std::string& sql);
  int schema_version();
  bool schema_complete();
  void upgrade_schema_1_to_2();
  void upgrade_schema_2_to_3();
  void upgrade_schema_3_to_4();
  void drop_schema_views();
  std::string add_missing_metric_columns();
  void fill_student_t();
  static constexpr int64_t kStudentTRows = 1000;
  void writer_loop();
  void write(const std::deque<TrialResult>& batch);

  std::string path_;
  Connection db_;
  std::mutex mu_;     // the queues and flags below
  std::mutex db_mu_;  // db_: the writer's batches and the sweep-level calls take turns
  std::condition_variable cv_, drained_;
  std::deque<TrialResult> queue_;
  std::deque<std::string> running_;
  bool stop_ = false, busy_ = false;
  double writer_cpu_ms_ = 0;
  std::string error_;
  std::thread writer_;
};

std::string now_utc();

// The kind of network filesystem ("NFS", "Lustre", "GPFS", "CIFS", "BeeGFS") that holds the
// database's folder, by statfs; "" for a local one. LOSSBENCH_SHARED_FS=1 says so for any folder
// (a network filesystem statfs does not name, a FUSE mount). There every connection locks the
// database exclusively, so a run closes each before the next one opens.
std::string shared_filesystem(const std::string& db_path);

// One `lossbench run` per database at a time: an advisory lock on the database file itself. A
// second run is refused with the other process and its host named (from DB.lock, which the
// holder writes), however it spells the path; the lock dies with its process.
class RunLock {
 public:
  explicit RunLock(const std::string& db_path);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
  std::string holder_file_;  // DB.lock: "host pid" of the holder, removed when it lets go
};

}  // namespace lossbench
