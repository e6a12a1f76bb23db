#!/bin/sh
set -eu
. /opt/govm-matrix/lib.sh
set -- $GO_VERSIONS
base=$1; shift
fetch_verified "$MIRROR/go/go$base.linux-amd64.tar.gz" /tmp/go.tgz
tar -C /usr/local -xzf /tmp/go.tgz && rm /tmp/go.tgz
roots=""
record_root "$base" /usr/local/go /usr/local/go/bin/go "unpacking go$base.linux-amd64.tar.gz"
roots="$roots, \"_dispatcher\": {\"install\": \"/usr/local/go\", \"goroot\": \"/usr/local/go\"}"

# The toolchain modules, served to the go command as a file:// proxy for this step only.
proxy=$(mktemp -d)
chmod 0755 "$proxy"
for v in "$@"; do
  stem=golang.org/toolchain/@v/v0.0.1-go$v.linux-amd64
  mkdir -p "$proxy/golang.org/toolchain/@v"
  for ext in info mod zip; do fetch_verified "$MIRROR/goproxy/$stem.$ext" "$proxy/$stem.$ext"; done
  echo "v0.0.1-go$v.linux-amd64" >> "$proxy/golang.org/toolchain/@v/list"
done
chmod -R a+rX "$proxy"
for v in "$@"; do
  root=$(as_user env GOTOOLCHAIN="go$v" GOPROXY="file://$proxy" GOSUMDB=off \
    /usr/local/go/bin/go env GOROOT)
  record_root "$v" "$root" "$root/bin/go" "GOTOOLCHAIN=go$v (go env GOROOT)"
done
rm -rf "$proxy"
# The go command verifies a toolchain against the checksum database at every switch, and
# accepts one without it only from a file:// proxy. Without network, the base Go is therefore
# pointed at the module cache's own download folder (which has a proxy's layout).
sed -i -e "s|^GOPROXY=.*|GOPROXY=file://$PLATFORM_HOME/go/pkg/mod/cache/download|" \
       -e 's|^GOSUMDB=.*|GOSUMDB=off|' /usr/local/go/go.env
grep -qx 'GOSUMDB=off' /usr/local/go/go.env
write_roots "{$roots}"
append_line "$PLATFORM_HOME/.profile" 'export PATH=$PATH:/usr/local/go/bin'
if [ "$LOGIN_SHELL" = zsh ]; then
  append_line "$PLATFORM_HOME/.zprofile" 'export PATH=$PATH:/usr/local/go/bin'
fi
printf '{"name": "gotoolchain", "version": "go%s (base)", "source": "base Go tarball and toolchain modules from the mirror"}\n' \
  "$base" > /opt/govm-matrix/manager.json
