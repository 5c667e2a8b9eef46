#!/usr/bin/env bash
# `lossbench status`, `top` and `report` read a finished database that cannot be written: a copy without
# write permission (file and folder) and a read-only mount. Root ignores permissions, so as root
# the copy is read as user nobody; the read-only mount needs a mount namespace (unshare -m).
# At least one of the two must really be exercised: the test fails rather than skips.
# usage: readonly.sh LOSSBENCH
set -uo pipefail
lb=$1
work=$(mktemp -d)
pages=$(mktemp -d)  # where report writes its pages: outside the read-only folder, open to nobody
chmod 777 "$pages"
trap 'chmod -R u+w "$work"; rm -rf "$work" "$pages"' EXIT
chmod 755 "$work"  # nobody must reach the copy
fail=0 checked=0

"$lb" run --datasets iris --losses cross_entropy --optimizers sgd,adam --lr 0.1 --epochs 2 --quiet \
  --db "$work/x.db" >/dev/null || { echo "FAIL: run"; exit 1; }
mkdir "$work/copy" && cp "$work/x.db" "$work/copy/x.db"
chmod a-w "$work/copy/x.db" "$work/copy"

reads() {  # reads HOW CMD...: status and top through CMD must work and show the two trials
  local how=$1; shift
  local out
  out=$("$@" "$lb" status "$db" 2>&1) && [[ $out == *"done    2"* ]] ||
    { echo "FAIL: status ($how): $out"; fail=1; }
  out=$("$@" "$lb" top "$db" 2>&1) && [[ $out == *"cross_entropy  adam"* && $out == *"cross_entropy  sgd"* ]] ||
    { echo "FAIL: top ($how): $out"; fail=1; }
  out=$("$@" "$lb" report "$db" --out "$pages/$checked.html" 2>&1) && grep -q '"cross_entropy"' "$pages/$checked.html" ||
    { echo "FAIL: report ($how): $out"; fail=1; }
  # Its default page beside the database cannot be written there: one line says so.
  out=$("$@" "$lb" report "$db" 2>&1)
  [[ $? == 1 && $out == *"${db%.db}.html: cannot write"* && $(wc -l <<<"$out") == 1 ]] ||
    { echo "FAIL: report beside a read-only database ($how): $out"; fail=1; }
  checked=$((checked + 1))
}

db=$work/copy/x.db
if [[ $(id -u) == 0 ]]; then
  as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  # The setup itself must hold: nobody really cannot write there.
  if "${as_nobody[@]}" touch "$work/copy/probe" 2>/dev/null; then
    echo "FAIL: nobody can write the read-only copy"; fail=1
  else
    reads "no write permission, as nobody" "${as_nobody[@]}"
  fi
else
  reads "no write permission" env
fi

# A read-only copy whose -wal holds commits the file lacks (a run killed before its checkpoint):
# read as immutable, those trials would be silently missing, so the reader says why it cannot.
mkdir "$work/walcopy"
{ echo "UPDATE trials SET message = 'in the wal only';"; sleep 3; } | sqlite3 "$work/x.db" &
writer=$!
for _ in $(seq 50); do [[ -s $work/x.db-wal ]] && break; sleep 0.1; done
cp "$work/x.db" "$work/x.db-wal" "$work/walcopy/"
wait $writer
chmod a-w "$work/walcopy/x.db" "$work/walcopy/x.db-wal" "$work/walcopy"
[[ -s $work/walcopy/x.db-wal ]] || { echo "FAIL: setup: the copy has no -wal"; fail=1; }
if [[ $(id -u) == 0 ]]; then walread=("${as_nobody[@]}"); else walread=(env); fi
out=$("${walread[@]}" "$lb" status "$work/walcopy/x.db" 2>&1); rc=$?
[[ $rc != 0 && $out == *"its -wal holds commits not yet in the file"* && $(wc -l <<<"$out") == 1 ]] ||
  { echo "FAIL: a read-only copy with a -wal -> exit $rc: $out"; fail=1; }

db=$work/x.db
if unshare -m true 2>/dev/null; then
  # The whole folder is mounted read-only in a private namespace; nothing leaks out of it.
  ro=(unshare -m sh -c 'mount --bind -o ro "$0" "$0" && ! touch "$0/probe" 2>/dev/null && exec "$@"' "$work")
  reads "read-only mount" "${ro[@]}"
else
  echo "note: no mount namespace here, the read-only mount case did not run"
fi
ls "$work"/copy/x.db-* >/dev/null 2>&1 && { echo "FAIL: a reader left files beside the read-only copy"; fail=1; }
[[ $checked -gt 0 ]] || { echo "FAIL: neither case could be set up, nothing was tested"; fail=1; }
[[ $fail == 0 ]] && echo "readonly: status, top and report read an unwritable database ($checked ways)"
exit $fail
