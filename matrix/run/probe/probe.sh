# Sourced (". probe.sh") by sh, bash and zsh with GOVM_LABEL set (and GOVM_PROBE_DIR, the folder
# it lives and writes in, when not /tmp/govm; GOVM_PYTHON, the python for probe.py, when not
# /usr/bin/python3). It asks the shell which `go` it would run and what that prints (the shell's
# command hash applies), and what the shell holds besides its environment (its functions, aliases
# and prompt or directory hooks), then hands over to probe.py, imported so that the first probe of
# a container run compiles it and the others load what that one wrote; python isolated (-I: no
# PYTHON* variable or user site of the user's) and without site (-S): it needs the standard
# library only, and starts faster. Variables it sets start with __govm_ and are unset at the end.
__govm_dir=${GOVM_PROBE_DIR:-/tmp/govm}
__govm_go=$(command -v go 2>/dev/null)
__govm_out=$(go version 2>&1)
__govm_rc=$?
__govm_funcs="" __govm_aliases="" __govm_hooks=""
if [ -n "${BASH_VERSION-}" ]; then
  __govm_funcs=$(declare -F | sed 's/^declare -[a-z]* //')
  __govm_aliases=$(alias | sed 's/^alias //; s/=.*//')
  __govm_hooks="PROMPT_COMMAND=${PROMPT_COMMAND-}"
elif [ -n "${ZSH_VERSION-}" ]; then
  # zsh's own syntax, parsed only when zsh runs it
  eval '__govm_funcs=$(print -l -- ${(ko)functions})
        __govm_aliases=$(print -l -- ${(ko)aliases})
        __govm_hooks=$(print -l -- "precmd_functions=${precmd_functions[*]}" \
          "chpwd_functions=${chpwd_functions[*]}" "preexec_functions=${preexec_functions[*]}")'
fi
GOVM_SHELL_GO="$__govm_go" GOVM_SHELL_GO_VERSION="$__govm_out" GOVM_SHELL_GO_STATUS="$__govm_rc" \
  GOVM_SHELL_FUNCTIONS="$__govm_funcs" GOVM_SHELL_ALIASES="$__govm_aliases" \
  GOVM_SHELL_HOOKS="$__govm_hooks" GOVM_PROBE_DIR="$__govm_dir" \
  "${GOVM_PYTHON:-/usr/bin/python3}" -I -S -c 'import sys; sys.path.insert(0, sys.argv.pop(1))
import probe; probe.main()' "$__govm_dir" "$GOVM_LABEL" >/dev/null 2>>"$__govm_dir/probe.err"
unset __govm_dir __govm_go __govm_out __govm_rc __govm_funcs __govm_aliases __govm_hooks
