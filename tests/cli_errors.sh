#!/usr/bin/env bash
# Every bad command line gets one line on stderr naming what is wrong, and a non-zero exit.
# usage: cli_errors.sh LOSSBENCH FIXTURE_DIR
set -uo pipefail
lb=$1 fixtures=$2
fail=0
expect() {  # expect EXIT_CODE PATTERN -- ARGS...
  local code=$1 pattern=$2; shift 3
  local err; err=$("$lb" "$@" 2>&1 >/dev/null); local rc=$?
  if [[ $rc -ne $code ]] || ! grep -qF -- "$pattern" <<<"$err" || [[ $(wc -l <<<"$err") -ne 1 ]]; then
    echo "FAIL: lossbench $* -> exit $rc, stderr: $err (wanted exit $code and '$pattern')"; fail=1
  fi
}
expect 2 "unknown command 'plugns' (did you mean 'plugins'?)" -- plugns
expect 2 "unknown option '--plugin-dri' (did you mean '--plugin-dir'?)" -- plugins --plugin-dri x
expect 1 "unknown plugin 'hubber' (did you mean 'huber'?)" -- check hubber
expect 1 "unknown plugin 'adma' (did you mean 'adam'" -- check adma
# Resuming a sweep whose plugin is not on the search path names the file its trials used.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
r=(run --datasets diabetes --losses fixture_half_mse --optimizers sgd --epochs 1 --db "$work/r.db" --quiet)
"$lb" "${r[@]}" --plugin-dir "$fixtures" >/dev/null 2>&1 || { echo "FAIL: a sweep of a fixture loss"; fail=1; }
expect 1 "unknown loss 'fixture_half_mse': the trials in $work/r.db used $fixtures" -- "${r[@]}"
err=$("$lb" "${r[@]}" 2>&1 >/dev/null)
grep -q "pass --plugin-dir $fixtures" <<<"$err" || { echo "FAIL: no --plugin-dir advice: $err"; fail=1; }
[[ $("$lb" help run | head -1) == "lossbench run [--config FILE] [options]:" ]] ||
  { echo "FAIL: 'lossbench help run' is not run's help"; fail=1; }
expect 1 "no_entry.so: no entry symbol" -- check "$fixtures/no_entry.so"
# A broken file in a plugin folder is listed, and `plugins` exits non-zero.
out=$("$lb" plugins --plugin-dir "$fixtures" 2>/dev/null); rc=$?
[[ $rc -eq 1 ]] || { echo "FAIL: plugins with broken fixtures exited $rc"; fail=1; }
grep -q "wrong_abi.so: built for plugin ABI 99.0" <<<"$out" || { echo "FAIL: wrong_abi not listed"; fail=1; }
grep -q "fixture_half_mse" <<<"$out" || { echo "FAIL: good fixture not listed"; fail=1; }
"$lb" --help | grep -q "plugins" || { echo "FAIL: --help lists no commands"; fail=1; }
v=$("$lb" --version)
grep -Eq "^lossbench [0-9]+\.[0-9]+\.[0-9]+$" <<<"$v" && grep -Eq "^commit +([0-9a-f]{7,}|unknown)$" <<<"$v" &&
  grep -Eq "^plugin ABI +[0-9]+\.[0-9]+$" <<<"$v" && grep -Eq "^compiler +(GCC|Clang) [0-9]" <<<"$v" &&
  grep -Eq "^built for +(x86-64|not x86-64)" <<<"$v" || { echo "FAIL: --version: $v"; fail=1; }
# A native binary on a CPU without its instructions says so in one line instead of dying of SIGILL
# (the test pretends the CPU lacks one); a portable binary assumes nothing and runs.
case $(grep "^built for" <<<"$v") in
  *x86-64-v4*) LOSSBENCH_TEST_CPU_LACKS=avx512f expect 1 "this CPU has no avx512f; build lossbench on this machine" -- --version
               LOSSBENCH_TEST_CPU_LACKS=avx512f expect 1 "or a portable binary with 'make NATIVE=OFF'" -- plugins
               # every extension the build may use, not only the level's: VBMI is in the metrics
               grep -qw avx512vbmi /proc/cpuinfo &&
                 LOSSBENCH_TEST_CPU_LACKS=avx512vbmi expect 1 "this CPU has no avx512vbmi" -- --version ;;
  *x86-64-v3*) LOSSBENCH_TEST_CPU_LACKS=avx2 expect 1 "this CPU has no avx2" -- --version ;;
  *) LOSSBENCH_TEST_CPU_LACKS=avx2 "$lb" --version >/dev/null || { echo "FAIL: a portable binary refused"; fail=1; } ;;
esac
[[ $fail -eq 0 ]] && echo "all CLI error cases behave"
exit $fail
