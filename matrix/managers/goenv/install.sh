#!/bin/sh
set -eu
. /opt/govm-matrix/lib.sh

root=$PLATFORM_HOME/.goenv
as_user git -c advice.detachedHead=false clone -q --branch "$GOENV_VERSION" \
  "$MIRROR/$GOENV_GIT" "$root"
as_user git -C "$root" remote set-url origin https://github.com/go-nv/goenv.git
goenv() { as_user env GOENV_ROOT="$root" "$root/bin/goenv" "$@"; }
version=$(goenv --version)
case $version in
  *" $GOENV_VERSION") ;;
  *) echo "goenv --version says $version, expected $GOENV_VERSION" >&2; exit 1 ;;
esac

roots=""
ways=""
for v in $GO_VERSIONS; do
  fetch_verified "$MIRROR/go/go$v.linux-amd64.tar.gz" /tmp/go.tgz
  have=$(sha256sum /tmp/go.tgz | cut -d' ' -f1)
  definition=$root/plugins/go-build/share/go-build/$v
  if [ -f "$definition" ] && grep -q "go$v.linux-amd64.tar.gz#$have" "$definition"; then
    # The official tarball: goenv's own install, from the loopback mirror for this step.
    as_user env GOENV_ROOT="$root" GO_BUILD_MIRROR_URL="$MIRROR/go" "$root/bin/goenv" \
      install -q "$v" </dev/null >/dev/null
    ways="${ways}${ways:+, }$v: goenv install"
  else
    # goenv checks the tarball against the official sha256 its definition embeds and would
    # refuse this one; a Go tree in versions/<v> is what goenv counts as installed.
    as_user mkdir -p "$root/versions/$v"
    as_user tar -C "$root/versions/$v" --strip-components=1 -xzf /tmp/go.tgz
    ways="${ways}${ways:+, }$v: unpacked into ~/.goenv/versions/$v"
  fi
  rm -f /tmp/go.tgz
  prefix=$(goenv prefix "$v")
  record_root "$v" "$prefix" "$prefix/bin/go" "goenv prefix $v"
done
rm -rf /tmp/go-build.*
write_roots "{$roots}"
goenv rehash
set -- $GO_VERSIONS
goenv global "$1"

# INSTALL.md, for Ubuntu (~/.bashrc) and zsh (~/.zshrc).
for rc in .bashrc $( [ "$LOGIN_SHELL" = zsh ] && echo .zshrc ); do
  append_line "$PLATFORM_HOME/$rc" 'export GOENV_ROOT="$HOME/.goenv"'
  append_line "$PLATFORM_HOME/$rc" 'export PATH="$GOENV_ROOT/bin:$PATH"'
  append_line "$PLATFORM_HOME/$rc" 'eval "$(goenv init -)"'
done
printf '{"name": "goenv", "version": "%s", "source": "goenv git tag %s from the mirror; Go versions: %s"}\n' \
  "${version#goenv }" "$GOENV_VERSION" "$ways" > /opt/govm-matrix/manager.json
