# Sourced by the install scripts of both asdf adapters (asdf and asdf-0.15).
# asdf_golang ASDF: add the asdf-golang plugin from the mirror (as its README says, `asdf plugin
# add golang <url>`), install each of $GO_VERSIONS with it and record the roots that `asdf
# where` reports; sets plugin_commit.
asdf_golang() {
  as_user "$1" plugin add golang "$MIRROR/$ASDF_GOLANG_GIT"
  plugin=$PLATFORM_HOME/.asdf/plugins/golang
  as_user git -C "$plugin" remote set-url origin https://github.com/asdf-community/asdf-golang.git
  plugin_commit=$(as_user git -C "$plugin" rev-parse --short=12 HEAD)
  roots=""
  for v in $GO_VERSIONS; do
    # downloads https://dl.google.com/go/go$v.linux-amd64.tar.gz and .sha256: the HTTPS mirror
    as_user "$1" install golang "$v"
    root=$(as_user "$1" where golang "$v")
    record_root "$v" "$root" "$root/go/bin/go" "asdf where golang $v"
  done
  write_roots "{$roots}"
}
