#!/bin/sh
set -eu
. /opt/govm-matrix/lib.sh
. /opt/govm-matrix/manager/asdf-golang.sh

# The HTTPS mirror's CA is trusted for this step only.
trust_mirror_ca

# asdf 0.15's guide: git clone https://github.com/asdf-vm/asdf.git ~/.asdf --branch v0.15.0
asdf_dir=$PLATFORM_HOME/.asdf
asdf=$asdf_dir/bin/asdf
as_user git -c advice.detachedHead=false clone -q "$MIRROR/$ASDF_GIT" "$asdf_dir" \
  --branch "v$ASDF_VERSION"
as_user git -C "$asdf_dir" remote set-url origin https://github.com/asdf-vm/asdf.git
version=$(as_user "$asdf" version)
case $version in
  "v$ASDF_VERSION"*) ;;
  *) echo "asdf version says $version, expected v$ASDF_VERSION" >&2; exit 1 ;;
esac

asdf_golang "$asdf"

untrust_mirror_ca

# The rc lines asdf's 0.15 guide (Bash & Git, ZSH & Git) and asdf-golang's README ask for.
append_line "$PLATFORM_HOME/.bashrc" '. "$HOME/.asdf/asdf.sh"'
append_line "$PLATFORM_HOME/.bashrc" '. "$HOME/.asdf/completions/asdf.bash"'
append_line "$PLATFORM_HOME/.bashrc" '. ${ASDF_DATA_DIR:-$HOME/.asdf}/plugins/golang/set-env.bash'
if command -v zsh >/dev/null && [ "$LOGIN_SHELL" = zsh ]; then
  append_line "$PLATFORM_HOME/.zshrc" '. "$HOME/.asdf/asdf.sh"'
  append_line "$PLATFORM_HOME/.zshrc" '. ${ASDF_DATA_DIR:-$HOME/.asdf}/plugins/golang/set-env.zsh'
fi
printf '{"name": "asdf-0.15", "version": "%s", "source": "asdf git tag v%s and the asdf-golang plugin (commit %s) from the mirror; Go from the HTTPS mirror of dl.google.com"}\n' \
  "$version" "$ASDF_VERSION" "$plugin_commit" > /opt/govm-matrix/manager.json
