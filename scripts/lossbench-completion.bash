# bash completion for lossbench: commands, each command's options, plugin names and dataset names.
# Everything is read from lossbench itself when TAB is pressed (its command table, each command's
# --help, `plugins --format csv`, `datasets --format csv`), so it never falls behind the binary.
# Installed by `cmake --install` into share/bash-completion/completions/; or `source` this file.

_lossbench_csv_names() {  # _lossbench_csv_names LOSSBENCH ARGS...: the first column, header skipped
  "$@" --format csv 2>/dev/null | tail -n +2 | cut -d, -f1
}

# Completes the last item of a comma-separated list (--losses mse,hu -> mse,huber) from WORDS.
_lossbench_list() {
  local cur=$1 head=""
  [[ $cur == *,* ]] && head=${cur%,*},
  mapfile -t COMPREPLY < <(compgen -W "$2" -- "${cur##*,}")
  COMPREPLY=("${COMPREPLY[@]/#/$head}")
}

_lossbench() {
  local cur prev lb=${COMP_WORDS[0]}
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  COMPREPLY=()
  if [[ $COMP_CWORD -eq 1 ]]; then
    local commands
    commands=$("$lb" --help 2>/dev/null | sed -n 's/^  \([a-z]\{2,\}\)  .*/\1/p')
    mapfile -t COMPREPLY < <(compgen -W "$commands help --help --version" -- "$cur")
    return
  fi
  local cmd=${COMP_WORDS[1]}
  # A value after an option that takes one.
  case $prev in
    --losses | --loss)
      _lossbench_list "$cur" "auto $("$lb" plugins --format csv 2>/dev/null |
        awk -F, 'NR > 1 && $2 == "loss" {print $1}')"
      return ;;
    --optimizers | --optimizer)
      _lossbench_list "$cur" "$("$lb" plugins --format csv 2>/dev/null |
        awk -F, 'NR > 1 && $2 == "optimizer" {print $1}')"
      return ;;
    --datasets | --dataset)
      _lossbench_list "$cur" "$(_lossbench_csv_names "$lb" datasets)"
      return ;;
    --config | --db | --out | --baseline | --into | --manifest | --plugin-dir)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return ;;
    --format)
      mapfile -t COMPREPLY < <(compgen -W "table csv json" -- "$cur")
      return ;;
    --by)
      mapfile -t COMPREPLY < <(compgen -W "loss optimizer" -- "$cur")
      return ;;
  esac
  if [[ $cur == -* ]]; then
    local options
    options=$("$lb" "$cmd" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9_.-]*' | sort -u)
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
    return
  fi
  case $cmd in
    check) mapfile -t COMPREPLY < <(compgen -W "$(_lossbench_csv_names "$lb" plugins)" -- "$cur") ;;
    dataset) mapfile -t COMPREPLY < <(compgen -W "$(_lossbench_csv_names "$lb" datasets)" -- "$cur") ;;
    new) [[ $COMP_CWORD -eq 2 ]] && mapfile -t COMPREPLY < <(compgen -W "loss optimizer" -- "$cur") ;;
    help) mapfile -t COMPREPLY < <(compgen -W "$("$lb" --help 2>/dev/null |
      sed -n 's/^  \([a-z]\{2,\}\)  .*/\1/p')" -- "$cur") ;;
    *) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;  # databases, sweep files
  esac
}
complete -F _lossbench lossbench
