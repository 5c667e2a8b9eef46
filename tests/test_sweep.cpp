// The sweep engine end to end: expansion, parallel determinism, resume, failures as outcomes,
// and the documented example queries.
#include "store/merge.hpp"
#include "store/schema.sql.hpp"
#include "store/store.hpp"
#include "sweep/metrics.hpp"
#include "sweep/sweep.hpp"
#include "test_paths.hpp"
#include "util/stats.hpp"
#include "util/strings.hpp"

#include <sqlite3.h>
#include <catch2/catch.hpp>

#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

using namespace lossbench;
using namespace lossbench::test;
namespace fs = std::filesystem;

namespace {

std::string scratch_db(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("lossbench_sweep_" + std::to_string(::getpid()));
  fs::create_directories(d);
  fs::path p = d / (name + ".db");
  for (const char* ext : {"", "-wal", "-shm"}) fs::remove(p.string() + ext);
  return p.string();
}

SweepSpec small_spec() {
  SweepSpec s;
  s.datasets = {"iris", "linear(n=200,d=4,noise=0.2,outliers=0.1)"};
  s.models = {"linear", "mlp(hidden=8,activation=tanh)"};
  s.losses = {"auto"};
  s.optimizers = {"sgd", "adam"};
  s.lrs = {0.05};
  s.seeds = {0, 1};
  s.epochs = 3;
  s.batch_size = 16;
  return s;
}

RunStats run(const SweepSpec& spec, const Registry& reg, const std::string& db,
             bool force = false) {
  Plan plan = expand(spec, reg);
  Store store(db);
  std::ostringstream progress;
  RunOptions options;
  options.force = force;
  return run_sweep(plan, spec, store, options, progress);
}

// Every recorded number except the clocks, in a stable order.
std::vector<std::vector<std::string>> results_of(const std::string& db) {
  return Store::query(
      db,
      "SELECT t.config_hash, t.status, c.epoch, c.step, quote(c.train_loss), quote(c.val_loss),"
      " quote(c.val_metric), quote(c.test_metric), quote(c.grad_norm), c.layer_grad_norms"
      " FROM trials t JOIN curves c ON c.trial_id = t.id ORDER BY t.config_hash, c.epoch");
}

}  // namespace

TEST_CASE("a sweep expands to its matrix and skips incompatible cells", "[sweep]") {
  Plan plan = expand(small_spec(), builtins());
  // iris (multiclass: 4 losses) + linear (regression: 6 losses), x 2 models x 2 optimizers x 2
  // seeds
  CHECK(plan.trials.size() == (4 + 6) * 2 * 2 * 2);
  CHECK(plan.skipped == (8 + 6) * 2 * 2 * 2);
  std::set<std::string> hashes;
  for (const auto& t : plan.trials) hashes.insert(t.hash);
  CHECK(hashes.size() == plan.trials.size());

  SweepSpec bad = small_spec();
  bad.losses = {"hubber"};
  CHECK_THROWS_WITH(expand(bad, builtins()), Catch::Contains("did you mean 'huber'"));
  bad = small_spec();
  bad.hyperparams["optimizer.adam"]["beta3"] = {0.9};
  CHECK_THROWS_WITH(expand(bad, builtins()), Catch::Contains("has no hyperparameter 'beta3'"));
  bad = small_spec();
  bad.hyperparams["optimizer.adam"]["beta2"] = {0.99, 0.999};
  CHECK(expand(bad, builtins()).trials.size() == (4 + 6) * 2 * 3 * 2);  // adam now counts twice
}

TEST_CASE("results are bit-identical at 1 and 2 threads; a second run adds nothing", "[sweep]") {
  SweepSpec one = small_spec(), two = small_spec();
  one.threads = 1;
  two.threads = 2;
  const std::string db1 = scratch_db("t1"), db2 = scratch_db("t2");
  RunStats s1 = run(one, builtins(), db1);
  RunStats s2 = run(two, builtins(), db2);
  CHECK(s1.done + s1.diverged == s1.total);
  CHECK(s2.done + s2.diverged == s2.total);
  const auto r1 = results_of(db1), r2 = results_of(db2);
  REQUIRE(r1.size() == s1.total * 4);  // epochs 0..3 for every trial
  CHECK(r1 == r2);

  RunStats again = run(two, builtins(), db2);
  CHECK(again.skipped_done == again.total);
  CHECK(again.done == 0);
  CHECK(results_of(db2) == r2);

  // A larger sweep runs only its new cells.
  SweepSpec bigger = two;
  bigger.seeds = {0, 1, 2};
  RunStats grown = run(bigger, builtins(), db2);
  CHECK(grown.skipped_done == s2.total);
  CHECK(grown.done + grown.diverged == s2.total / 2);

  // --force re-runs everything and reproduces the same numbers.
  RunStats forced = run(two, builtins(), db2, true);
  CHECK(forced.skipped_done == 0);
  CHECK(Store::query(db2, "SELECT count(*) FROM trials WHERE status = 'done'")[0][0] ==
        std::to_string(grown.total));
}

TEST_CASE("divergence and plugin failures are recorded outcomes", "[sweep]") {
  Registry reg;
  reg.add_directory(plugin_dir());
  reg.add_file(fixture("throwing_create"));
  SweepSpec s;
  s.datasets = {"diabetes"};
  s.models = {"linear"};
  s.losses = {"mse", "throwing_create"};
  s.optimizers = {"sgd"};
  s.lrs = {1e-3, 50.0};
  s.seeds = {0};
  s.epochs = 5;
  const std::string db = scratch_db("outcomes");
  RunStats st = run(s, reg, db);
  CHECK(st.total == 4);
  auto rows = Store::query(
      db, "SELECT loss, lr, status, message, diverged_step FROM trials ORDER BY loss, lr");
  REQUIRE(rows.size() == 4);
  CHECK(rows[0][0] == "mse");
  CHECK(rows[0][2] == "done");
  CHECK(rows[1][2] == "diverged");
  CHECK_FALSE(rows[1][4].empty());
  CHECK(rows[2][2] == "failed");
  CHECK_THAT(rows[2][3], Catch::Contains("create failed: deliberate failure in create"));
  CHECK(Store::query(db, "SELECT count(*) FROM failures")[0][0] == "3");
  // The diverged trial keeps its partial curve (at least the initial point).
  CHECK(std::stoi(Store::query(db,
                               "SELECT count(*) FROM curves c JOIN trials t ON t.id = c.trial_id"
                               " WHERE t.status = 'diverged'")[0][0]) >= 1);
  CHECK(Store::query(db, "PRAGMA integrity_check")[0][0] == "ok");
}

TEST_CASE("a learning rate that overflows the outputs is a divergence with its step, not a crash",
          "[sweep]") {
  // lr 1e308 turns the first update's weights into +-inf: the outputs become non-finite and the
  // metrics once read them (segfault in the ECE bins). Every classification loss, both tasks.
  SweepSpec s;
  s.datasets = {"iris", "breast_cancer"};
  s.models = {"linear"};
  s.losses = {"auto"};
  s.optimizers = {"sgd"};
  s.lrs = {1e308};
  s.seeds = {0};
  s.epochs = 1;
  s.batch_size = 90;
  const std::string db = scratch_db("overflow");
  RunStats st = run(s, builtins(), db);
  CHECK(st.total > 6);
  for (const auto& r :
       Store::query(db, "SELECT loss, dataset, status, diverged_step, message FROM trials")) {
    INFO(r[0] << " on " << r[1] << ": " << r[2] << " " << r[4]);
    // soft_f1 can stall with zero gradients instead; nothing may fail or crash.
    CHECK((r[2] == "diverged" || r[2] == "done"));
    if (r[2] == "diverged") CHECK_FALSE(r[3].empty());
  }
  CHECK(Store::query(db,
                     "SELECT count(*) FROM trials WHERE status = 'diverged' AND loss IN"
                     " ('cross_entropy', 'focal', 'multi_margin', 'bce', 'hinge')")[0][0] == "6");
  // focal is in both counts: softmax on iris, sigmoid on breast_cancer.
  CHECK(Store::query(db,
                     "SELECT count(*) FROM trials WHERE loss = 'focal' AND status = 'diverged'"
                     " AND dataset IN ('iris', 'breast_cancer')")[0][0] == "2");
}

TEST_CASE("each curve row has every metric of its task in its own column", "[sweep]") {
  const std::string db = scratch_db("metric_columns");
  run(small_spec(), builtins(), db);
  // The primary metric is the same number as its column; the other task's columns are NULL.
  CHECK(Store::query(
            db,
            "SELECT count(*) FROM curves c JOIN trials t ON t.id = c.trial_id WHERE t.task = "
            "'multiclass'"
            " AND (c.val_metric IS NOT c.val_accuracy OR c.test_metric IS NOT c.test_accuracy"
            " OR c.val_f1 IS NULL OR c.test_log_loss IS NULL OR c.val_ece IS NULL"
            " OR c.val_rmse IS NOT NULL OR c.test_r2 IS NOT NULL)")[0][0] == "0");
  CHECK(Store::query(
            db,
            "SELECT count(*) FROM curves c JOIN trials t ON t.id = c.trial_id WHERE t.task = "
            "'regression'"
            " AND (c.val_metric IS NOT c.val_rmse OR c.test_metric IS NOT c.test_rmse"
            " OR c.val_mae IS NULL OR c.test_r2 IS NULL OR c.val_accuracy IS NOT NULL)")[0][0] ==
        "0");
  CHECK(
      Store::query(
          db,
          "SELECT count(DISTINCT t.task) FROM curves c JOIN trials t ON t.id = c.trial_id")[0][0] ==
      "2");
  // The trial's JSON summary is its last curve row.
  CHECK(
      Store::query(
          db,
          "SELECT count(*) FROM trials t JOIN curves c ON c.trial_id = t.id AND c.epoch = t.epochs"
          " WHERE t.status = 'done' AND (json_extract(t.final_test_metrics, '$.f1') IS NOT "
          "c.test_f1"
          " OR json_extract(t.final_val_metrics, '$.mae') IS NOT c.val_mae)")[0][0] == "0");
  CHECK(std::stoi(Store::query(db, "SELECT count(*) FROM trials WHERE status = 'done'")[0][0]) > 0);
}

TEST_CASE("every example query of docs/schema.md runs and returns rows", "[sweep]") {
  const std::string db = scratch_db("docs");
  SweepSpec s = small_spec();
  s.datasets.push_back("moons(n=200)");
  run(s, builtins(), db);
  std::ifstream in(std::string(LOSSBENCH_SOURCE_DIR) + "/docs/schema.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const std::regex block("```sql\n([\\s\\S]*?)```");
  size_t n = 0;
  const std::string doc = text.str();
  for (std::sregex_iterator it(doc.begin(), doc.end(), block), end; it != end; ++it) {
    const std::string sql = (*it)[1];
    INFO(sql);
    std::vector<std::vector<std::string>> rows;
    REQUIRE_NOTHROW(rows = Store::query(db, sql));
    if (sql.find("FROM failures") == std::string::npos) CHECK_FALSE(rows.empty());
    ++n;
  }
  CHECK(n >= 6);
}

TEST_CASE("a schema-1 database (metrics as JSON) is upgraded in place and stays resumable",
          "[sweep]") {
  const std::string db = scratch_db("schema1");
  SweepSpec spec = small_spec();
  RunStats first = run(spec, builtins(), db);
  std::string metric_cols;  // quote() keeps every digit of a REAL
  for (const char* split : {"val_", "test_"})
    for (const auto& m : metric_names())
      metric_cols += std::string(metric_cols.empty() ? "" : ", ") + "quote(" + split + m + ")";
  const std::string all = "SELECT trial_id, epoch, quote(train_loss), quote(val_metric), " +
                          metric_cols + " FROM curves ORDER BY 1, 2";
  const auto before = Store::query(db, all);
  REQUIRE(before.size() > 0);

  // Turn it into what version 1 wrote: each split's metrics of its task as one JSON object with
  // shortest round-trip numbers (SQLite's own json_object would keep only 15 digits).
  const auto rows = Store::query(db, "SELECT trial_id, epoch, " + metric_cols + " FROM curves");
  const size_t k = metric_names().size();
  auto json_of = [&](const std::vector<std::string>& row, size_t first) {
    const bool regression = row[first] != "NULL";  // rmse present
    std::string j = "{";
    for (size_t i = regression ? 0 : 3; i < (regression ? 3 : k); ++i) {
      const std::string& v = row[first + i];
      j += (j.size() > 1 ? ",\"" : "\"") + metric_names()[i] +
           "\":" + (v == "NULL" ? "null" : format_double(std::stod(v)));
    }
    return j + "}";
  };
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  auto exec = [&](const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err);
    INFO(sql << ": " << (err ? err : ""));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
  };
  exec(
      "ALTER TABLE curves ADD COLUMN val_metrics TEXT; ALTER TABLE curves ADD COLUMN test_metrics "
      "TEXT; BEGIN");
  for (const auto& row : rows)
    exec("UPDATE curves SET val_metrics = '" + json_of(row, 2) + "', test_metrics = '" +
         json_of(row, 2 + k) + "' WHERE trial_id = " + row[0] + " AND epoch = " + row[1]);
  std::string drop = "COMMIT;";
  for (const char* split : {"val_", "test_"})
    for (const auto& m : metric_names())
      drop += std::string("ALTER TABLE curves DROP COLUMN ") + split + m + ";";
  // Nor had it configurations: no config_id, plugin hashes or the views over them.
  drop +=
      "DROP VIEW ecdf; DROP VIEW performance_profile; DROP VIEW first_hits; DROP VIEW entries;"
      "DROP VIEW leaderboard; DROP VIEW configurations; DROP TABLE student_t;"
      "DROP INDEX trials_config; ALTER TABLE trials DROP COLUMN config_id;"
      "ALTER TABLE trials DROP COLUMN loss_sha256; ALTER TABLE trials DROP COLUMN "
      "optimizer_sha256; ALTER TABLE trials DROP COLUMN split; ALTER TABLE trials DROP COLUMN "
      "split_seed; ALTER TABLE trials DROP COLUMN test_baseline;";
  exec(drop + "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  sqlite3_close(raw);
  CHECK_THROWS(Store::query(db, "SELECT val_f1 FROM curves"));  // really version 1 now

  // A reader (top, rank, status) upgrades it too; version 2 rows get a config_id from their
  // columns, which groups their seeds as a run's would.
  Store::upgrade_for_reading(db);
  CHECK(Store::query(db, "SELECT count(*) FROM trials WHERE config_id NOT LIKE 'v2:%'")[0][0] ==
        "0");
  CHECK(Store::query(db, "SELECT count(DISTINCT config_id) * 2 = count(*) FROM trials")[0][0] ==
        "1");  // small_spec has two seeds
  CHECK(Store::query(db,
                     "SELECT count(*) FROM leaderboard WHERE seeds_done + seeds_failed != 2 "
                     "OR seeds_planned != 2")[0][0] == "0");
  CHECK(Store::query(db, "SELECT count(*) FROM trials WHERE loss_sha256 IS NULL")[0][0] == "0");

  RunStats again = run(spec, builtins(), db);  // opens, upgrades, finds everything finished
  // The run knew each trial's full configuration: the ids are a run's now.
  CHECK(Store::query(db, "SELECT count(*) FROM trials WHERE config_id LIKE 'v2:%'")[0][0] == "0");
  CHECK(Store::query(db, "SELECT count(DISTINCT config_id) * 2 = count(*) FROM trials")[0][0] ==
        "1");
  CHECK(again.skipped_done == first.total);
  CHECK(again.done == 0);
  CHECK(Store::query(db, "SELECT value FROM meta WHERE key = 'schema_version'")[0][0] ==
        std::to_string(kSchemaVersion));
  // SQLite parses the JSON numbers back, to within a unit in the last place.
  const auto after = Store::query(db, all);
  REQUIRE(after.size() == before.size());
  size_t off = 0;
  for (size_t r = 0; r < after.size(); ++r)
    for (size_t c = 0; c < after[r].size(); ++c)
      if (after[r][c] != before[r][c] &&
          (after[r][c] == "NULL" || before[r][c] == "NULL" ||
           std::abs(std::stod(after[r][c]) - std::stod(before[r][c])) >
               1e-15 * std::abs(std::stod(before[r][c]))))
        ++off;
  CHECK(off == 0);
  CHECK(Store::query(db, "PRAGMA integrity_check")[0][0] == "ok");
}

TEST_CASE("a schema-3 database gains the rank metrics' columns and test_baseline, and resumes",
          "[sweep]") {
  const std::string db = scratch_db("schema3");
  SweepSpec spec = small_spec();
  spec.datasets.push_back("moons(n=200)");  // binary: f1_pos has values
  RunStats first = run(spec, builtins(), db);
  const std::vector<std::string> added = {"roc_auc", "pr_auc", "f1_pos", "mcc"};
  std::string kept;  // every curve column version 3 had, with every digit
  for (const char* split : {"val_", "test_"})
    for (const auto& m : metric_names())
      if (std::find(added.begin(), added.end(), m) == added.end())
        kept += std::string(", quote(") + split + m + ")";
  const std::string all = "SELECT c.trial_id, c.epoch, quote(c.train_loss)" + kept +
                          ", t.status, quote(t.final_test)"
                          " FROM curves c JOIN trials t ON t.id = c.trial_id ORDER BY 1, 2";
  const auto before = Store::query(db, all);
  REQUIRE(before.size() > 0);
  REQUIRE(Store::query(db, "SELECT count(*) FROM trials WHERE test_baseline IS NULL")[0][0] == "0");

  // What version 3 had: no such columns, and views without test_baseline (a stand-in for the
  // old leaderboard, which the upgrade must replace rather than keep).
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  std::string to3 =
      "DROP VIEW ecdf; DROP VIEW performance_profile; DROP VIEW first_hits; DROP VIEW entries;"
      "DROP VIEW leaderboard; DROP VIEW configurations; DROP VIEW convergence;"
      "ALTER TABLE trials DROP COLUMN test_baseline; ALTER TABLE trials DROP COLUMN split;"
      "ALTER TABLE trials DROP COLUMN split_seed;";
  for (const char* split : {"val_", "test_"})
    for (const auto& m : added)
      to3 += std::string("ALTER TABLE curves DROP COLUMN ") + split + m + ";";
  to3 +=
      "CREATE VIEW leaderboard AS SELECT 'version 3' AS old;"
      "UPDATE meta SET value = '3' WHERE key = 'schema_version'";
  char* err = nullptr;
  const int rc = sqlite3_exec(raw, to3.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(raw);
  REQUIRE(rc == SQLITE_OK);
  CHECK_THROWS(Store::query(db, "SELECT val_roc_auc FROM curves"));  // really version 3 now

  // A reader upgrades it: the columns exist, NULL where the old rows cannot know them.
  Store::upgrade_for_reading(db);
  CHECK(Store::query(db, "SELECT value FROM meta WHERE key = 'schema_version'")[0][0] ==
        std::to_string(kSchemaVersion));
  CHECK(Store::query(db,
                     "SELECT count(*) FROM curves WHERE val_roc_auc IS NOT NULL OR test_mcc IS "
                     "NOT NULL")[0][0] == "0");
  CHECK(Store::query(db, "SELECT count(*) FROM leaderboard WHERE test_baseline IS NULL")[0][0] ==
        Store::query(db, "SELECT count(*) FROM leaderboard")[0][0]);
  CHECK(Store::query(db, "SELECT count(*) FROM leaderboard")[0][0] != "0");
  CHECK(Store::query(db, all) == before);

  // Resuming finds everything finished; a forced run fills the new columns.
  RunStats again = run(spec, builtins(), db);
  CHECK(again.skipped_done == first.total);
  CHECK(again.done == 0);
  run(spec, builtins(), db, true);
  CHECK(Store::query(db, "SELECT count(*) FROM trials WHERE test_baseline IS NULL")[0][0] == "0");
  // iris's stratified test split holds 10 of each class: the majority predicts a third right.
  CHECK(Store::query(db,
                     "SELECT group_concat(DISTINCT round(test_baseline, 12)) FROM trials"
                     " WHERE dataset = 'iris'")[0][0] == "0.333333333333");
  CHECK(Store::query(
            db,
            "SELECT count(*) FROM curves c JOIN trials t ON t.id = c.trial_id"
            " WHERE t.task = 'binary' AND t.status = 'done' AND c.test_f1_pos IS NULL")[0][0] ==
        "0");
  CHECK(Store::query(db,
                     "SELECT count(*) FROM curves c JOIN trials t ON t.id = c.trial_id"
                     " WHERE t.task = 'multiclass' AND c.test_f1_pos IS NOT NULL")[0][0] == "0");
  CHECK(Store::query(db, "PRAGMA integrity_check")[0][0] == "ok");
}

TEST_CASE("a database of another program or schema is refused, naming the path", "[sweep]") {
  const std::string db = scratch_db("foreign");
  {
    std::ofstream(db)
        << "not a database at all, just text that is long enough to be a header...........";
  }
  CHECK_THROWS_WITH(Store(db), Catch::Contains(db));
  fs::remove(db);
  const std::string old = scratch_db("old_schema");
  { Store created(old); }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(old.c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, "UPDATE meta SET value = '99' WHERE key = 'schema_version'", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  CHECK_THROWS_WITH(Store(old), Catch::Contains("schema version 99, this lossbench writes " +
                                                std::to_string(kSchemaVersion)));
  CHECK_THROWS_WITH(Store::upgrade_for_reading(old), Catch::Contains("newer than this"));
}

TEST_CASE("a new database's t table is util/stats' quantiles; an open restores a missing view",
          "[sweep]") {
  const std::string db = scratch_db("t_table");
  { Store created(db); }
  const Table t = Store::table(db, "SELECT df, q975 FROM student_t ORDER BY df");
  REQUIRE(t.rows.size() == 1000);
  for (const auto& row : t.rows)  // exactly: the build computed them with the same code
    REQUIRE(row[1].real == stats::student_t_quantile(0.975, double(row[0].integer)));
  // An open of a complete database skips the schema; one that lacks a part runs it again.
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, "DROP VIEW leaderboard; DELETE FROM student_t WHERE df = 7", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  { Store reopened(db); }
  CHECK(Store::query(db, "SELECT count(*) FROM sqlite_master WHERE name = 'leaderboard'")[0][0] ==
        "1");
  CHECK(Store::query(db, "SELECT count(*) FROM student_t")[0][0] == "1000");
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, "DROP TABLE student_t", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  { Store reopened(db); }
  CHECK(Store::query(db, "SELECT count(*) FROM student_t")[0][0] == "1000");
  const auto names = schema_names();
  CHECK(std::count(names.begin(), names.end(), "trials_config") == 1);
  CHECK(std::count(names.begin(), names.end(), "curves") == 1);
  CHECK(names.size() == schema_views().size() + 9);  // 7 tables and 2 indexes
}

TEST_CASE("Store::table types each cell as SQLite holds it; Store::query keeps SQLite's text",
          "[sweep]") {
  const std::string db = scratch_db("typed");
  { Store created(db); }
  const std::string sql =
      "SELECT 1 AS i, 0.1 AS r, 2.0 AS w, 'x,y' AS t, NULL AS n, 1e999 AS inf, x'4142' AS b";
  const Table t = Store::table(db, sql);
  REQUIRE(t.columns == std::vector<std::string>{"i", "r", "w", "t", "n", "inf", "b"});
  REQUIRE(t.rows.size() == 1);
  const auto& c = t.rows[0];
  CHECK((c[0].kind == Cell::Integer && c[0].integer == 1));
  CHECK((c[1].kind == Cell::Real && c[1].real == 0.1));
  CHECK((c[2].kind == Cell::Real && c[2].real == 2.0));
  CHECK((c[3].kind == Cell::Text && c[3].text == "x,y"));
  CHECK(c[4].kind == Cell::Null);
  CHECK(c[5].kind == Cell::Null);  // an infinity, which no output format writes
  CHECK((c[6].kind == Cell::Text && c[6].text == "AB"));
  std::vector<std::string> cols;
  CHECK(Store::query(db, sql, &cols) ==
        std::vector<std::vector<std::string>>{{"1", "0.1", "2.0", "x,y", "", "Inf", "AB"}});
  CHECK(cols == t.columns);
  CHECK_THROWS_WITH(Store::table(db, "SELECT nope FROM trials"), Catch::Contains(db));
}

TEST_CASE("a schema-3 database (no split columns) is upgraded and resumes without re-running",
          "[sweep]") {
  const std::string db = scratch_db("schema3_split");
  SweepSpec spec = small_spec();
  RunStats first = run(spec, builtins(), db);
  REQUIRE(first.done > 0);
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  std::string drop;
  {
    for (const auto& v : Store::query(db, "SELECT name FROM sqlite_master WHERE type = 'view'"))
      drop += "DROP VIEW " + v[0] + ";";
  }
  drop +=
      "ALTER TABLE trials DROP COLUMN split; ALTER TABLE trials DROP COLUMN split_seed;"
      "ALTER TABLE trials DROP COLUMN test_baseline;"
      "CREATE VIEW mine AS SELECT count(*) AS n FROM trials;"  // the user's own view
      "UPDATE meta SET value = '3' WHERE key = 'schema_version'";
  REQUIRE(sqlite3_exec(raw, drop.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  CHECK_THROWS(Store::query(db, "SELECT split FROM trials"));  // really version 3 now

  RunStats again = run(spec, builtins(), db);
  CHECK(again.done == 0);  // the hashes of default splits did not change: nothing re-runs
  CHECK(again.skipped_done == first.total);
  CHECK(Store::query(db,
                     "SELECT count(*) FROM trials WHERE split = '0.6,0.2,0.2' AND "
                     "split_seed = 0")[0][0] == std::to_string(first.total));
  CHECK(Store::query(db, "SELECT count(*) FROM leaderboard")[0][0] != "0");
  CHECK(Store::query(db, "SELECT n FROM mine")[0][0] == std::to_string(first.total));  // kept

  // A second split seed is a replicate: the same configurations, twice the seeds.
  spec.split_seeds = {0, 1};
  RunStats more = run(spec, builtins(), db);
  CHECK(more.done + more.diverged + more.failed == first.total);
  CHECK(Store::query(db, "SELECT count(DISTINCT config_id) * 4 = count(*) FROM trials")[0][0] ==
        "1");  // small_spec has two seeds, now times two split seeds
  CHECK(Store::query(db, "SELECT count(*) FROM leaderboard WHERE seeds_planned != 4")[0][0] == "0");
}

TEST_CASE("a CSV's text class labels are stored with the sweep", "[sweep]") {
  const std::string db = scratch_db("classes");
  const fs::path csv = fs::path(db).parent_path() / "labels.csv";
  {
    std::ofstream f(csv);
    f << "x1,x2,answer\n";
    for (int i = 0; i < 60; ++i)
      f << i % 7 << "," << i % 5 << "," << (i % 3 == 0 ? "yes" : "no") << "\n";
  }
  SweepSpec spec = small_spec();
  spec.datasets = {"csv:" + csv.string()};
  spec.models = {"linear"};
  spec.losses = {"bce"};
  spec.optimizers = {"adam"};
  const RunStats r = run(spec, builtins(), db);
  CHECK(r.done == 2);
  const auto rows =
      Store::query(db,
                   "SELECT c.class, c.label FROM classes c JOIN trials t USING (dataset_hash) "
                   "GROUP BY c.class ORDER BY c.class");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == std::vector<std::string>{"0", "no"});
  CHECK(rows[1] == std::vector<std::string>{"1", "yes"});
  // A merge carries them along with the trials.
  const std::string merged = scratch_db("classes_merged");
  std::ostringstream warn;
  merge_databases({db}, merged, MergeOptions{}, warn);
  CHECK(Store::query(merged,
                     "SELECT group_concat(label) FROM (SELECT label FROM classes ORDER BY "
                     "class)")[0][0] == "no,yes");
}
