#!/bin/sh
set -eu
. /opt/govm-matrix/lib.sh
. /opt/govm-matrix/manager/asdf-golang.sh

# The HTTPS mirror's CA is trusted for this step only.
trust_mirror_ca

# The guide's pre-compiled binary: "Extract the asdf binary ... into a directory on your $PATH".
asdf=/usr/local/bin/asdf
fetch_verified "$MIRROR/$ASDF_KEY" "$asdf"
chmod 0755 "$asdf"
version=$(as_user "$asdf" --version)
case $ASDF_KEY in
  asdf/*) case $version in
            *"$ASDF_VERSION"*) ;;
            *) echo "asdf --version says $version, expected $ASDF_VERSION" >&2; exit 1 ;;
          esac ;;
esac

asdf_golang "$asdf"

untrust_mirror_ca

# The guide: the shims directory on PATH in ~/.bash_profile (Bash) or ~/.zshrc (ZSH); the
# golang plugin's README: its set-env script in ~/.bashrc or ~/.zshrc.
append_line "$PLATFORM_HOME/.bash_profile" 'export PATH="${ASDF_DATA_DIR:-$HOME/.asdf}/shims:$PATH"'
append_line "$PLATFORM_HOME/.bashrc" '. ${ASDF_DATA_DIR:-$HOME/.asdf}/plugins/golang/set-env.bash'
if command -v zsh >/dev/null && [ "$LOGIN_SHELL" = zsh ]; then
  append_line "$PLATFORM_HOME/.zshrc" 'export PATH="${ASDF_DATA_DIR:-$HOME/.asdf}/shims:$PATH"'
  append_line "$PLATFORM_HOME/.zshrc" '. ${ASDF_DATA_DIR:-$HOME/.asdf}/plugins/golang/set-env.zsh'
fi
printf '{"name": "asdf", "version": "%s", "source": "asdf binary %s and the asdf-golang plugin (commit %s) from the mirror; Go from the HTTPS mirror of dl.google.com"}\n' \
  "$version" "$ASDF_KEY" "$plugin_commit" > /opt/govm-matrix/manager.json
