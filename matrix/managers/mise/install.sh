#!/bin/sh
set -eu
. /opt/govm-matrix/lib.sh
mise=$PLATFORM_HOME/.local/bin/mise
as_user mkdir -p "$PLATFORM_HOME/.local/bin"
fetch_verified "$MIRROR/$MISE_KEY" "$mise"
chown "$PLATFORM_USER" "$mise" && chmod 0755 "$mise"
as_user "$mise" --version

# mise lists Go versions from the Go repository's tags and downloads from a mirror; offline
# both point here: a local repository holding just the release tags, and the loopback mirror.
tags=/opt/govm-matrix/go-tags.git
git init -q --bare "$tags"
work=$(mktemp -d) && git -C "$work" init -q
git -C "$work" -c user.name=govm-matrix -c user.email=govm-matrix@localhost \
  commit -q --allow-empty -m "release tags"
for v in $GO_VERSIONS; do git -C "$work" tag "go$v"; done
git -C "$work" push -q "$tags" --tags && rm -rf "$work"
chown -R "$PLATFORM_USER" "$tags"

roots=""
for v in $GO_VERSIONS; do
  as_user env MISE_GO_DOWNLOAD_MIRROR="$MIRROR/go" MISE_GO_REPO="file://$tags" \
    MISE_USE_VERSIONS_HOST=false MISE_USE_VERSIONS_HOST_TRACK=false \
    "$mise" install "go@$v"
  root=$(as_user "$mise" where "go@$v")
  record_root "$v" "$root" "$root/bin/go" "mise where go@$v"
done
write_roots "{$roots}"

append_line "$PLATFORM_HOME/.bashrc" "eval \"\$($mise activate bash)\""
if command -v zsh >/dev/null && [ "$LOGIN_SHELL" = zsh ]; then
  append_line "$PLATFORM_HOME/.zshrc" "eval \"\$($mise activate zsh)\""
fi
version=$(as_user "$mise" --version | awk '{print $1}')
printf '{"name": "mise", "version": "%s", "source": "mise binary %s from the mirror; Go from the mirror via MISE_GO_DOWNLOAD_MIRROR"}\n' \
  "$version" "$MISE_KEY" > /opt/govm-matrix/manager.json
