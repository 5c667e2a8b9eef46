// `lossbench status DB`: progress of a running or finished sweep.
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "store/store.hpp"

#include <iostream>

namespace lossbench::cli {

namespace {

const char* kUsage =
    "lossbench status DB [--format table|csv|json]\n"
    "Trials and seconds per status, the last sweep and the first failures.\n"
    "--format csv: one row per status: status,trials,seconds\n"
    "--format json: one object:\n"
    "  {\"statuses\": [{\"status\", \"trials\", \"seconds\"}, ...],\n"
    "   \"last_sweep\": {\"id\", \"started_at\", \"ended_at\" (null: running or killed), "
    "\"trials\",\n"
    "                  \"skipped\"} or null,\n"
    "   \"failures\": [{\"trial_id\", \"status\", \"dataset\", \"model\", \"loss\", \"optimizer\", "
    "\"lr\",\n"
    "                 \"seed\", \"diverged_step\", \"message\"}, ...] (all, not the first 5)}\n"
    "options";

}  // namespace

int cmd_status(const std::vector<std::string>& args) {
  std::string db;
  int rc = 0;
  Format format = Format::Table;
  if (!database_argument(args, kUsage, db, rc, &format)) return rc;
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
