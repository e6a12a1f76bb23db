#!/bin/sh
# The runner image's preinstalled Go: one directory per version in the hosted tool cache,
# as actions/setup-go finds it, owned by the runner user. Tarballs come from the mirror.
set -eu
. /opt/govm-matrix/lib.sh
mirror=$1; shift
for v in "$@"; do
  dest=/Users/runner/hostedtoolcache/go/$v/x64
  mkdir -p "$dest"
  fetch_verified "$mirror/go/go$v.linux-amd64.tar.gz" /tmp/go.tgz
  tar -C "$dest" --strip-components=1 -xzf /tmp/go.tgz
  rm /tmp/go.tgz
  touch "$dest.complete"
  "$dest/bin/go" version | grep -qF "go version go$v " || { echo "runner go$v does not run" >&2; exit 1; }
done
chown -R runner: /Users/runner/hostedtoolcache
