#!/usr/bin/env bash
# A results database as text without ids and clocks, keyed by config_hash: every column of trials
# and curves by name (a column a later schema adds is compared too) but the ids and the timing
# columns. Two databases of one sweep, however their trials were run or merged, dump the same.
# usage: db_dump.sh DB
set -euo pipefail
db=$1
[[ -f $db ]] || { echo "db_dump: no database $db" >&2; exit 1; }
tcols=$(sqlite3 -batch "$db" "SELECT group_concat(name, ', ') FROM pragma_table_info('trials') WHERE name NOT IN
  ('id', 'sweep_id', 'wall_ms', 'cpu_ms', 'steps_per_s', 'time_to_target_ms', 'started_at', 'finished_at')")
ccols=$(sqlite3 -batch "$db" "SELECT group_concat('c.' || name, ', ') FROM pragma_table_info('curves') WHERE name NOT IN
  ('trial_id', 'wall_ms', 'cpu_ms')")
sqlite3 -batch "$db" "SELECT $tcols FROM trials ORDER BY config_hash"
sqlite3 -batch "$db" "SELECT t.config_hash, $ccols FROM curves c JOIN trials t ON t.id = c.trial_id
  ORDER BY t.config_hash, c.epoch"
