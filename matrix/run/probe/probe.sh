# Sourced (". probe.sh") by sh, bash and zsh with GOVM_LABEL set. It asks the shell itself
# which `go` it would run and what that prints (the shell's command hash applies), then hands
# over to probe.py for the rest. Variables it sets start with __govm_ and are unset at the end.
__govm_go=$(command -v go 2>/dev/null)
__govm_out=$(go version 2>&1)
__govm_rc=$?
GOVM_SHELL_GO="$__govm_go" GOVM_SHELL_GO_VERSION="$__govm_out" GOVM_SHELL_GO_STATUS="$__govm_rc" \
  /usr/bin/python3 /tmp/govm/probe.py "$GOVM_LABEL" >/dev/null 2>>/tmp/govm/probe.err
unset __govm_go __govm_out __govm_rc
