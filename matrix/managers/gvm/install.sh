#!/bin/sh
set -eu
. /opt/govm-matrix/lib.sh

# gvm's README asks for bison (and curl git mercurial make binutils gcc); every gvm command runs
# scripts/gvm-check, which needs binutils, bison, gcc and make, and its functions need hexdump.
apt-get update -qq
apt-get install -y -qq --no-install-recommends binutils bison gcc make bsdextrautils >/dev/null
rm -rf /var/lib/apt/lists/*

# The installer, from a clone of the same repository, run as its README runs it (from no git
# checkout named gvm), cloning SRC_REPO and checking out the pinned commit as its branch.
src=$(mktemp -d)
git clone -q "$MIRROR/$GVM_GIT" "$src/gvm-src"
git -C "$src/gvm-src" -c advice.detachedHead=false checkout -q "$GVM_COMMIT"
cp "$src/gvm-src/binscripts/gvm-installer" /tmp/gvm-installer && chmod 0755 /tmp/gvm-installer
rm -rf "$src"
(cd / && as_user env SRC_REPO="$MIRROR/$GVM_GIT" bash /tmp/gvm-installer "$GVM_COMMIT")
rm -f /tmp/gvm-installer
# Point the clone's origin where the installer would have cloned it from.
if [ -d "$PLATFORM_HOME/.gvm/git.bak" ]; then
  as_user git --git-dir "$PLATFORM_HOME/.gvm/git.bak" remote set-url origin https://github.com/moovweb/gvm.git
fi
gvm() { as_user bash -c '. "$HOME/.gvm/scripts/gvm" && gvm "$@"' gvm "$@"; }
version=$(gvm version | sed -n 's/.*Manager v\([0-9.]*\).*/\1/p')
[ -n "$version" ] || { echo "gvm version printed no version" >&2; exit 1; }

roots=""
for v in $GO_VERSIONS; do
  # binary archives from GO_BINARY_BASE_URL, for this step only
  as_user bash -c '. "$HOME/.gvm/scripts/gvm" && GO_BINARY_BASE_URL="$1" gvm install "go$2" -B' \
    gvm "$MIRROR/go" "$v" >/dev/null
  root=$PLATFORM_HOME/.gvm/gos/go$v
  gvm list | grep -q "go$v" || { echo "gvm list does not name go$v" >&2; exit 1; }
  record_root "$v" "$root" "$root/bin/go" "gvm list (~/.gvm/gos/go$v)"
done
write_roots "{$roots}"
set -- $GO_VERSIONS
gvm use "go$1" --default >/dev/null

printf '{"name": "gvm", "version": "%s", "source": "gvm commit %s from the mirror by its installer; Go by gvm install -B from the mirror"}\n' \
  "$version" "$GVM_COMMIT" > /opt/govm-matrix/manager.json
