#!/bin/sh
set -eu
. /opt/govm-matrix/lib.sh

# The HTTPS mirror's CA is trusted for this step only.
trust_mirror_ca

# SDKMAN's install page: curl -s "https://get.sdkman.io" | bash
as_user bash -c 'curl -s "https://get.sdkman.io" | bash'
sdkman_dir=$PLATFORM_HOME/.sdkman
[ -s "$sdkman_dir/bin/sdkman-init.sh" ] || { echo "SDKMAN's installer left no sdkman-init.sh" >&2; exit 1; }
version=$(cat "$sdkman_dir/var/version")
sdk() {  # sdk ARGS...: SDKMAN's shell function, as the user, in a shell that loaded it
  as_user bash -c '. "$HOME/.sdkman/bin/sdkman-init.sh" && sdk "$@"' sdk "$@"
}

# The workaround: SDKMAN knows only the candidates listed in var/candidates; add go.
as_user sh -c 'printf "%s,go\n" "$(cat "$1")" > "$1.new" && mv "$1.new" "$1"' sh \
  "$sdkman_dir/var/candidates"

roots=""
first=""
for v in $GO_VERSIONS; do
  dir=$PLATFORM_HOME/sdk/go$v
  fetch_verified "$MIRROR/go/go$v.linux-amd64.tar.gz" /tmp/go.tgz
  as_user mkdir -p "$dir"
  as_user tar -C "$dir" --strip-components=1 -xzf /tmp/go.tgz
  rm /tmp/go.tgz
  # links $dir once SDKMAN's API answers `invalid` for go $v (the HTTPS mirror does)
  sdk install go "$v" "$dir"
  root=$(sdk home go "$v" | tail -n 1)
  [ "$(readlink -f "$root")" = "$dir" ] \
    || { echo "sdk home go $v gave $root, not a link to $dir" >&2; exit 1; }
  record_root "$v" "$root" "$root/bin/go" "sdk home go $v"
  [ -n "$first" ] || first=$v
done
sdk default go "$first"
write_roots "{$roots}"

untrust_mirror_ca

printf '{"name": "sdkman-local", "version": "%s", "source": "WORKAROUND, not supported by SDKMAN: SDKMAN %s by its installer from the HTTPS mirror of its servers, go added to var/candidates, Go tarballs from the mirror linked with sdk install go <version> <dir>"}\n' \
  "$version" "$version" > /opt/govm-matrix/manager.json
