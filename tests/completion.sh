#!/usr/bin/env bash
# The bash completion (scripts/lossbench-completion.bash) completes commands, options, plugin and
# dataset names, and the last item of a list, from the lossbench it is given.
# usage: completion.sh LOSSBENCH
set -uo pipefail
lb=$1
fail=0
# shellcheck source=/dev/null
source "$(dirname "$0")/../scripts/lossbench-completion.bash"
complete_line() {  # complete_line WORDS...: the completions of the last word
  COMP_WORDS=("$lb" "$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _lossbench
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
want() {  # want "EXPECTED" WORDS...
  local expected=$1; shift
  local got; got=$(complete_line "$@")
  [[ $got == "$expected" ]] || { echo "FAIL: lossbench $* <TAB> gave '$got', wanted '$expected'"; fail=1; }
}
want "rank report run " r
want "rank " ran
want "--losses " run --los
want "huber " run --losses hu
want "mse,huber " run --losses mse,hu
want "adadelta adagrad adam adamax adamw " run --optimizers ada
want "iris " run --datasets iri
want "--by " rank --b
want "loss optimizer " rank --by ""
want "csv " top x.db --format c
want "loss optimizer " new ""
want "huber " check hub
want "breast_cancer " dataset bre
want "trace " help tr
[[ $fail == 0 ]] && echo "completion: commands, options, plugins, datasets and lists complete"
exit $fail
