#pragma once
// The store's SQLite plumbing, shared by the Store and the merge: a prepared statement, the one way
// a database is opened, and SQLite's message with the operating system's reason.
#include "store/store.hpp"

#include <sqlite3.h>

#include <cmath>
#include <string>

namespace lossbench {

std::string db_error(sqlite3* db);

// A prepared statement with positional binding; finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK)
      throw StoreError(std::string("cannot prepare statement: ") + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.c_str(), int(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // Without a copy, for the curve rows' long strings: v must live until the next run().
  Stmt& bind_static(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.c_str(), int(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& bind(int i, const char* v) {
    sqlite3_bind_text(s_, i, v, -1, SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, double v) {
    if (std::isfinite(v))
      sqlite3_bind_double(s_, i, v);
    else
      sqlite3_bind_null(s_, i);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) throw StoreError(db_error(db_));
    return false;
  }
  void run() {
    step();
    reset();
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::string text(int col) {
    auto p = sqlite3_column_text(s_, col);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  int64_t integer(int col) { return sqlite3_column_int64(s_, col); }
  sqlite3_stmt* raw() { return s_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

Connection open_connection(const std::string& path, int flags);

// True when DB-wal exists and is not empty: commits the database file itself may lack.
bool has_wal_commits(const std::string& path);

// file:///abs/path?QUERY (immutable=1, mode=ro), with the characters a URI gives meaning to
// escaped.
std::string file_uri(const std::string& path, const std::string& query);

}  // namespace lossbench
