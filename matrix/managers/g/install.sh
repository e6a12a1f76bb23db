#!/bin/sh
set -eu
. /opt/govm-matrix/lib.sh

g_home=$PLATFORM_HOME/.g
as_user mkdir -p "$g_home/bin" "$g_home/downloads"
fetch_verified "$MIRROR/$G_KEY" "$g_home/bin/g"
chown "$PLATFORM_USER" "$g_home/bin/g" && chmod 0755 "$g_home/bin/g"
version=$(as_user "$g_home/bin/g" --version | sed -n 's/^g version \([0-9.]*\).*/\1/p')
case $G_KEY in
  g/*) [ "$version" = "$G_VERSION" ] \
         || { echo "g --version says $version, expected $G_VERSION" >&2; exit 1; } ;;
esac

# What g's install.sh writes: the env file (its own G_MIRROR line included) and the rc lines.
as_user sh -c 'cat > "$1"' sh "$g_home/env" <<'ENV'
export GOROOT="${HOME}/.g/go"
export PATH="${HOME}/.g/bin:${GOROOT}/bin:${GOPATH}/bin:$PATH"
export G_MIRROR=https://golang.google.cn/dl/
ENV
append_line "$PLATFORM_HOME/.bashrc" '[ -s "${HOME}/.g/env" ] && \. "${HOME}/.g/env"  # g shell setup'
append_line "$PLATFORM_HOME/.zshrc" '[ -s "${HOME}/.g/env" ] && \. "${HOME}/.g/env"  # g shell setup'

roots=""
for v in $GO_VERSIONS; do
  # the mirror's download listing, read by g's autoindex collector, for this step only
  as_user env G_MIRROR="autoindex|$MIRROR/autoindex/go/" "$g_home/bin/g" install "$v" \
    </dev/null >/dev/null
  root=$g_home/versions/$v
  as_user "$g_home/bin/g" ls | grep -q "$v" || { echo "g ls does not list $v" >&2; exit 1; }
  record_root "$v" "$root" "$root/bin/go" "g ls (~/.g/versions/$v)"
done
rm -rf "$g_home/downloads"/*
write_roots "{$roots}"
set -- $GO_VERSIONS
as_user "$g_home/bin/g" use "$1" >/dev/null

printf '{"name": "g", "version": "%s", "source": "g binary %s from the mirror; Go by g install from the mirror listing"}\n' \
  "$version" "$G_KEY" > /opt/govm-matrix/manager.json
