#!/bin/sh
set -eu
. /opt/govm-matrix/lib.sh
roots=""
first=""
for v in $GO_VERSIONS; do
  root=/usr/local/go-$v
  fetch_verified "$MIRROR/go/go$v.linux-amd64.tar.gz" /tmp/go.tgz
  mkdir -p "$root"
  tar -C "$root" --strip-components=1 -xzf /tmp/go.tgz
  rm /tmp/go.tgz
  record_root "$v" "$root" "$root/bin/go" "unpacking go$v.linux-amd64.tar.gz"
  [ -n "$first" ] || first=$root
done
ln -sfn "$first" /usr/local/go
write_roots "{$roots}"
# Go's install docs: "Add /usr/local/go/bin to the PATH environment variable ... adding the
# following line to your $HOME/.profile". zsh login shells read ~/.zprofile instead.
append_line "$PLATFORM_HOME/.profile" 'export PATH=$PATH:/usr/local/go/bin'
if [ "$LOGIN_SHELL" = zsh ]; then
  append_line "$PLATFORM_HOME/.zprofile" 'export PATH=$PATH:/usr/local/go/bin'
fi
printf '{"name": "manual", "version": "n/a", "source": "Go release tarballs from the mirror, unpacked to /usr/local/go-<version>"}\n' \
  > /opt/govm-matrix/manager.json
